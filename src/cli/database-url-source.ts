import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { DEFAULT_DATABASE_URL } from '../database/parse-database-url.js';
import { InvalidInputError } from '../errors.js';

/** The database URL `overlay-db` uses and where it came from, as its first line says. */
export interface DatabaseUrlSource {
  url: string;
  /** `--url`, `DATABASE_URL`, `DATABASE_URL from .env`, or the default's explanation. */
  from: string;
}

/**
 * The URL of `--url`, else of an already-set `DATABASE_URL`, else of `DATABASE_URL` in the
 * `.env` file of `cwd` (read as Prisma's CLI reads it; nothing else of the file is used, and the
 * library's own API never reads it), else `sqlite:///./app.db`, the Python backend's default.
 *
 * @example
 * databaseUrlSource(undefined, process.env, process.cwd()); // { url: 'postgresql://…', from: 'DATABASE_URL from .env' }
 */
export function databaseUrlSource(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): DatabaseUrlSource {
  if (flag !== undefined) return { url: flag, from: '--url' };
  if (env.DATABASE_URL !== undefined && env.DATABASE_URL !== '') return { url: env.DATABASE_URL, from: 'DATABASE_URL' };
  const fromFile = dotenvDatabaseUrl(cwd);
  if (fromFile !== undefined) return { url: fromFile, from: 'DATABASE_URL from .env' };
  return { url: DEFAULT_DATABASE_URL, from: 'the default: no --url, DATABASE_URL or .env' };
}

function dotenvDatabaseUrl(cwd: string): string | undefined {
  const path = join(cwd, '.env');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return undefined;
    throw new InvalidInputError(path, `cannot be read (${(error as { code?: unknown }).code ?? 'unknown error'})`);
  }
  const value = parseEnv(text).DATABASE_URL;
  return value === undefined || value === '' ? undefined : value;
}
