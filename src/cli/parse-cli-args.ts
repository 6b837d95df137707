import { parseArgs } from 'node:util';

/** The commands of `overlay-db`, in the order the help lists them. */
export const CLI_COMMANDS = ['upgrade', 'downgrade', 'current', 'history', 'check', 'status', 'adopt', 'help'] as const;

/** A command word of `overlay-db`. */
export type CliCommandName = (typeof CLI_COMMANDS)[number];

/** A migration command with its argument checked. */
export type CliCommand =
  | { name: 'upgrade'; to: string }
  | { name: 'downgrade'; to: string }
  | { name: 'downgrade'; steps: number }
  | { name: 'current' | 'history' | 'check' | 'status' | 'adopt' };

/** What the command line asks for: help, the version, a command to run, or a usage error (exit code 2). */
export type CliInvocation =
  | { kind: 'help'; topic?: CliCommandName }
  | { kind: 'version' }
  | { kind: 'run'; command: CliCommand; url?: string; json: boolean }
  | { kind: 'usage-error'; message: string; topic?: CliCommandName };

const OPTIONS = {
  url: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
} as const;

// parseArgs reads `-1` as an unknown short option; Alembic's `downgrade -1` needs it as a word.
const NEGATIVE = /^-\d+$/;
const NEGATIVE_MARK = '\u0000';

/**
 * Parses `overlay-db` arguments (without `node` and the script) with `node:util` parseArgs.
 * Never throws: a bad command line comes back as `usage-error`.
 *
 * @example
 * parseCliArgs(['downgrade', '-1', '--url', 'sqlite:///./app.db'])
 * // → { kind: 'run', command: { name: 'downgrade', steps: 1 }, url: 'sqlite:///./app.db', json: false }
 */
export function parseCliArgs(argv: readonly string[]): CliInvocation {
  const args = argv.map((arg, i) => (NEGATIVE.test(arg) && argv[i - 1] !== '--url' ? NEGATIVE_MARK + arg : arg));
  let values: { url?: string; json?: boolean; help?: boolean; version?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args, allowPositionals: true, strict: true, options: OPTIONS }));
  } catch (error) {
    return { kind: 'usage-error', message: parseErrorMessage(error), topic: commandWordOf(args) };
  }
  const words = positionals.map((p) => (p.startsWith(NEGATIVE_MARK) ? p.slice(1) : p));
  const [word, ...rest] = words;

  if (values.version) return { kind: 'version' };
  if (word === undefined) {
    return values.help ? { kind: 'help' } : { kind: 'usage-error', message: 'no command given' };
  }
  if (!isCommand(word)) {
    return { kind: 'usage-error', message: `unknown command ${JSON.stringify(word)}` };
  }
  if (word === 'help') {
    if (rest.length > 1) return { kind: 'usage-error', message: 'help takes at most one command', topic: 'help' };
    if (rest.length === 0) return { kind: 'help' };
    if (!isCommand(rest[0])) return { kind: 'usage-error', message: `unknown command ${JSON.stringify(rest[0])}` };
    return { kind: 'help', topic: rest[0] };
  }
  if (values.help) return { kind: 'help', topic: word };

  const command = commandOf(word, rest);
  if ('message' in command) return { kind: 'usage-error', message: command.message, topic: word };
  return { kind: 'run', command, url: values.url, json: values.json ?? false };
}

function commandOf(word: Exclude<CliCommandName, 'help'>, rest: string[]): CliCommand | { message: string } {
  if (word === 'upgrade' || word === 'downgrade') {
    if (rest.length !== 1) {
      const forms =
        word === 'upgrade'
          ? '`upgrade head` or `upgrade <rev>`'
          : '`downgrade -1`, `downgrade <rev>` or `downgrade base`';
      return { message: `${word} takes exactly one revision: ${forms}` };
    }
    const [target] = rest;
    if (word === 'upgrade') return { name: 'upgrade', to: target };
    if (NEGATIVE.test(target)) {
      const steps = -Number(target);
      if (!Number.isSafeInteger(steps) || steps < 1) return { message: 'downgrade -N needs N of 1 or more' };
      return { name: 'downgrade', steps };
    }
    return { name: 'downgrade', to: target };
  }
  if (rest.length > 0)
    return { message: `${word} takes no argument (got ${rest.map((r) => JSON.stringify(r)).join(' ')})` };
  return { name: word };
}

// parseArgs's own sentence for an unknown option goes on about positionals after `--`; the
// option's name is what the user needs.
function parseErrorMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const unknown = /^Unknown option '([^']+)'/.exec(message);
  if ((error as { code?: unknown }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && unknown) {
    return `unknown option ${unknown[1]}`;
  }
  return message.split('\n')[0];
}

// The command a failed parse was for, so that its usage line is the one shown: the first word
// that names a command, read again without strictness (an unknown option then takes no value).
function commandWordOf(args: string[]): CliCommandName | undefined {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: false, options: OPTIONS });
  const word = positionals[0];
  return word !== undefined && isCommand(word) ? word : undefined;
}

function isCommand(word: string): word is CliCommandName {
  return (CLI_COMMANDS as readonly string[]).includes(word);
}
