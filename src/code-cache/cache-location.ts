import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, sep } from 'node:path';

/** The environment variable that turns the code cache off (`off`, `0`, `false`) or moves it (an absolute path). */
export const CODE_CACHE_ENV = 'OVERLAY_DB_CODE_CACHE';

export type CacheLocation = { dir: string } | { disabled: string };

/**
 * Where the code cache lives: `OVERLAY_DB_CODE_CACHE` when it is an absolute path, else
 * `node_modules/.cache/@overlay/db` of the project this package is installed in (the folder
 * build tools use for their caches, owned by whoever installed the code it caches).
 *
 * @example
 * cacheLocation('/app/node_modules/@overlay/db/dist/index.cjs', {}); // { dir: '/app/node_modules/.cache/@overlay/db' }
 */
export function cacheLocation(ownFile: string, env: NodeJS.ProcessEnv): CacheLocation {
  const setting = env[CODE_CACHE_ENV]?.trim();
  if (setting && /^(off|0|false|no)$/i.test(setting)) return { disabled: `${CODE_CACHE_ENV}=${setting}` };
  if (setting) {
    if (!isAbsolute(setting)) return { disabled: `${CODE_CACHE_ENV} must be an absolute path or "off"` };
    return { dir: setting };
  }
  // Installed: the first node_modules above this file is the host project's.
  const marker = `${sep}node_modules${sep}`;
  const at = ownFile.indexOf(marker);
  if (at >= 0) return { dir: join(ownFile.slice(0, at + marker.length), '.cache', '@overlay', 'db') };
  // A checkout of this repository (dist/ or src/…): its own node_modules, when installed.
  for (let dir = dirname(ownFile); dirname(dir) !== dir; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'node_modules'))) {
      return { dir: join(dir, 'node_modules', '.cache', '@overlay', 'db') };
    }
  }
  return { disabled: 'no node_modules folder to keep the cache in' };
}

/**
 * One file per Node.js version, CPU and set of V8 flags: V8 rejects code cached under another of
 * these anyway, and two processes that differ in them would keep overwriting each other's entries.
 */
export function cacheFileName(): string {
  const flags = `${process.execArgv.join(' ')}\n${process.env.NODE_OPTIONS ?? ''}`;
  const flagsHash = createHash('sha1').update(flags).digest('hex').slice(0, 8);
  return `v8-${process.version}-${process.arch}-${flagsHash}.bin`;
}
