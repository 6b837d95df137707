import type { Transaction } from '@mikro-orm/core';
import type { AbstractSqlConnection } from '@mikro-orm/sql';
import type { Dialect } from '../../database/options.js';

/** Raw SQL inside the adopt transaction, with identifier quoting for the dialect. @internal */
export interface AdoptSql {
  readonly dialect: Dialect;
  all<T>(sql: string, params?: unknown[]): Promise<T[]>;
  run(sql: string, params?: unknown[]): Promise<void>;
  /** Quotes an identifier (our own constants only; never user input). */
  id(name: string): string;
}

/**
 * Binds raw statements to the adopt transaction, so every read sees and every write joins it.
 *
 * @example
 * const sql = adoptSql(connection, 'sqlite', trx);
 * await sql.all('select id from users');
 */
export function adoptSql(connection: AbstractSqlConnection, dialect: Dialect, trx: Transaction): AdoptSql {
  return {
    dialect,
    all: <T>(text: string, params: unknown[] = []) => connection.execute<T[]>(text, params, 'all', trx),
    run: async (text: string, params: unknown[] = []) => {
      await connection.execute(text, params, 'run', trx);
    },
    id: (name: string) => (dialect === 'postgresql' ? `"${name}"` : `\`${name}\``),
  };
}
