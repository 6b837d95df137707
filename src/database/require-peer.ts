import { createRequire } from 'node:module';

/**
 * Loads a CommonJS peer package (MikroORM and its drivers) with `require`, synchronously and
 * from this package's own location. A dynamic `import()` of the same package goes through its
 * ESM wrapper and Node's CommonJS export analysis, which costs hundreds of milliseconds at start-up.
 *
 * @example
 * const { SqliteDriver } = requirePeer<typeof import('@mikro-orm/sqlite')>('@mikro-orm/sqlite');
 */
export function requirePeer<T>(name: string): T {
  // CommonJS build: __filename; ESM (tests, tsx): import.meta.url.
  const base = typeof __filename === 'string' ? __filename : import.meta.url;
  return createRequire(base)(name) as T;
}
