import type { Database } from '../../src/index.js';

/**
 * The code and message an attempt to open (or connect) failed with; `{ code: 'NO ERROR' }` when
 * it succeeded, after closing the database it opened. For tests of what a URL or TLS setting does.
 *
 * @example
 * const { code, message } = await openError(() => openDatabase({ url: `${url}?sslmode=require` }));
 */
export async function openError(work: () => Promise<unknown>): Promise<{ code?: unknown; message: string }> {
  try {
    const opened = await work();
    await (opened as Database | undefined)?.close?.();
  } catch (error) {
    return { code: (error as { code?: unknown }).code, message: String((error as Error).message) };
  }
  return { code: 'NO ERROR', message: '' };
}
