import type { Plugin } from 'esbuild';
import { defineConfig, type Options } from 'tsup';

// One format only: CommonJS, with a thin ESM wrapper written by scripts/write-esm-wrapper.mjs.
// Shipping two full builds would let a host that reaches the package through both `import` and
// `require` load two copies of the entity definitions (the dual-package hazard), and MikroORM would
// then see two different `Company` classes. MikroORM itself ships the same way.
//
// The code cache (src/code-cache) is its own file, dist/code-cache.cjs: the library and the CLI
// require it at run time instead of each bundling a copy, so a process has one cache state. Each
// bundle opens a code-cache scope before its first `require` (banner) and closes it after its
// last (footer): MikroORM, knex and the rest compile from V8's cache (see beginPeerLoad).
const codeCacheExternal: Plugin = {
  name: 'code-cache-external',
  setup(build) {
    build.onResolve({ filter: /[\\/]code-cache[\\/]index\.js$/ }, () => ({ path: './code-cache.cjs', external: true }));
  },
};

const common: Options = {
  format: ['cjs'],
  target: 'node20',
  platform: 'node',
  sourcemap: true,
  splitting: false,
  minify: false,
};

export default defineConfig([
  {
    ...common,
    entry: { 'code-cache': 'src/code-cache/index.ts' },
    clean: true,
  },
  {
    ...common,
    entry: { index: 'src/index.ts', cli: 'src/cli/main.ts' },
    dts: { entry: { index: 'src/index.ts' } },
    esbuildPlugins: [codeCacheExternal],
    // 'use strict' first: a directive only counts as the file's first statement.
    banner: { js: "'use strict';\nconst __overlayEndPeerLoad = require('./code-cache.cjs').beginPeerLoad();" },
    footer: { js: '__overlayEndPeerLoad();' },
  },
]);
