import { defineConfig } from 'tsup';

// One format only: CommonJS, with a thin ESM wrapper written by scripts/write-esm-wrapper.mjs.
// Shipping two full builds would let a host that reaches the package through both `import` and
// `require` load two copies of the entity definitions (the dual-package hazard), and MikroORM would
// then see two different `Company` classes. MikroORM itself ships the same way.
export default defineConfig({
  entry: { index: 'src/index.ts', cli: 'src/cli/main.ts' },
  format: ['cjs'],
  dts: { entry: { index: 'src/index.ts' } },
  target: 'node20',
  platform: 'node',
  sourcemap: true,
  clean: true,
  splitting: false,
  minify: false,
});
