import { createHash } from 'node:crypto';
import { dirname, sep } from 'node:path';
import vm from 'node:vm';
import type { CacheEntry } from './cache-file.js';
import { type CompileMethod, type LoaderModule, loader } from './node-module-internals.js';

/** What a compile found in the cache, and the script to cache when it found nothing usable. */
export interface CompileRecorder {
  lookup(filename: string): CacheEntry | undefined;
  hit(filename: string): void;
  miss(filename: string, hash: string, script: vm.Script): void;
}

const NODE_MODULES = `${sep}node_modules${sep}`;
/** `import(` with any spacing or comments before the parenthesis; a false match only costs a cache entry. */
const DYNAMIC_IMPORT = /\bimport\s*(?:\/\*[\s\S]*?\*\/\s*)*\(/;

/**
 * A replacement for `Module.prototype._compile` that compiles a package's module with V8's code
 * cache for its exact source (SHA-1), then runs it as Node.js would: same wrapper arguments, same
 * `this`, a `require` with `resolve`, `resolve.paths`, `main`, `extensions` and `cache`.
 * Anything it is not sure about goes to Node's own method: files outside node_modules, ES module
 * syntax, a syntax error (Node reports it its own way), a file that calls `import()`, a file with a
 * source map while source maps are on.
 */
export function cachedCompile(original: CompileMethod, recorder: CompileRecorder): CompileMethod {
  return function compile(this: LoaderModule, content: string, filename: string, ...rest: unknown[]) {
    if (
      rest[0] === 'module' ||
      !filename.includes(NODE_MODULES) ||
      !/\.c?js$/.test(filename) ||
      // V8 does not keep the import() callback in cached code: import() would fail after a hit.
      DYNAMIC_IMPORT.test(content) ||
      // Node maps such a file's stack traces only when it compiles the file itself.
      (process.sourceMapsEnabled && content.includes('//# sourceMappingURL='))
    ) {
      return original.call(this, content, filename, ...rest);
    }
    const hash = createHash('sha1').update(content).digest('base64');
    const cached = recorder.lookup(filename);
    let script: vm.Script;
    try {
      script = new vm.Script(loader.wrap(content), {
        filename,
        cachedData: cached?.hash === hash ? cached.data : undefined,
      });
    } catch {
      return original.call(this, content, filename, ...rest);
    }
    if (cached?.hash === hash && !script.cachedDataRejected) recorder.hit(filename);
    else recorder.miss(filename, hash, script);
    const wrapper = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
    return Reflect.apply(wrapper, this.exports, [this.exports, requireFor(this), this, filename, dirname(filename)]);
  };
}

/** The `require` Node.js hands a module (its makeRequireFunction, which is internal). */
function requireFor(mod: LoaderModule): NodeJS.Require {
  const require = ((id: string) => mod.require(id)) as NodeJS.Require;
  const resolve = ((request: string, options?: { paths?: string[] }) =>
    loader._resolveFilename(request, mod, false, options)) as NodeJS.RequireResolve;
  resolve.paths = (request: string) => loader._resolveLookupPaths(request, mod);
  require.resolve = resolve;
  require.main = process.mainModule;
  require.extensions = loader._extensions as NodeJS.Require['extensions'];
  require.cache = loader._cache as NodeJS.Require['cache'];
  return require;
}
