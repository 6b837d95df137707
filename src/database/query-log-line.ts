import type { StatementEvent } from '../executor/statement-log.js';

function shown(value: unknown): string {
  if (Buffer.isBuffer(value)) return `<${value.length} bytes>`;
  if (typeof value === 'string') return `'${value.length > 200 ? `${value.slice(0, 200)}…` : value}'`;
  return String(value);
}

/**
 * The `debug` log line of one statement: its SQL, its parameters (long text cut, bytes counted)
 * and its time. The caller redacts secrets from it.
 *
 * @example
 * queryLogLine({ sql: 'select 1', params: [], durationMs: 0.2 }); // "[query] select 1 [took 0.2 ms]"
 */
export function queryLogLine(event: StatementEvent): string {
  const params = event.params.length > 0 ? ` [${event.params.map(shown).join(', ')}]` : '';
  const outcome = event.error === undefined ? '' : ' [failed]';
  return `[query] ${event.sql}${params} [took ${event.durationMs.toFixed(1)} ms]${outcome}`;
}
