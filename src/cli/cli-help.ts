import type { CliCommandName } from './parse-cli-args.js';

const OPTIONS = `Options:
  --url <url>   Database URL (default: $DATABASE_URL, else DATABASE_URL in ./.env,
                else sqlite:///./app.db). An already-set DATABASE_URL wins over .env.
                sqlite:///./rel.db, sqlite:////abs/path.db, postgresql://user:pass@host/db
  --json        Print one JSON document on stdout, for scripts
  -h, --help    Show help
  -V, --version Print the version of @overlay/db`;

const EXIT_CODES = `Exit codes: 0 success; 1 failure (one line "error CODE: message" on stderr,
the database left as it was), schema drift for \`check\`, pending migrations or drift for
\`status\`; 2 usage error.
Every run first prints "Database: <url> (<where the URL came from>)" on stderr, also with --json.
Only upgrade creates a database; the other commands fail on a path with no file. On SQLite a
file is switched to WAL only by a run that wrote (a failed run leaves it byte for byte as it was).
A database made by the Python backend is refused until \`overlay-db adopt\` takes it over.
Set DEBUG=1 to add stack traces to failures. Passwords in URLs are always shown as ***.`;

const COMMANDS: Record<CliCommandName, { usage: string; summary: string; details: string }> = {
  upgrade: {
    usage: 'overlay-db upgrade head|<rev>',
    summary: 'Apply pending migrations: all of them, or up to and including <rev>',
    details:
      'Runs in one transaction under a cross-process lock: every planned migration is applied, or none.\n' +
      '<rev> is a migration name or an unambiguous prefix of one (see `overlay-db history`).\n\n' +
      'Examples:\n  overlay-db upgrade head\n  overlay-db upgrade 0001',
  },
  downgrade: {
    usage: 'overlay-db downgrade -1|-N|<rev>|base',
    summary: 'Revert the newest migration, the N newest, all after <rev>, or all (base)',
    details:
      'Runs in one transaction under a cross-process lock. `base` drops every table the migrations created.\n\n' +
      'Examples:\n  overlay-db downgrade -1\n  overlay-db downgrade base',
  },
  current: {
    usage: 'overlay-db current',
    summary: 'Print the newest applied migration ("base" when none is)',
    details: 'Marks it "(head)" when no newer migration is pending.',
  },
  history: {
    usage: 'overlay-db history',
    summary: 'List every bundled migration, oldest first, and when it was applied',
    details: 'Pending migrations are listed as "pending".',
  },
  check: {
    usage: 'overlay-db check',
    summary: "Compare the database schema with the library's entities; exit 1 on drift",
    details:
      'Prints the SQL statements that would reconcile the schema when it differs (like\n' +
      '`alembic revision --autogenerate`, as a check). Changes nothing.',
  },
  status: {
    usage: 'overlay-db status',
    summary: 'Deploy gate: exit 1 when migrations are pending or the schema drifted',
    details:
      'Prints the current revision, the pending migrations and, once nothing is pending, the schema\n' +
      "drift (the library's tables compared with its entities, as `check` does). Like `prisma migrate\n" +
      'status`, it exits 0 only when the database is at head and has not drifted. Changes nothing.\n\n' +
      'Examples:\n  overlay-db status || exit 1\n  overlay-db status --json',
  },
  adopt: {
    usage: 'overlay-db adopt',
    summary: 'Take over a database made by the Python backend (Alembic revision 0acd3e6b9445)',
    details:
      "Converts its tables in place into this library's initial migration, keeping every row: adds\n" +
      'company_id to steps and health_logs, makes screenshots unique per company, enforces enums and\n' +
      'foreign keys, converts SQLite timestamps to ISO-8601 UTC, lower-cases emails, drops alembic_version\n' +
      'and records 0001_initial_schema. One transaction: on any refusal nothing is changed. A database\n' +
      'that already records 0001_initial_schema is left alone. Back the database up first.',
  },
  help: {
    usage: 'overlay-db help [command]',
    summary: "Show this help, or a command's",
    details: 'Also: overlay-db <command> --help',
  },
};

/**
 * The help text of `overlay-db`, or of one of its commands.
 *
 * @example
 * stdout.write(cliHelp('upgrade'));
 */
export function cliHelp(topic?: CliCommandName): string {
  if (topic) {
    const c = COMMANDS[topic];
    return `Usage: ${c.usage}\n\n${c.summary}.\n${c.details}\n\n${OPTIONS}\n\n${EXIT_CODES}\n`;
  }
  const width = Math.max(...Object.values(COMMANDS).map((c) => c.usage.length - 'overlay-db '.length));
  const lines = Object.values(COMMANDS).map(
    (c) => `  ${c.usage.slice('overlay-db '.length).padEnd(width)}  ${c.summary}`,
  );
  return (
    'Usage: overlay-db <command> [options]\n\n' +
    "Runs @overlay/db's bundled migrations with Alembic's words.\n\n" +
    `Commands:\n${lines.join('\n')}\n\n${OPTIONS}\n\n${EXIT_CODES}\n`
  );
}

/**
 * The one-line usage of a command (or of the CLI), printed with usage errors.
 *
 * @example
 * cliUsage('downgrade') // → 'Usage: overlay-db downgrade -1|-N|<rev>|base'
 */
export function cliUsage(topic?: CliCommandName): string {
  return topic ? `Usage: ${COMMANDS[topic].usage}` : 'Usage: overlay-db <command> [options]';
}
