import type { Dialect } from '../src/index.js';
export async function measureStartup(_dialect: Dialect, _opts: { runs: number }): Promise<void> {}
