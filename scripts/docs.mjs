// `npm run docs`: the API reference (typedoc, from the JSDoc of every export of src/index.ts) into
// docs/api/, and a check of the docs themselves. A gap is any typedoc warning (an export without a
// doc comment, a link to a name that is not public, a reference to a type that is not exported)
// and any export whose doc comment has no @example (STYLE.md: "JSDoc with an example on every
// export"). Gaps already known are listed in docs/known-gaps.txt; a NEW gap fails the run, so the
// list can only shrink. A gap that was fixed is reported so its line can be deleted.
//   npm run docs                              build docs/api and check
//   npm run docs -- --update-known-gaps       rewrite docs/known-gaps.txt from this run
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const knownFile = join(repo, 'docs', 'known-gaps.txt');
const update = process.argv.includes('--update-known-gaps');

const typedocBin = join(dirname(createRequire(import.meta.url).resolve('typedoc/package.json')), 'bin', 'typedoc');
const run = spawnSync(process.execPath, [typedocBin, '--options', join(repo, 'typedoc.json')], {
  cwd: repo,
  encoding: 'utf8',
  env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
});
const output = stripVTControlCharacters(`${run.stdout}\n${run.stderr}`);
if (run.status !== 0) {
  // An error (a type error in src, a bad option), not a gap: always fatal.
  console.error(output);
  console.error(`typedoc exited ${run.status}`);
  process.exit(1);
}

const gaps = new Set();
for (const line of output.split('\n')) {
  const m = /^\[warning\] (.*)$/.exec(line.trim());
  if (m && !/^Found \d+ errors? and \d+ warnings?$/.test(m[1])) gaps.add(`typedoc: ${m[1]}`);
}

// Which module each public name comes from, to say whose file a gap is in.
const modules = new Map();
const index = readFileSync(join(repo, 'src', 'index.ts'), 'utf8');
for (const m of index.matchAll(/export\s+(?:type\s+)?\{([^}]*)\}\s+from\s+'([^']+)'/g)) {
  for (const part of m[1].split(',')) {
    const name = part.replace(/^\s*type\s+/, '').trim();
    if (name)
      modules.set(
        name,
        m[2]
          .replace(/^\.\.\//, '')
          .replace(/^\.\//, 'src/')
          .replace(/\.js$/, '.ts'),
      );
  }
}

const api = JSON.parse(readFileSync(join(repo, 'docs', 'api', 'api.json'), 'utf8'));
const exported = api.children ?? [];
let withExample = 0;
for (const reflection of exported) {
  const comments = [reflection.comment, ...(reflection.signatures ?? []).map((s) => s.comment)].filter(Boolean);
  if (comments.some((c) => (c.blockTags ?? []).some((t) => t.tag === '@example'))) withExample++;
  else gaps.add(`no @example: ${reflection.name} (${modules.get(reflection.name) ?? 'unknown module'})`);
}

const known = new Set(
  readFileSafe(knownFile)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#')),
);
const added = [...gaps].filter((g) => !known.has(g)).sort();
const fixed = [...known].filter((g) => !gaps.has(g)).sort();

console.log(`docs/api: ${exported.length} exports, ${withExample} with an @example; ${gaps.size} gaps`);
if (update) {
  const header = [
    '# Known documentation gaps, checked by `npm run docs` (scripts/docs.mjs): a gap not listed here',
    '# fails CI. Fix one and delete its line; `npm run docs -- --update-known-gaps` rewrites this file.',
  ];
  writeFileSync(knownFile, `${[...header, ...[...gaps].sort()].join('\n')}\n`);
  console.log(`wrote ${gaps.size} gaps to docs/known-gaps.txt`);
  process.exit(0);
}
if (fixed.length) {
  console.log(`\n${fixed.length} known gaps are fixed; delete their lines from docs/known-gaps.txt:`);
  for (const g of fixed) console.log(`  ${g}`);
}
if (added.length) {
  console.error(`\n${added.length} NEW documentation gaps (document them, or list them in docs/known-gaps.txt):`);
  for (const g of added) console.error(`  ${g}`);
  process.exit(1);
}
console.log(`docs check: ${gaps.size} known gaps, no new ones`);

function readFileSafe(path) {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
