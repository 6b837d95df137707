import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('../../scripts/components.sh', import.meta.url));
const started = new Map<string, Record<string, string> | undefined>();

/**
 * Starts one real component (scripts/components/<name>.sh: a TLS cluster, PgBouncer, a standby, …)
 * if it is not running, and returns the KEY=VALUE lines it prints (its URLs and paths). Where it
 * cannot start, CI=true fails the test file; elsewhere it returns undefined after one loud line,
 * and the caller skips (`describe.skipIf(!env)`), as the PostgreSQL half does without a server.
 *
 * @example
 * const tls = await component('tls-cluster');
 * describe.skipIf(!tls)('TLS', () => { … tls!.OVERLAY_TEST_TLS_URL … });
 */
export async function component(name: string): Promise<Record<string, string> | undefined> {
  if (started.has(name)) return started.get(name);
  let env: Record<string, string> | undefined;
  try {
    const out = execFileSync('bash', [script, 'start', name], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 240_000,
    });
    env = {};
    for (const line of out.split('\n')) {
      const eq = line.indexOf('=');
      if (eq > 0) env[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
    }
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    const reason = stderr || (error instanceof Error ? error.message : String(error));
    if (process.env.CI === 'true') throw new Error(`component ${name} is required when CI=true: ${reason}`);
    console.warn(`\n!!! SKIPPING THE TESTS THAT NEED ${name.toUpperCase()}: it could not start (${reason}) !!!\n`);
    env = undefined;
  }
  started.set(name, env);
  return env;
}
