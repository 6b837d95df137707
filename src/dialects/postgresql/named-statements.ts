import { createHash } from 'node:crypto';
import { PreparedStatementsUnsupportedError } from '../../errors.js';

// Named prepared statements for pg. Kysely's PostgreSQL connection sends `client.query(text,
// values)` with no name, so the name is given by the client class the pool is built with (pg-pool's
// documented `Client` option): a pg.Client subclass that names the statements this library marked
// as prepared. PostgreSQL then parses and plans each of them once per connection.
//
// A prepared statement's result type is fixed when it is prepared. When another process changes a
// table it reads, PostgreSQL refuses to run it again ("cached plan must not change result type",
// 0A000) on every connection that prepared it. The names therefore carry an epoch, moved on when
// that error is first seen: every statement is prepared afresh under a new name on its next use, on
// every connection. A new name rather than DEALLOCATE and the same name: pg remembers which names it
// has parsed on a connection and would skip the Parse of a name it thinks exists.

let epoch = 0;
const bases = new Map<string, string>();
const MAX_STATEMENTS = 2000;

/** Marks `text` (with `$n` placeholders) as one of the library's prepared statements. */
export function markPrepared(text: string): void {
  if (bases.has(text)) return;
  if (bases.size >= MAX_STATEMENTS) {
    bases.clear();
    names.clear();
  }
  bases.set(text, `overlay_${createHash('sha1').update(text).digest('hex')}`);
}

/** The name `text` is prepared under now, if it is one of the library's prepared statements. */
function currentName(text: string): { name: string; epoch: number } | undefined {
  const base = bases.get(text);
  if (base === undefined) return undefined;
  // The name of the current epoch is made once, not on every run of the statement.
  let current = names.get(base);
  if (current === undefined || current.epoch !== epoch) {
    current = { name: `${base}_${epoch}`, epoch };
    names.set(base, current);
  }
  return current;
}

/** The current name of each base name (see {@link currentName}). */
const names = new Map<string, { name: string; epoch: number }>();

/**
 * PostgreSQL's refusal to run a prepared statement whose result type a schema change altered, as
 * pg throws it, as MikroORM converts it, or as the `cause` of an error made from it.
 *
 * @example
 * if (isStalePlanError(error)) return runTransactionAgain();
 */
export function isStalePlanError(error: unknown): boolean {
  let e = error as { code?: unknown; routine?: unknown; message?: unknown; cause?: unknown } | null | undefined;
  for (let depth = 0; typeof e === 'object' && e !== null && depth < 8; depth++) {
    if (
      e.code === '0A000' &&
      (e.routine === 'RevalidateCachedQuery' || String(e.message).includes('cached plan must not change result type'))
    ) {
      return true;
    }
    e = e.cause as typeof e;
  }
  return false;
}

/**
 * Whether pg's `error` says a named statement is missing on the server connection (26000,
 * invalid_sql_statement_name) or its name is taken there (42P05, duplicate_prepared_statement).
 * The client names a statement only after preparing it on its own connection, and a name stands
 * for one text, so either means the server connection is not the one the client prepared on: a
 * pooler in transaction mode moved the client to another.
 */
function isLostStatementError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '26000' || code === '42P05';
}

interface PgQueryConfig {
  name?: string;
  text: string;
  values?: unknown[];
}

/** The part of pg's `Client` the naming subclass uses (public API). */
export interface PgClientClass {
  new (...args: any[]): { query(config: any, values?: any, callback?: any): any };
}

/**
 * A subclass of pg's `Client` that runs the statements marked by {@link markPrepared} as named
 * prepared statements, and deallocates on its connection the ones an epoch change left behind.
 *
 * @example
 * new Pool({ Client: namingClient(pg.Client) });
 */
export function namingClient(Client: PgClientClass): PgClientClass {
  return class NamingClient extends Client {
    /** Names prepared on this connection, by epoch. */
    readonly #prepared = new Map<string, number>();
    /** The oldest epoch in #prepared: the scan for names to drop runs only after the epoch moved on. */
    #oldest = Number.POSITIVE_INFINITY;

    override query(config: unknown, values?: unknown, callback?: unknown): unknown {
      if (typeof config !== 'string' || typeof callback === 'function' || !Array.isArray(values)) {
        return super.query(config, values, callback);
      }
      const statement = currentName(config);
      if (statement === undefined) return super.query(config, values);
      if (this.#oldest < statement.epoch) this.#dropOlderThan(statement.epoch);
      if (statement.epoch < this.#oldest) this.#oldest = statement.epoch;
      this.#prepared.set(statement.name, statement.epoch);
      const named: PgQueryConfig = { name: statement.name, text: config, values };
      return (super.query(named) as Promise<unknown>).catch((error: unknown) => {
        // Once per schema change, however many connections saw it at once.
        if (isStalePlanError(error) && statement.epoch === epoch) epoch++;
        // Not retried: on another connection of the pooler it would fail again, or not, by chance.
        if (isLostStatementError(error)) throw new PreparedStatementsUnsupportedError({ cause: error });
        throw error;
      });
    }

    /** Deallocates this connection's statements of older epochs (queued ahead of the next query). */
    #dropOlderThan(current: number): void {
      const stale = [...this.#prepared].filter(([, e]) => e < current).map(([name]) => name);
      this.#oldest = current;
      if (stale.length === 0) return;
      for (const name of stale) this.#prepared.delete(name);
      // Several statements in one simple-protocol query (no parameters), so one round trip. A failure
      // (an aborted transaction) only leaves the old statements until the connection closes.
      (super.query(stale.map((name) => `deallocate "${name}";`).join(' ')) as Promise<unknown>).catch(() => undefined);
    }
  };
}
