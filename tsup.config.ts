import { defineConfig } from 'tsup';

// ESM only, as MikroORM 7 and Kysely 0.29 are. CommonJS hosts reach the same module through a
// one-line stub, dist/index.cjs (`module.exports = require('./index.js')`, Node >= 22.12 loads ES
// modules with require), written with its types dist/index.d.cts by scripts/write-cjs-stub.mjs.
// One build of the library means one copy of every class whichever way a host loads it (no
// dual-package hazard: MikroORM sees one `Company`, `instanceof OverlayDbError` holds across
// entries). The bin is its own ESM bundle with the shebang of src/cli/main.ts.
export default defineConfig({
  entry: { index: 'src/index.ts', cli: 'src/cli/main.ts' },
  format: ['esm'],
  dts: { entry: { index: 'src/index.ts' } },
  target: 'node22',
  platform: 'node',
  sourcemap: true,
  clean: true,
  splitting: false,
  minify: false,
  // Loaded through @mikro-orm/postgresql when it is on disk, by name in a host's bundle (see
  // src/dialects/postgresql/postgresql-dialect.ts): never part of the library's build.
  external: ['pg'],
});
