import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type vm from 'node:vm';
import { type CacheEntry, readCacheFile, writeCacheFile } from './cache-file.js';
import { cacheFileName, cacheLocation } from './cache-location.js';
import { cachedCompile } from './cached-compile.js';
import { type CompileMethod, loader } from './node-module-internals.js';

/** What the code cache did in this process: for tests, and for a host that wants to know. */
export interface CodeCacheStatus {
  enabled: boolean;
  /** Why it is off, when it is. */
  reason?: string;
  file?: string;
  /** Modules compiled from the cache. */
  hits: number;
  /** Modules compiled from source, whose code is cached at the next save. */
  misses: number;
  /** Times this process wrote the cache file. */
  saves: number;
}

interface State {
  file: string;
  entries?: Map<string, CacheEntry>;
  produced: Map<string, { hash: string; script: vm.Script }>;
  depth: number;
  original?: CompileMethod;
  installed?: CompileMethod;
  settleTimer?: NodeJS.Timeout;
  exitHook?: () => void;
  hits: number;
  misses: number;
  saves: number;
}

// A host's first request usually comes within this long after start-up; code V8 compiled lazily
// until then (entity discovery, the first queries) is cached too.
const SETTLE_MS = 1000;
const MAX_CACHE_BYTES = 64 * 1024 * 1024;

let decided: { state: State } | { reason: string } | undefined;

/**
 * Compiles the modules that load until the returned function is called with V8's code cache,
 * kept on disk between processes. Used around loading MikroORM, knex and the drivers, which is
 * most of this library's start-up; modules of the host, loaded outside such a scope, are never
 * touched. Off where Node.js has its own cache (`module.enableCompileCache`, Node 22.1 and later),
 * under a policy or permission model, when `OVERLAY_DB_CODE_CACHE=off`, or when no cache folder
 * can be found. Every failure to read or write the cache falls back to compiling from source.
 *
 * @example
 * const end = beginPeerLoad();
 * try { require('@mikro-orm/core'); } finally { end(); }
 */
export function beginPeerLoad(): () => void {
  const state = decide();
  if (!state) return () => undefined;
  if (state.depth === 0) {
    const current = loader.prototype._compile;
    // Another tool's compiler (a coverage or transpiling hook) keeps its job: no cache this time.
    if (state.installed && current !== state.original) return () => undefined;
    clearTimeout(state.settleTimer);
    state.original = current;
    state.installed = cachedCompile(current, recorder(state));
    loader.prototype._compile = state.installed;
  }
  state.depth++;
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    state.depth--;
    if (state.depth > 0) return;
    if (loader.prototype._compile === state.installed && state.original) loader.prototype._compile = state.original;
    scheduleSettle(state);
  };
  // Load code that throws part-way still ends the scope, before anything else gets to run.
  process.nextTick(end);
  return end;
}

/**
 * Runs a synchronous load (a `require`) in a code-cache scope.
 *
 * @example
 * const pg = whilePeersLoad(() => require('@mikro-orm/postgresql'));
 */
export function whilePeersLoad<T>(load: () => T): T {
  const end = beginPeerLoad();
  try {
    return load();
  } finally {
    end();
  }
}

/** The code cache's state in this process. */
export function codeCacheStatus(): CodeCacheStatus {
  const outcome = decide();
  if (!outcome) {
    return {
      enabled: false,
      reason: decided && 'reason' in decided ? decided.reason : 'unknown',
      hits: 0,
      misses: 0,
      saves: 0,
    };
  }
  return { enabled: true, file: outcome.file, hits: outcome.hits, misses: outcome.misses, saves: outcome.saves };
}

/** Writes what this process compiled to the cache file now, instead of at the next settle or at exit. */
export function saveCodeCache(): void {
  const state = decide();
  if (state) save(state);
}

function decide(): State | undefined {
  if (!decided) {
    const reason = whyOff();
    if (reason) decided = { reason };
    else {
      const location = cacheLocation(ownFile(), process.env);
      decided =
        'disabled' in location
          ? { reason: location.disabled }
          : {
              state: {
                file: join(location.dir, cacheFileName()),
                produced: new Map(),
                depth: 0,
                hits: 0,
                misses: 0,
                saves: 0,
              },
            };
    }
  }
  return 'state' in decided ? decided.state : undefined;
}

function whyOff(): string | undefined {
  if (typeof loader.enableCompileCache === 'function') {
    return 'this Node.js has its own compile cache: module.enableCompileCache() or NODE_COMPILE_CACHE';
  }
  const flags = `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`;
  if (/--(experimental-)?(policy|permission)\b/.test(flags)) return 'a policy or permission model is active';
  if (!String(loader.prototype._compile).includes('wrapSafe')) {
    return "another tool has replaced Node's module compiler";
  }
  return undefined;
}

function recorder(state: State) {
  return {
    lookup(filename: string) {
      state.entries ??= readCacheFile(state.file);
      return state.entries.get(filename);
    },
    hit() {
      state.hits++;
    },
    miss(filename: string, hash: string, script: vm.Script) {
      state.misses++;
      state.produced.set(filename, { hash, script });
    },
  };
}

function scheduleSettle(state: State): void {
  clearTimeout(state.settleTimer);
  if (state.produced.size > 0 && !state.exitHook) {
    state.exitHook = () => save(state);
    process.once('exit', state.exitHook);
  }
  state.settleTimer = setTimeout(() => {
    if (state.depth > 0) return;
    save(state);
    // The cache file's contents are only needed while modules compile.
    state.entries = undefined;
  }, SETTLE_MS);
  state.settleTimer.unref();
}

function save(state: State): void {
  if (state.exitHook) process.removeListener('exit', state.exitHook);
  state.exitHook = undefined;
  if (state.produced.size === 0) return;
  const produced = state.produced;
  state.produced = new Map();
  try {
    // Other processes may have written entries since this one read the file: keep them.
    const merged = readCacheFile(state.file);
    let bytes = 0;
    for (const entry of merged.values()) bytes += entry.data.length;
    if (bytes > MAX_CACHE_BYTES) merged.clear();
    for (const [filename, { hash, script }] of produced)
      merged.set(filename, { hash, data: script.createCachedData() });
    writeCacheFile(state.file, merged);
    state.saves++;
  } catch {
    // A read-only or full disk: this process runs from source, as it would without a cache.
  }
}

// The ESM sources (tests, tsx) have import.meta.url; the CommonJS build has an empty import.meta
// and its own absolute __filename.
function ownFile(): string {
  const url: string | undefined = import.meta.url;
  if (url) return fileURLToPath(url);
  return typeof __filename === 'string' && isAbsolute(__filename) ? __filename : join(process.cwd(), 'x');
}
