// TypeScript cost, floor: a host with Node's types only (scripts/smoke-installed.mjs compares
// cost-orm.mts and cost-package.mts; this one shows what tsc costs before any library).
import { readFile } from 'node:fs/promises';

export async function readText(file: string): Promise<string> {
  return readFile(file, 'utf8');
}
