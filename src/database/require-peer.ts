import { createRequire } from 'node:module';
import { isAbsolute, join } from 'node:path';

/**
 * Loads a CommonJS peer package (MikroORM and its drivers) with `require`, synchronously and
 * from this package's own location. A dynamic `import()` of the same package goes through its
 * ESM wrapper and Node's CommonJS export analysis, which costs hundreds of milliseconds at start-up.
 *
 * @example
 * const { SqliteDriver } = requirePeer<typeof import('@mikro-orm/sqlite')>('@mikro-orm/sqlite');
 */
export function requirePeer<T>(name: string): T {
  // ESM (tests, tsx, an ESM host): import.meta.url. The CommonJS build has an empty import.meta
  // and its own absolute __filename (a global '[eval]' can shadow it in ESM run by `node -e`).
  const url: string | undefined = import.meta.url;
  const base =
    url ?? (typeof __filename === 'string' && isAbsolute(__filename) ? __filename : join(process.cwd(), 'x'));
  return createRequire(base)(name) as T;
}
