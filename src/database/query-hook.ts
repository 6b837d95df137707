import type { OverlayDbErrorCode } from '../errors.js';
import type { StatementEvent, StatementObserver } from '../executor/statement-log.js';
import { convertError } from './convert-error.js';
import type { Dialect } from './options.js';
import { redactSecrets } from './redact.js';

/**
 * One statement the library ran, as the `onQuery` option of {@link openDatabase} receives it: for a
 * host's tracing (an OpenTelemetry span) or structured logging (pino). It carries no parameter
 * value: `sql` is the statement as the library wrote it, with `?` placeholders, and secrets (a
 * password hash, an invite token, a URL password) are redacted from it as from every log line.
 *
 * @example
 * const onQuery = (e: QueryEvent) => console.log(e.dialect, e.durationMs.toFixed(1), e.error?.code ?? e.rows, e.sql);
 */
export interface QueryEvent {
  /** The statement with `?` placeholders, never the values bound to them. */
  sql: string;
  /** How long the database took, in milliseconds (from sending the statement to its last row). */
  durationMs: number;
  dialect: Dialect;
  /** How many rows it returned (0 for a write without `returning`); absent when it failed. */
  rows?: number;
  /**
   * Present when it failed: the code and message of the OverlayDbError this failure converts to
   * (the one the call throws, unless the library handles the failure itself, such as a
   * transaction that runs again). Never the driver's error, its stack or its cause.
   */
  error?: { code: OverlayDbErrorCode; message: string };
}

/**
 * The `onQuery` option of {@link openDatabase}. It runs synchronously after each statement, on the
 * call's path: keep it cheap (hand the event to a queue or a span). What it throws, or a promise it
 * returns that rejects, is caught: the call goes on as if there were no hook, and the first such
 * error of each database is reported once as a process warning (code `OVERLAY_DB_ON_QUERY`).
 *
 * @example
 * const db = await openDatabase({ onQuery: (e) => pinoLogger.debug(e, 'query') });
 */
export type QueryHook = (event: QueryEvent) => void;

/**
 * The statement observer that turns the executor's events into {@link QueryEvent}s for `hook`.
 *
 * @example
 * observeStatements(orm.config, queryHookObserver('sqlite', (e) => spans.push(e)));
 */
export function queryHookObserver(dialect: Dialect, hook: QueryHook): StatementObserver {
  let warned = false;
  const failed = (error: unknown) => {
    if (warned) return;
    warned = true;
    const reason = error instanceof Error ? error.message : String(error);
    process.emitWarning(`The onQuery hook threw, and its errors are ignored: ${redactSecrets(reason)}`, {
      code: 'OVERLAY_DB_ON_QUERY',
    });
  };
  return (statement) => {
    try {
      const returned: unknown = hook(queryEvent(dialect, statement));
      if (returned instanceof Promise) returned.catch(failed);
    } catch (error) {
      failed(error);
    }
  };
}

function queryEvent(dialect: Dialect, statement: StatementEvent): QueryEvent {
  const event: QueryEvent = { sql: redactSecrets(statement.sql), durationMs: statement.durationMs, dialect };
  if (statement.error === undefined) {
    event.rows = statement.rows ?? 0;
  } else {
    const converted = convertError(statement.error, 'The statement');
    event.error = { code: converted.code, message: redactSecrets(converted.message) };
  }
  return event;
}
