import type { Dialect } from '../src/index.js';
export async function runScale(_dialect: Dialect, _opts: { quick: boolean }): Promise<void> {}
