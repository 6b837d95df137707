import { createRequire } from 'node:module';

/**
 * The version of the installed `@overlay/db`, for `overlay-db --version`. Read from the package's
 * own package.json at run time through the package's self-reference (its `exports` lists
 * `./package.json`), so the source tree, the built bin and an installed copy each report the
 * package.json they belong to, and no build step has to keep a copy in sync.
 *
 * @example
 * packageVersion(); // '0.1.0'
 */
export function packageVersion(): string {
  const manifest = createRequire(import.meta.url)('@overlay/db/package.json') as { version?: unknown };
  return String(manifest.version);
}
