import { MikroORM, type Options } from '@mikro-orm/core';
import { whilePeersLoad } from '../code-cache/index.js';
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
  // The first connection needs no metadata, so it opens while the entities are discovered: the
  // server forks its backend (PostgreSQL), or the file opens on libuv's thread pool (SQLite),
  // during discovery's CPU work instead of after it. `MikroORM.connect` would also run a check
  // query that swallows its error; the query here lets the real error reach the caller.
  // Discovery hands the connection its platform; the check query formats SQL through it sooner.
  const driver = orm.config.getDriver();
  driver.getConnection().setPlatform(driver.getPlatform());
  // knex loads the database driver (sqlite3, pg) as it creates its client, inside connect().
  const connected = whilePeersLoad(() => driver.connect())
    .then((connection) => connection.execute('select 1', [], 'all'))
    .then(() => undefined);
  // Settled below in every case; this only stops Node reporting a rejection while discovery runs.
  connected.catch(() => undefined);
  try {
    const allowGlobalContext = orm.config.get('allowGlobalContext');
    orm.config.set('allowGlobalContext', true);
    await orm.discoverEntities();
    orm.config.set('allowGlobalContext', allowGlobalContext);
    applyDialectDefaults(orm.getMetadata(), dialect);
    orm.em.getDriver().getPlatform().init(orm);
    await connected;
  } catch (error) {
    await connected.catch(() => undefined);
    await orm.close(true).catch(() => undefined);
    throw error;
  }
  if (dialect === 'sqlite') useImmediateTransactions(orm);
  return orm;
}
