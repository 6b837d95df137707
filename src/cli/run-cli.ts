import { migrationsFor } from '../../migrations/index.js';
import type { Database } from '../database/database.js';
import { afterWritingRun, openDatabaseAs } from '../database/open-database.js';
import { parseDatabaseUrl, redactDatabaseUrl } from '../database/parse-database-url.js';
import { redactSecrets } from '../database/redact.js';
import { dialectNamed } from '../dialects/dialect-of.js';
import { OverlayDbError } from '../errors.js';
import { createMigrationRunner, revisionIndex } from '../migrations/migration-runner.js';
import { refuseBeforeMigrating } from '../migrations/refuse-before-migrating.js';
import { cliHelp, cliUsage } from './cli-help.js';
import { type DatabaseUrlSource, databaseUrlSource } from './database-url-source.js';
import { packageVersion } from './package-version.js';
import { type CliCommand, parseCliArgs } from './parse-cli-args.js';
import { type CliStep, runCommand } from './run-command.js';

/** Where `runCli` reads its environment and writes its output. */
export interface CliIo {
  /** Environment variables: `DATABASE_URL`, `DEBUG` (default: none). */
  env?: Readonly<Record<string, string | undefined>>;
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** The directory a relative SQLite URL is resolved against (default `process.cwd()`). */
  cwd?: string;
}

/**
 * Runs `overlay-db` with `argv` (the arguments after the script) and resolves to the exit code:
 * 0 success, 1 failure or schema drift, 2 usage error. Never rejects and never prints a password
 * or, unless `DEBUG` is set, a stack trace.
 *
 * @example
 * process.exitCode = await runCli(['upgrade', 'head'], { env: process.env, stdout: process.stdout, stderr: process.stderr });
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const env = io.env ?? {};
  const invocation = parseCliArgs(argv);
  if (invocation.kind === 'usage-error') {
    io.stderr.write(
      `overlay-db: ${invocation.message}\n${cliUsage(invocation.topic)}\n` +
        `Run \`overlay-db help${invocation.topic ? ` ${invocation.topic}` : ''}\` for more.\n`,
    );
    return 2;
  }
  if (invocation.kind === 'help') {
    io.stdout.write(cliHelp(invocation.topic));
    return 0;
  }
  if (invocation.kind === 'version') {
    io.stdout.write(`${packageVersion()}\n`);
    return 0;
  }

  const { command, json } = invocation;
  const cwd = io.cwd ?? process.cwd();
  let source: DatabaseUrlSource;
  try {
    source = databaseUrlSource(invocation.url, env, cwd);
  } catch (error) {
    // An unreadable .env: no database is named yet, so none is printed.
    const code = error instanceof OverlayDbError ? error.code : 'UNEXPECTED';
    const message = oneLine(error instanceof Error ? error.message : String(error));
    if (json) {
      io.stdout.write(
        `${JSON.stringify({ ok: false, command: command.name, database: null, error: { code, message } })}\n`,
      );
    }
    io.stderr.write(`error ${code}: ${message}\n`);
    return 1;
  }
  const rawUrl = source.url;
  const clean = sanitizer(rawUrl);
  const out = (line: string) => io.stdout.write(`${clean(line)}\n`);
  const err = (line: string) => io.stderr.write(`${clean(line)}\n`);
  let url = rawUrl;
  try {
    url = absoluteSqliteUrl(rawUrl, cwd);
  } catch {
    // Reported below by openDatabase, which parses the URL again.
  }
  const database = clean(redactDatabaseUrl(url));
  // On stderr, with or without --json: stdout stays the command's output alone.
  err(`Database: ${database} (${source.from})`);

  let db: Database | undefined;
  try {
    // Before the database is opened (on SQLite that switches the file to WAL): an unknown
    // revision, a path with no file (for every command but upgrade) and a database the runner
    // would refuse (the Python backend's, for every command but adopt) fail with nothing created.
    const parsed = parseDatabaseUrl(url);
    if ('to' in command && command.to !== 'head' && command.to !== 'base') {
      revisionIndex(migrationsFor(parsed.dialect), command.to);
    }
    await refuseBeforeMigrating(parsed, {}, { run: RUNS[command.name], mustExist: command.name !== 'upgrade' });
    // The file's journal mode is kept until a run has written: reading commands and a failed run
    // leave a SQLite file byte for byte as it was (the library's connections switch it to WAL).
    // The dialect's options for a migration run (PostgreSQL: statements unnamed, see MigrationSql).
    const { commandLineOptions } = dialectNamed(parsed.dialect).migrations;
    db = await openDatabaseAs({ url, logger: err, ...commandLineOptions }, { keepJournalMode: true });
    const steps: CliStep[] = [];
    const runner = createMigrationRunner(db.orm, {
      onProgress: (event) => {
        steps.push(event);
        if (!json) out(`${event.action === 'up' ? 'Applied' : 'Reverted'} ${event.name} (${event.ms} ms)`);
      },
    });
    const outcome = await runCommand(runner, command, steps);
    if (outcome.ok && RUNS[command.name] !== 'read') await afterWritingRun(db);
    if (json) {
      out(JSON.stringify(document(command, database, outcome.ok, outcome.data, outcome.error)));
    } else {
      for (const line of outcome.lines) out(line);
    }
    if (outcome.error) err(`error ${outcome.error.code}: ${oneLine(outcome.error.message)}`);
    return outcome.ok ? 0 : 1;
  } catch (error) {
    const code = error instanceof OverlayDbError ? error.code : 'UNEXPECTED';
    const message = oneLine(error instanceof Error ? error.message : String(error));
    if (json) out(JSON.stringify(document(command, database, false, {}, { code, message })));
    err(`error ${code}: ${message}`);
    if (isDebug(env)) err(stackOf(error));
    return 1;
  } finally {
    await db?.close().catch(() => undefined);
  }
}

function document(
  command: CliCommand,
  database: string,
  ok: boolean,
  data: Record<string, unknown>,
  error?: { code: string; message: string },
): Record<string, unknown> {
  return {
    ok,
    command: command.name,
    database,
    ...data,
    ...(error ? { error: { code: error.code, message: oneLine(error.message) } } : {}),
  };
}

/** What each command does to the database (only upgrade may create one). */
const RUNS: Record<CliCommand['name'], 'read' | 'write' | 'adopt'> = {
  upgrade: 'write',
  downgrade: 'write',
  current: 'read',
  history: 'read',
  check: 'read',
  status: 'read',
  adopt: 'adopt',
};

/** Relative SQLite paths resolve against `cwd` (the caller's, for in-process use), like the Python backend's. */
function absoluteSqliteUrl(url: string, cwd: string): string {
  const parsed = parseDatabaseUrl(url, cwd);
  return dialectNamed(parsed.dialect).migrations.commandLineUrl(url, parsed);
}

/** Redacts hashes, URL passwords and tokens, and the URL's own passwords wherever else they might surface. */
function sanitizer(url: string): (text: string) => string {
  const passwords: string[] = [];
  try {
    const parsed = parseDatabaseUrl(url);
    passwords.push(...dialectNamed(parsed.dialect).migrations.urlSecrets(parsed));
  } catch {
    // An unparseable URL is reported by openDatabase, already redacted.
  }
  try {
    // libpq also reads a password from the query (?password=, ?sslpassword=).
    const query = new URL(url).searchParams;
    for (const [key, value] of query) if (/^(ssl)?password$/i.test(key)) passwords.push(value);
  } catch {
    // not a URL: nothing more to find
  }
  const secrets = passwords.filter((password) => password.length >= 3);
  return (text) => {
    let redacted = redactSecrets(text);
    for (const secret of secrets) redacted = redacted.split(secret).join('***');
    return redacted;
  };
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

function isDebug(env: Readonly<Record<string, string | undefined>>): boolean {
  const value = env.DEBUG?.trim().toLowerCase();
  return value !== undefined && value !== '' && value !== '0' && value !== 'false';
}

function stackOf(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 5; depth++) {
    parts.push(`${depth === 0 ? '' : 'Caused by: '}${current.stack ?? current.message}`);
    current = current.cause;
  }
  return parts.length ? parts.join('\n') : String(error);
}
