// README.md ships in the tarball (package.json `files`), so it is read on the registry's page and in
// node_modules, where a relative link leads nowhere: every link is absolute, to this repository's
// files at `repository`, or an anchor of the README itself; every file it links to exists; it names
// no .md file that does not exist. Its first code block stays the repository's two commands (CI and
// the project rules run them), and the install line and a use follow right after, on the first screen.
// Not a database test, so it runs once rather than per dialect.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const README = readFileSync(`${ROOT}README.md`, 'utf8');
const manifest = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8'));

/** The link targets of the README's markdown links, outside code blocks. */
function linkTargets(): string[] {
  const prose = README.replace(/```[\s\S]*?```/g, '');
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]);
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens. */
function anchorOf(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, '')
    .replace(/ /g, '-');
}

describe('README.md as shipped in the package', () => {
  const base = `${String(manifest.repository?.url ?? '')
    .replace(/^git\+/, '')
    .replace(/\.git$/, '')}/blob/main/`;

  it('opens with the repository commands, then the npm install line and a use of the package', () => {
    const blocks = [...README.matchAll(/```(\w*)\n([\s\S]*?)```/g)];
    expect(blocks[0][1]).toBe('bash');
    expect(blocks[0][2].trim().split('\n')).toEqual([
      expect.stringMatching(/^scripts\/with-node\.sh npm ci && scripts\/with-node\.sh npm run quickstart +# /),
      expect.stringMatching(/^scripts\/with-node\.sh npm test +# /),
    ]);
    expect(blocks[1][2]).toMatch(/^npm install -E @overlay\/db /);
    expect(blocks[2][1]).toBe('ts');
    expect(blocks[2][2]).toMatch(/from '@overlay\/db'/);
    // The first screen: the use ends within the first 40 lines.
    const useEnds = README.slice(0, (blocks[2].index ?? 0) + blocks[2][0].length).split('\n').length;
    expect(useEnds).toBeLessThanOrEqual(40);
  });

  it('has a repository field, and every link is absolute to it or an anchor of a heading', () => {
    expect(base).toMatch(/^https:\/\/github\.com\/[^/]+\/[^/]+\/blob\/main\/$/);
    const anchors = new Set([...README.matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchorOf(m[1].replace(/`/g, ''))));
    const targets = linkTargets();
    expect(targets.length).toBeGreaterThan(20);
    const bad = targets.filter((t) =>
      t.startsWith('#')
        ? !anchors.has(t.slice(1))
        : !t.startsWith('https://') || (t.includes('github.com') && !t.startsWith(base)),
    );
    expect(bad).toEqual([]);
  });

  it('links only to files that exist in the repository', () => {
    const missing = linkTargets()
      .filter((t) => t.startsWith(base))
      .map((t) => t.slice(base.length).split('#')[0])
      .filter((path) => !existsSync(`${ROOT}${path}`));
    expect(missing).toEqual([]);
  });

  it('names no .md file that does not exist', () => {
    const named = [...README.matchAll(/(?<![\w/.-])((?:[\w.-]+\/)*[\w.-]+\.md)\b/g)].map((m) => m[1]);
    expect(named.filter((name) => !existsSync(`${ROOT}${name}`))).toEqual([]);
  });
});
