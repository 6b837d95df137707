import { MikroORM, type Options } from '@mikro-orm/core';
import { applyDialectDefaults } from '../entities/apply-dialect-defaults.js';
import type { Dialect } from './options.js';
import { useImmediateTransactions } from './sqlite-immediate-transactions.js';

/**
 * Starts MikroORM from exactly these options and checks the connection with a first query.
 * `MikroORM.init` would merge `MIKRO_ORM_*` environment variables over them and read the host's
 * `.env`; an embedded library must not let the host's environment re-point its database, so this
 * repeats init's steps without that. On failure the ORM is closed before the error propagates.
 */
export async function createOrm(options: Options, dialect: Dialect): Promise<MikroORM> {
  const orm = new MikroORM(options);
  try {
    const allowGlobalContext = orm.config.get('allowGlobalContext');
    orm.config.set('allowGlobalContext', true);
    await orm.discoverEntities();
    orm.config.set('allowGlobalContext', allowGlobalContext);
    applyDialectDefaults(orm.getMetadata(), dialect);
    orm.em.getDriver().getPlatform().init(orm);
    // The driver's connect, not MikroORM.connect: that one runs a check query of its own and
    // swallows its error; the query below lets the real error reach the caller.
    const connection = await orm.em.getDriver().connect();
    await connection.execute('select 1', [], 'all');
  } catch (error) {
    await orm.close(true).catch(() => undefined);
    throw error;
  }
  if (dialect === 'sqlite') useImmediateTransactions(orm);
  return orm;
}
