import type { Transaction } from '@mikro-orm/core';
import type { AbstractSqlConnection } from '@mikro-orm/knex';
import type { Dialect } from '../database/options.js';
import { MigrationError } from '../errors.js';

/** What {@link MigrationRunner.adopt} did. */
export interface AdoptResult {
  /** True when an Alembic database was taken over; false when the database was already ours. */
  adopted: boolean;
  /** The Alembic revision found, when one was. */
  fromRevision: string | null;
}

/** What adopt needs from the runner. @internal */
export interface AdoptContext {
  connection: AbstractSqlConnection;
  dialect: Dialect;
  trx: Transaction;
  record: (name: string) => Promise<void>;
  appliedNames: () => Promise<Set<string>>;
}

/** @internal Replaced by the real take-over in its own module. */
export async function adoptAlembicDatabase(_ctx: AdoptContext): Promise<AdoptResult> {
  throw new MigrationError('adopt is not implemented yet');
}
