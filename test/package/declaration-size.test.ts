// The declarations the build emits stay small: entity types are named interfaces, so every use
// refers to `Workflow` instead of printing what `defineEntity` infers (which made 0.1's
// index.d.cts 584 KB and doubled a host's type count). Builds the declarations as `npm run build`
// does (tsup, src/index.ts) into a temporary directory. Not a database test: it runs once.
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'tsup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const LIMIT_BYTES = 100 * 1024;
const ENTITIES = ['Company', 'User', 'Workflow', 'Screenshot', 'Step', 'HealthLog', 'Notification'];

describe('emitted declarations', () => {
  let outDir: string;
  let files: { name: string; bytes: number }[];
  let index: string;

  beforeAll(async () => {
    outDir = await mkdtemp(join(tmpdir(), 'overlay-db-dts-'));
    const cwd = process.cwd();
    process.chdir(ROOT);
    try {
      await build({
        config: false,
        entry: { index: 'src/index.ts' },
        format: ['esm'],
        dts: { only: true },
        target: 'node22',
        platform: 'node',
        outDir,
        silent: true,
      });
    } finally {
      process.chdir(cwd);
    }
    const names = (await readdir(outDir)).filter((name) => /\.d\.[cm]?ts$/.test(name));
    files = await Promise.all(names.map(async (name) => ({ name, bytes: (await stat(join(outDir, name))).size })));
    index = await readFile(join(outDir, 'index.d.ts'), 'utf8');
  }, 180_000);
  afterAll(async () => {
    if (outDir) await rm(outDir, { recursive: true, force: true });
  });

  it('are each at most 100 KB', () => {
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) expect(file.bytes, `${file.name}: ${file.bytes} bytes`).toBeLessThanOrEqual(LIMIT_BYTES);
  });

  it('declare each entity once, as an interface, and its schema as EntitySchema of it', () => {
    for (const name of ENTITIES) {
      expect(index).toMatch(new RegExp(`interface ${name} \\{`));
      expect(index).toMatch(new RegExp(`declare const ${name}: [\\w.]*EntitySchema<${name}[,>]`));
    }
    // What defineEntity infers, written out, is what made the declarations big and hovers unreadable.
    expect(index).not.toMatch(/InferEntityFromProperties|UniversalPropertyOptionsBuilder|PropertyChain</);
  });
});
