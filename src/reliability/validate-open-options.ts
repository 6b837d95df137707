import type { OpenDatabaseOptions } from '../database/options.js';
import { SQLITE_DRIVERS } from '../dialects/sqlite/open-sqlite.js';
import { InvalidInputError } from '../errors.js';
import { optionalNumber, rejectUnknownKeys, requireObject } from '../validation/validators.js';

/** Every option openDatabase takes; any other key is INVALID_INPUT. */
export const KNOWN_OPTIONS = [
  'url',
  'migrate',
  'debug',
  'logger',
  'onQuery',
  'pool',
  'replicas',
  'sqliteDriver',
  'busyTimeoutMs',
  'sqliteMmapBytes',
  'rowLevelSecurity',
  'preparedStatements',
  'statementTimeoutMs',
  'lockTimeoutMs',
  'mikroOrm',
] as const;

/** The longest busy timeout accepted: one hour (a writer that waits longer is a bug, not a load). */
export const MAX_BUSY_TIMEOUT_MS = 3_600_000;

/**
 * The longest statement or lock timeout accepted: PostgreSQL's own limit for them (2^31 - 1 ms).
 *
 * @example
 * openDatabase({ url, statementTimeoutMs: Math.min(wanted, MAX_SESSION_TIMEOUT_MS) });
 */
export const MAX_SESSION_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * Checks the shape of {@link OpenDatabaseOptions} before anything is opened: INVALID_INPUT naming
 * the option for a wrong type or an unknown key (a typo must not be silently ignored). The URL's
 * content is checked by parseDatabaseUrl, the pool's numbers by buildOrmOptions.
 *
 * @example
 * const options = validateOpenOptions(input ?? {});
 */
export function validateOpenOptions(value: unknown): OpenDatabaseOptions {
  const options = requireObject('options', value);
  rejectUnknownKeys('options', options, KNOWN_OPTIONS);
  if (options.url !== undefined && typeof options.url !== 'string') {
    throw new InvalidInputError('url', 'expected a database URL string');
  }
  for (const key of ['migrate', 'debug', 'rowLevelSecurity', 'preparedStatements'] as const) {
    if (options[key] !== undefined && typeof options[key] !== 'boolean') {
      throw new InvalidInputError(key, 'expected a boolean');
    }
  }
  if (options.logger !== undefined && typeof options.logger !== 'function') {
    throw new InvalidInputError('logger', 'expected a function that takes one string');
  }
  if (options.onQuery !== undefined && typeof options.onQuery !== 'function') {
    throw new InvalidInputError('onQuery', 'expected a function that takes one query event');
  }
  if (options.pool !== undefined) {
    const pool = requireObject('pool', options.pool);
    rejectUnknownKeys('pool', pool, ['min', 'max']);
    optionalNumber('pool.min', pool.min, { integer: true, min: 0 });
    optionalNumber('pool.max', pool.max, { integer: true, min: 1 });
  }
  if (options.replicas !== undefined) {
    if (!Array.isArray(options.replicas) || options.replicas.some((r) => typeof r !== 'string')) {
      throw new InvalidInputError('replicas', 'expected an array of PostgreSQL URL strings');
    }
  }
  if (options.sqliteDriver !== undefined && !SQLITE_DRIVERS.includes(options.sqliteDriver as never)) {
    throw new InvalidInputError('sqliteDriver', `expected one of ${SQLITE_DRIVERS.map((d) => `'${d}'`).join(', ')}`);
  }
  optionalNumber('busyTimeoutMs', options.busyTimeoutMs, { integer: true, min: 0, max: MAX_BUSY_TIMEOUT_MS });
  optionalNumber('sqliteMmapBytes', options.sqliteMmapBytes, { integer: true, min: 0, max: 2 ** 40 });
  for (const key of ['statementTimeoutMs', 'lockTimeoutMs'] as const) {
    if (options[key] !== undefined && !isTimeout(options[key])) {
      throw new InvalidInputError(key, `expected an integer number of ms from 0 to ${MAX_SESSION_TIMEOUT_MS}`);
    }
  }
  if (options.mikroOrm !== undefined) requireObject('mikroOrm', options.mikroOrm);
  return options as OpenDatabaseOptions;
}

function isTimeout(value: unknown): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= MAX_SESSION_TIMEOUT_MS;
}
