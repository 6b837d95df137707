/** What the executor reports of each statement it ran (see {@link observeStatements}). */
export interface StatementEvent {
  /** The statement as the library wrote it, with `?` placeholders. */
  sql: string;
  params: readonly unknown[];
  durationMs: number;
  /** How many rows it returned, when it succeeded. */
  rows?: number;
  /** The error the statement failed with, if it failed. */
  error?: unknown;
}

/** Receives every statement the library runs on one ORM; it must not throw (the executor does not catch it). */
export type StatementObserver = (event: StatementEvent) => void;

// Keyed by MikroORM's Configuration, which every fork of an EntityManager shares.
const observers = new WeakMap<object, StatementObserver>();

/**
 * Registers the observer of every statement the executor runs on an ORM (its `config`): the
 * `debug` log and the `onQuery` hook of `openDatabase`. Observing never changes what runs.
 *
 * @example
 * observeStatements(orm.config, (e) => log(`[query] ${e.sql}`));
 */
export function observeStatements(config: object, observer: StatementObserver): void {
  observers.set(config, observer);
}

/** The observer registered for `config`, if any. */
export function statementObserver(config: object): StatementObserver | undefined {
  return observers.get(config);
}
