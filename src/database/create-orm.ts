import { MikroORM, type Options } from '@mikro-orm/core';
import { applyDialectDefaults } from '../entities/apply-dialect-defaults.js';
import type { Dialect } from './options.js';
import { useImmediateTransactions } from './sqlite-immediate-transactions.js';

/**
 * Starts MikroORM from exactly these options. `MikroORM.init` would merge `MIKRO_ORM_*`
 * environment variables over them and read the host's `.env`; an embedded library must not
 * let the host's environment re-point its database, so this repeats init's steps without that.
 */
export async function createOrm(options: Options, dialect: Dialect): Promise<MikroORM> {
  const orm = new MikroORM(options);
  const allowGlobalContext = orm.config.get('allowGlobalContext');
  orm.config.set('allowGlobalContext', true);
  await orm.discoverEntities();
  orm.config.set('allowGlobalContext', allowGlobalContext);
  applyDialectDefaults(orm.getMetadata(), dialect);
  orm.em.getDriver().getPlatform().init(orm);
  await orm.connect();
  if (dialect === 'sqlite') useImmediateTransactions(orm);
  return orm;
}
