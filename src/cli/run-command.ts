import { SchemaDriftError } from '../errors.js';
import type { MigrationRunner } from '../migrations/migration-runner.js';
import type { CliCommand } from './parse-cli-args.js';

/** One migration applied or reverted during a command, as the runner's onProgress reported it. */
export interface CliStep {
  action: 'up' | 'down';
  name: string;
  ms: number;
}

/** What a command did: the closing lines for people, the fields of the JSON document, success. */
export interface CommandOutcome {
  ok: boolean;
  lines: string[];
  data: Record<string, unknown>;
  /** Why `ok` is false when nothing was thrown (drift found by `check`). */
  error?: SchemaDriftError;
}

/**
 * Runs one CLI command on a migration runner. `steps` is the list the runner's onProgress
 * fills while the command runs; the outcome reports it. Errors propagate to the caller.
 *
 * @example
 * const outcome = await runCommand(runner, { name: 'upgrade', to: 'head' }, steps);
 */
export async function runCommand(
  runner: MigrationRunner,
  command: CliCommand,
  steps: readonly CliStep[],
): Promise<CommandOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const done = (s: readonly CliStep[]) => s.map(({ name, ms }) => ({ name, ms }));

  switch (command.name) {
    case 'upgrade': {
      const applied = await runner.up({ to: command.to });
      const ms = elapsed();
      const current = await runner.current();
      const lines =
        applied.length > 0
          ? [`Upgraded to ${current}: ${plural(applied.length, 'migration')} applied in ${ms} ms.`]
          : [`Nothing to apply: the database is at ${current ?? 'base'}.`];
      return { ok: true, lines, data: { applied: done(steps), current, ms } };
    }
    case 'downgrade': {
      const reverted = await runner.down('steps' in command ? { steps: command.steps } : { to: command.to });
      const ms = elapsed();
      const current = await runner.current();
      const lines =
        reverted.length > 0
          ? [`Downgraded to ${current ?? 'base'}: ${plural(reverted.length, 'migration')} reverted in ${ms} ms.`]
          : [`Nothing to revert: the database is at ${current ?? 'base'}.`];
      return { ok: true, lines, data: { reverted: done(steps), current, ms } };
    }
    case 'current': {
      const current = await runner.current();
      const pending = await runner.pending();
      const head = current !== null && pending.length === 0;
      const line = current === null ? 'base (no migration applied)' : `${current}${head ? ' (head)' : ''}`;
      return { ok: true, lines: [line], data: { current, head, pending } };
    }
    case 'history': {
      const history = await runner.history();
      const current = await runner.current();
      const width = Math.max(0, ...history.map((m) => m.name.length));
      const last = history.at(-1)?.name;
      const lines = history.map((m) => {
        const marks = [m.name === current ? 'current' : '', m.name === last ? 'head' : ''].filter(Boolean);
        const state = m.applied && m.appliedAt ? `applied ${m.appliedAt.toISOString()}` : 'pending';
        return `${m.name.padEnd(width)}  ${state}${marks.length ? `  (${marks.join(', ')})` : ''}`.trimEnd();
      });
      const migrations = history.map((m) => ({
        name: m.name,
        applied: m.applied,
        appliedAt: m.appliedAt?.toISOString() ?? null,
      }));
      return { ok: true, lines: lines.length ? lines : ['(no migrations)'], data: { migrations, current } };
    }
    case 'check': {
      const { inSync, statements } = await runner.check();
      if (inSync) {
        return {
          ok: true,
          lines: ['In sync: the database schema matches the entities.'],
          data: { inSync, statements },
        };
      }
      const lines = [
        `Schema drift: ${plural(statements.length, 'statement')} would bring the database in line with the entities:`,
        ...statements.map((s) => `  ${s};`),
      ];
      return { ok: false, lines, data: { inSync, statements }, error: new SchemaDriftError(statements) };
    }
    case 'status':
      return status(runner);
    case 'adopt': {
      const result = await runner.adopt();
      const ms = elapsed();
      const current = await runner.current();
      const pending = await runner.pending();
      const lines = result.adopted
        ? [`Adopted the Alembic database at revision ${result.fromRevision} as ${current} in ${ms} ms.`]
        : [`Nothing to adopt: this library already manages the database (at ${current}).`];
      if (pending.length > 0) {
        lines.push(`${plural(pending.length, 'newer migration')} pending: run \`overlay-db upgrade head\`.`);
      }
      return { ok: true, lines, data: { ...result, current, pending, ms } };
    }
  }
}

// A deploy gate: up to date means nothing pending and no drift. The schema is compared only at the
// newest applied revision with nothing pending: before that, it lacks what the pending migrations
// add, and listing that as drift would only repeat them.
async function status(runner: MigrationRunner): Promise<CommandOutcome> {
  const current = await runner.current();
  const pending = await runner.pending();
  const head = current !== null && pending.length === 0;
  const lines = [
    `Current: ${current === null ? 'base (no migration applied)' : `${current}${head ? ' (head)' : ''}`}`,
    `Pending: ${pending.length > 0 ? pending.join(', ') : 'none'}`,
  ];
  if (pending.length > 0) {
    lines.push(
      'Schema: not compared while migrations are pending',
      `Not up to date: ${plural(pending.length, 'migration')} pending; run \`overlay-db upgrade head\`.`,
    );
    return { ok: false, lines, data: { current, head, pending, inSync: null, statements: [], upToDate: false } };
  }
  const { inSync, statements } = await runner.check();
  const data = { current, head, pending, inSync, statements, upToDate: inSync };
  if (inSync) return { ok: true, lines: [...lines, 'Schema: in sync with the entities', 'Up to date.'], data };
  lines.push(
    `Schema: drift: ${plural(statements.length, 'statement')} would bring the database in line with the entities:`,
    ...statements.map((s) => `  ${s};`),
    'Not up to date: the schema drifted.',
  );
  return { ok: false, lines, data };
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
