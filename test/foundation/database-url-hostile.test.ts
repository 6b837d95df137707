import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run-cli.js';
import { openDatabase, parseDatabaseUrl } from '../../src/index.js';

// URLs a host may pass on from configuration it does not control: each must be refused with
// INVALID_DATABASE_URL before anything is opened or created, and the message must not carry
// the password, however malformed its escapes.
const BAD_ESCAPES = [
  'postgresql://u:Db%ZZS3cret@127.0.0.1/x',
  'postgresql://u:Db%E0%A4%A%S3cret@127.0.0.1/x',
  'postgresql://u%ZZ:Db-S3cret@127.0.0.1/x',
  'postgresql://u:Db-S3cret@127.0.0.1/x%ZZ',
  'postgres://u:Db%ZZS3cret@127.0.0.1:5432/x',
];
const NUL_URLS = [
  'sqlite:///./nul\u0000evil.db',
  'sqlite:///./nul%00evil.db',
  'sqlite:////tmp/nul\u0000evil.db',
  'sqlite:///nul%00',
  'postgresql://u:Db-S3cret@127.0.0.1/x\u0000y',
  'postgresql://u:Db-S3cret@127.0.0.1/x%00y',
  'postgresql://u:Db%00S3cret@127.0.0.1/x',
  'postgresql://u%00:Db-S3cret@127.0.0.1/x',
];

async function codeAndMessage(work: () => unknown): Promise<{ code: unknown; message: string; name: string }> {
  try {
    await work();
  } catch (error) {
    const e = error as { code?: unknown; message?: string; name?: string };
    return { code: e.code, message: String(e.message), name: String(e.name) };
  }
  return { code: 'NO ERROR', message: '', name: '' };
}

describe('hostile database URLs', () => {
  let dir: string;
  let cwd: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'overlay-url-'));
    cwd = process.cwd();
    process.chdir(dir);
  });
  afterEach(() => {
    process.chdir(cwd);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a malformed %-escape is INVALID_DATABASE_URL, not a raw URIError, and the password stays out', async () => {
    for (const url of BAD_ESCAPES) {
      for (const attempt of [() => parseDatabaseUrl(url), () => openDatabase({ url })]) {
        const { code, message, name } = await codeAndMessage(attempt);
        expect(code, `${url}: ${name}: ${message}`).toBe('INVALID_DATABASE_URL');
        expect(message, url).not.toContain('S3cret');
        expect(message, url).not.toContain('Db%ZZ');
      }
    }
  });

  it('a replica URL with a malformed escape is refused the same way', async () => {
    const { code, message } = await codeAndMessage(() =>
      openDatabase({ url: 'postgresql://u@127.0.0.1:1/x', replicas: [BAD_ESCAPES[0]] }),
    );
    expect(code).toBe('INVALID_DATABASE_URL');
    expect(message).not.toContain('S3cret');
  });

  it('a NUL byte, raw or %00, anywhere in a URL is INVALID_DATABASE_URL and creates no file', async () => {
    for (const url of NUL_URLS) {
      for (const attempt of [() => parseDatabaseUrl(url), () => openDatabase({ url })]) {
        const { code, message, name } = await codeAndMessage(attempt);
        expect(code, `${JSON.stringify(url)}: ${name}: ${message}`).toBe('INVALID_DATABASE_URL');
        expect(message).not.toContain('S3cret');
        expect(message).not.toContain('\u0000');
      }
    }
    expect(readdirSync(dir)).toEqual([]);
    expect(existsSync(join(dir, 'nul'))).toBe(false);
  });

  it('the CLI reports both as INVALID_DATABASE_URL without the password', async () => {
    for (const url of [BAD_ESCAPES[0], NUL_URLS[0], NUL_URLS[6]]) {
      for (const argv of [
        ['current', '--url', url],
        ['current', '--json', '--url', url],
      ]) {
        let out = '';
        const code = await runCli(argv, {
          env: {},
          cwd: dir,
          stdout: { write: (text: string) => (out += text) },
          stderr: { write: (text: string) => (out += text) },
        });
        expect(code, out).toBe(1);
        expect(out).toContain('INVALID_DATABASE_URL');
        expect(out).not.toContain('S3cret');
        expect(out).not.toContain('UNEXPECTED');
      }
    }
    expect(readdirSync(dir)).toEqual([]);
  });
});
