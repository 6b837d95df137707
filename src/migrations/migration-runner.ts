import type { MikroORM, Transaction } from '@mikro-orm/core';
import type { AbstractSqlDriver, SqlEntityManager } from '@mikro-orm/sql';
import { type MigrationEntry, migrationsFor } from '../../migrations/index.js';
import { type Dialect, MIGRATIONS_TABLE } from '../database/options.js';
import { redactSecrets } from '../database/redact.js';
import type { SqlDialect } from '../dialects/dialect.js';
import { requireDialect } from '../dialects/dialect-of.js';
import { applyDialectDefaults } from '../entities/apply-dialect-defaults.js';
import { InvalidInputError, MigrationError, OverlayDbError, SchemaDriftError } from '../errors.js';
import { rejectUnknownKeys, requireObject, requireString } from '../validation/validators.js';
import {
  bookkeepingTableExists,
  dropBookkeepingTableIfEmpty,
  ensureBookkeepingTable,
} from './adopt/bookkeeping-table.js';
import { initialSchemaSql } from './adopt/initial-schema-sql.js';
import { type AdoptResult, adoptAlembicDatabase } from './adopt.js';
import { withMigrationTransaction } from './migration-lock.js';
import { type MigrationStatements, migrationStatements } from './migration-statements.js';
import { migrationRefusal, readStoredSchema } from './refuse-before-migrating.js';
import { checkSchema, type SchemaCheck } from './schema-check.js';

// A migration's `execute()` and `getEntityManager()` would run beside the runner's transaction on
// another pooled connection (on SQLite, wait forever for the one the runner holds); the runner
// applies what a migration adds with `addSql`, and this context refuses the rest with a reason.
const ADD_SQL_ONLY = Object.freeze({
  executeQuery(): never {
    throw new Error('a migration run by this runner consists of addSql() statements; execute() is not supported');
  },
}) as unknown as Transaction;

/**
 * One migration as `history()` reports it.
 *
 * @example
 * for (const m of await db.migrator.history()) console.log(m.name, m.applied ? m.appliedAt : 'pending');
 */
export interface MigrationStatus {
  name: string;
  applied: boolean;
  appliedAt: Date | null;
}

/**
 * Options of {@link createMigrationRunner}.
 *
 * @example
 * createMigrationRunner(orm, { onProgress: (e) => console.log(e.action, e.name, `${e.ms} ms`) });
 */
export interface MigrationRunnerOptions {
  /** The migrations to run (default: the bundled ones of the ORM's dialect). Tests inject their own. */
  migrations?: readonly MigrationEntry[];
  /** Called with one line per migration applied or reverted, and how long it took. */
  onProgress?: (event: { action: 'up' | 'down'; name: string; ms: number }) => void;
}

/**
 * Applies and reverts the bundled migrations, with Alembic's verbs. Every run is one
 * transaction under a cross-process lock: it applies everything it planned or nothing.
 *
 * @example
 * const runner = createMigrationRunner(orm);
 * await runner.up();                  // alembic upgrade head
 * await runner.down({ to: 'base' });  // alembic downgrade base
 */
export class MigrationRunner {
  readonly dialect: Dialect;
  private readonly sqlDialect: SqlDialect;
  private readonly migrations: readonly MigrationEntry[];
  private readonly em: SqlEntityManager;
  private readonly sql: MigrationStatements;
  private readonly table: string;
  private tableReady = false;
  private verified: 'no' | 'reading' | 'writing' = 'no';

  constructor(
    private readonly orm: MikroORM,
    private readonly options: MigrationRunnerOptions = {},
  ) {
    this.sqlDialect = requireDialect(orm.config.getPlatform(), 'orm');
    this.dialect = this.sqlDialect.name;
    this.migrations = options.migrations ?? migrationsFor(this.dialect);
    this.em = (orm.em as SqlEntityManager).fork();
    this.sql = migrationStatements(this.em);
    this.table = this.sql.id(MIGRATIONS_TABLE);
    const names = new Set<string>();
    for (const migration of this.migrations) {
      if (names.has(migration.name)) throw new InvalidInputError('migrations', `duplicate name ${migration.name}`);
      names.add(migration.name);
    }
    applyDialectDefaults(orm.getMetadata(), this.dialect);
  }

  /** Applies pending migrations, all of them or up to and including `to` (`upgrade head` / `upgrade <rev>`). Returns the names applied. */
  async up(options: { to?: string } = {}): Promise<string[]> {
    options = runOptions(options, ['to']);
    return this.run(async (applied) => {
      const target =
        options.to === undefined || options.to === 'head' ? this.migrations.length - 1 : this.indexOf(options.to);
      const plan = this.migrations.slice(0, target + 1).filter((m) => !applied.has(m.name));
      for (const migration of plan) await this.apply(migration, 'up');
      return plan.map((m) => m.name);
    });
  }

  /**
   * Reverts applied migrations: one by default (`downgrade -1`), `steps` of them, or all
   * those after `to` (`downgrade <rev>`; `'base'` reverts everything). Returns the names reverted.
   */
  async down(options: { to?: string; steps?: number } = {}): Promise<string[]> {
    options = runOptions(options, ['to', 'steps']);
    if (options.steps !== undefined && (!Number.isSafeInteger(options.steps) || options.steps < 1)) {
      throw new InvalidInputError('steps', 'expected a positive integer');
    }
    if (options.steps !== undefined && options.to !== undefined) {
      throw new InvalidInputError('to', 'give either `to` or `steps`, not both');
    }
    return this.run(async (applied) => {
      const appliedInOrder = this.migrations.filter((m) => applied.has(m.name));
      let plan: MigrationEntry[];
      if (options.to === 'base') plan = appliedInOrder;
      else if (options.to !== undefined) {
        const target = this.indexOf(options.to);
        plan = appliedInOrder.filter((m) => this.migrations.indexOf(m) > target);
      } else plan = appliedInOrder.slice(-(options.steps ?? 1));
      plan.reverse();
      for (const migration of plan) await this.apply(migration, 'down');
      return plan.map((m) => m.name);
    });
  }

  /** The newest applied migration (`alembic current`), or null on an empty database. */
  async current(): Promise<string | null> {
    const rows = await this.recordedRows();
    const applied = new Set(rows.map((r) => r.name));
    const last = [...this.migrations].reverse().find((m) => applied.has(m.name));
    return last?.name ?? null;
  }

  /** Every known migration, oldest first, with whether and when it was applied (`alembic history`). */
  async history(): Promise<MigrationStatus[]> {
    const rows = new Map((await this.recordedRows()).map((r) => [r.name, r.appliedAt]));
    return this.migrations.map((m) => ({
      name: m.name,
      applied: rows.has(m.name),
      appliedAt: rows.get(m.name) ?? null,
    }));
  }

  /** The names of migrations not yet applied, oldest first. */
  async pending(): Promise<string[]> {
    const applied = new Set((await this.recordedRows()).map((r) => r.name));
    return this.migrations.filter((m) => !applied.has(m.name)).map((m) => m.name);
  }

  /**
   * Compares the live schema with the entities (`alembic revision --autogenerate` as a
   * check): `inSync` is false, and `statements` say what would reconcile them, when they differ.
   */
  async check(): Promise<SchemaCheck> {
    await this.refuseForeignDatabase({ writing: false });
    return checkSchema(this.orm, [MIGRATIONS_TABLE]);
  }

  /**
   * Throws SCHEMA_DRIFT when the live schema differs from the entities; for deploy checks
   * and health probes.
   *
   * @example
   * await db.migrator.up();
   * await db.migrator.assertInSync(); // SchemaDriftError lists the reconciling statements
   */
  async assertInSync(): Promise<void> {
    const { inSync, statements } = await this.check();
    if (!inSync) throw new SchemaDriftError(statements);
  }

  /**
   * Takes over a database made by the Python backend's Alembic revision 0acd3e6b9445:
   * brings its tables to this library's initial migration in place (rows kept, `company_id`
   * back-filled, timestamps converted) and records that migration as applied. Refuses any
   * other revision, and a database that is neither empty nor ours nor that revision.
   */
  async adopt(): Promise<AdoptResult> {
    // A refused adopt leaves a foreign database as it found it, without our bookkeeping table.
    let createdTable = false;
    try {
      createdTable = !(await bookkeepingTableExists(this.em, MIGRATIONS_TABLE));
      await this.ensureTable();
      return await withMigrationTransaction(this.em, () =>
        adoptAlembicDatabase({
          sql: this.sql,
          dialect: this.sqlDialect.migrations,
          bookkeepingTable: MIGRATIONS_TABLE,
          record: (name) => this.record(name),
          appliedNames: async () => new Set((await this.appliedRows()).map((r) => r.name)),
          initialSchemaSql: () => initialSchemaSql(this.migrations, this.driver(), this.orm.config),
        }),
      );
    } catch (error) {
      if (createdTable) {
        this.tableReady = false;
        await dropBookkeepingTableIfEmpty(this.em, MIGRATIONS_TABLE).catch(() => undefined);
      }
      throw this.wrap(error, 'adopt');
    }
  }

  private indexOf(name: string): number {
    return revisionIndex(this.migrations, name);
  }

  private async run(plan: (applied: Set<string>) => Promise<string[]>): Promise<string[]> {
    await this.refuseForeignDatabase({ writing: true });
    try {
      // The bookkeeping table is made in the run's transaction: a failed run leaves none behind.
      const result = await withMigrationTransaction(this.em, async () => {
        if (!this.tableReady) {
          await this.sql.run(this.sqlDialect.migrations.createBookkeepingTable(this.table));
        }
        const applied = new Set((await this.appliedRows()).map((r) => r.name));
        return plan(applied);
      });
      this.tableReady = true;
      return result;
    } catch (error) {
      this.tableReady = false;
      throw this.wrap(error);
    }
  }

  private driver(): AbstractSqlDriver {
    return this.em.getDriver();
  }

  private async apply(entry: MigrationEntry, direction: 'up' | 'down'): Promise<void> {
    const started = performance.now();
    try {
      const migration = new entry.class(this.driver(), this.orm.config);
      migration.reset();
      migration.setTransactionContext(ADD_SQL_ONLY);
      await migration[direction]();
      for (const statement of migration.getQueries()) {
        if (typeof statement !== 'string') throw new Error('a migration run by this runner consists of SQL strings');
        if (statement.trim() !== '') await this.sql.run(statement);
      }
    } catch (error) {
      throw new MigrationError(
        `Migration ${entry.name} (${direction}) failed: ${redactSecrets(messageOf(error))}`,
        entry.name,
        { cause: error },
      );
    }
    if (direction === 'up') await this.record(entry.name);
    else await this.sql.run(`delete from ${this.table} where ${this.sql.id('name')} = ?`, [entry.name]);
    this.options.onProgress?.({ action: direction, name: entry.name, ms: Math.round(performance.now() - started) });
  }

  private async record(name: string): Promise<void> {
    await this.sql.run(
      `insert into ${this.table} (${this.sql.id('name')}, ${this.sql.id('applied_at')}) values (?, ?)`,
      [name, this.sqlDialect.timestampValue(new Date())],
    );
  }

  /**
   * The applied migrations, for the commands that only read: a database the Python backend made
   * is refused, and a database without the bookkeeping table has none (it is not created).
   */
  private async recordedRows(): Promise<{ name: string; appliedAt: Date }[]> {
    await this.refuseForeignDatabase({ writing: false });
    if (!this.tableReady) {
      if (!(await this.wrapped(() => bookkeepingTableExists(this.em, MIGRATIONS_TABLE)))) return [];
      this.tableReady = true;
    }
    return this.appliedRows();
  }

  /** Refuses, before anything is written, a database the runner must not work on (the Python backend's, until adopted). */
  private async refuseForeignDatabase({ writing }: { writing: boolean }): Promise<void> {
    if (this.verified === 'writing' || (this.verified === 'reading' && !writing)) return;
    const schema = await this.wrapped(() => readStoredSchema(this.sql, this.sqlDialect.migrations));
    const refusal = migrationRefusal(schema, { writing });
    if (refusal) throw refusal;
    this.verified = writing ? 'writing' : 'reading';
  }

  private async wrapped<T>(read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (error) {
      throw this.wrap(error);
    }
  }

  /** The rows of the bookkeeping table, which the caller has made sure exists. */
  private async appliedRows(): Promise<{ name: string; appliedAt: Date }[]> {
    const name = this.sql.id('name');
    const appliedAt = this.sql.id('applied_at');
    const rows = await this.sql.all<{ name: string; applied_at: string }>(
      `select ${name} as name, ${this.sqlDialect.timestampText(appliedAt)} as applied_at from ${this.table} order by ${appliedAt}, ${name}`,
    );
    return rows.map((r) => ({ name: r.name, appliedAt: new Date(r.applied_at) }));
  }

  private async ensureTable(): Promise<void> {
    if (this.tableReady) return;
    try {
      await ensureBookkeepingTable(this.em, MIGRATIONS_TABLE);
    } catch (error) {
      throw this.wrap(error);
    }
    this.tableReady = true;
  }

  private wrap(error: unknown, action = 'migration run'): OverlayDbError {
    if (error instanceof OverlayDbError) {
      if (error instanceof MigrationError) {
        return new MigrationError(`${error.message}; the ${action} was rolled back`, error.migration, {
          cause: error.cause,
        });
      }
      return error;
    }
    return new MigrationError(
      `The ${action} failed and was rolled back: ${redactSecrets(messageOf(error))}`,
      undefined,
      {
        cause: error,
      },
    );
  }
}

/**
 * Creates a {@link MigrationRunner} for a MikroORM instance (yours or `db.orm`).
 *
 * @example
 * const applied = await createMigrationRunner(orm).up();
 */
export function createMigrationRunner(orm: MikroORM, options?: MigrationRunnerOptions): MigrationRunner {
  return new MigrationRunner(orm, options);
}

/**
 * The index of the migration named `name`, or of the one migration whose name starts with it;
 * INVALID_INPUT otherwise. @internal
 *
 * @example
 * revisionIndex(migrationsFor('sqlite'), '0001'); // 0
 */
export function revisionIndex(migrations: readonly MigrationEntry[], name: string): number {
  const exact = migrations.findIndex((m) => m.name === name);
  if (exact >= 0) return exact;
  const byPrefix = migrations.map((m, i) => [m.name, i] as const).filter(([n]) => n.startsWith(name));
  if (name !== '' && byPrefix.length === 1) return byPrefix[0][1];
  if (name !== '' && byPrefix.length > 1) {
    throw new InvalidInputError(
      'to',
      `ambiguous revision ${JSON.stringify(name)}: matches ${byPrefix.map(([n]) => n).join(', ')}; give more of the name`,
    );
  }
  throw new InvalidInputError(
    'to',
    `unknown revision ${JSON.stringify(name)}; known: ${migrations.map((m) => m.name).join(', ') || '(none)'}`,
  );
}

/** Checks the options object of up()/down() before anything runs (a caller may pass anything). */
function runOptions<T extends { to?: string }>(options: T | undefined, allowed: readonly string[]): T {
  if (options === undefined) return {} as T;
  const checked = requireObject('options', options);
  rejectUnknownKeys('options', checked, allowed);
  if (checked.to !== undefined) requireString('to', checked.to, { max: 255 });
  return options;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
