// The code cache around loading this library's peers. Built as its own file (dist/code-cache.cjs),
// which the library bundle and the CLI both require, so one process has one cache state.

export {
  beginPeerLoad,
  type CodeCacheStatus,
  codeCacheStatus,
  saveCodeCache,
  whilePeersLoad,
} from './peer-load-scope.js';
