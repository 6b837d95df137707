import type { SqlEntityManager } from '@mikro-orm/sql';
import { query } from '../executor/executor.js';

/**
 * Raw statements of the migration code, with identifier quoting: what the runner, adopt and the
 * dialect modules' migration steps run. @internal
 *
 * @example
 * const [{ n }] = await sql.all<{ n: number }>(`select count(*) as n from ${sql.id('users')}`);
 */
export interface MigrationStatements {
  all<T>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  run(sql: string, params?: readonly unknown[]): Promise<void>;
  /** Quotes an identifier (our own constants only; never user input). */
  id(name: string): string;
}

/**
 * Statements through the executor on `em`: inside the runner's locked transaction they join it,
 * so every read sees and every write joins it. Unnamed on PostgreSQL: the migration code changes
 * the schema its own statements read, and runs each statement once.
 *
 * @example
 * const sql = migrationStatements(em);
 * await sql.all('select id from users');
 */
export function migrationStatements(em: SqlEntityManager): MigrationStatements {
  const platform = em.getPlatform();
  return {
    all: <T>(text: string, params: readonly unknown[] = []) => query<T>(em, text, params, { prepare: false }),
    run: async (text: string, params: readonly unknown[] = []) => {
      await query(em, text, params, { prepare: false });
    },
    id: (name: string) => platform.quoteIdentifier(name),
  };
}
