import { runCli } from '../../src/cli/run-cli.js';

/**
 * Runs the `overlay-db` CLI in this process and captures everything it writes. The environment is
 * only `env` (none of this process's, so a `DATABASE_URL` of the machine never leaks in).
 *
 * @example
 * const { code, stdout, stderr } = await cli(['current', '--url', url]);
 */
export async function cli(argv: string[], options: { env?: Record<string, string>; cwd?: string } = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    env: options.env ?? {},
    cwd: options.cwd,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { code, stdout, stderr };
}
