import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { type Database, enableRowLevelSecurity, openDatabase } from '../../src/index.js';
import { adminQuery, createTestDatabase, type TestDatabase } from './dialects.js';

/** What {@link openRowLevelSecurityDatabases} opened; `dispose` closes and drops all of it. */
export interface RowLevelSecurityDatabases {
  target: TestDatabase;
  ownerRole: string;
  appRole: string;
  /** The tables' owner (migrated, policies enabled): runs the cross-company services. */
  owner: Database;
  /** The app role's database with `rowLevelSecurity: true` (a pool of two). */
  app: Database;
  /** A superuser client on the database: no policy applies to it. */
  superuser: pg.Client;
  dispose(): Promise<void>;
}

/**
 * A scratch PostgreSQL database under row-level security with real roles: its tables belong to a
 * NOSUPERUSER NOBYPASSRLS owner role, and the app connects as another NOSUPERUSER NOBYPASSRLS
 * role (a superuser would bypass every policy and prove nothing). Role names start with `prefix`.
 *
 * @example
 * const rls = await openRowLevelSecurityDatabases('overlay_txapp');
 * const a = (await createCompany(rls.owner, { name: 'Acme' })).id;
 */
export async function openRowLevelSecurityDatabases(prefix: string): Promise<RowLevelSecurityDatabases> {
  const suffix = randomBytes(4).toString('hex');
  const ownerRole = `${prefix}_owner_${suffix}`;
  const appRole = `${prefix}_app_${suffix}`;
  const target = await createTestDatabase('postgresql');
  const urlAs = (role: string) => {
    const url = new URL(target.url);
    url.username = role;
    return url.toString();
  };
  let superuser: pg.Client | undefined;
  let owner: Database | undefined;
  let app: Database | undefined;
  const dispose = async () => {
    await app?.close();
    await owner?.close();
    await superuser?.end();
    await target.drop();
    await adminQuery(`drop role if exists ${appRole}`);
    await adminQuery(`drop role if exists ${ownerRole}`);
  };
  try {
    await adminQuery(`create role ${ownerRole} login nosuperuser nobypassrls`);
    await adminQuery(`create role ${appRole} login nosuperuser nobypassrls`);
    await adminQuery(`alter database ${target.name} owner to ${ownerRole}`);
    superuser = new pg.Client({ connectionString: target.directUrl });
    await superuser.connect();
    await superuser.query(`alter schema public owner to ${ownerRole}`);
    owner = await openDatabase({ ...target.openOptions, url: urlAs(ownerRole), migrate: true });
    await enableRowLevelSecurity(owner, { appRole });
    app = await openDatabase({
      ...target.openOptions,
      url: urlAs(appRole),
      rowLevelSecurity: true,
      pool: { min: 0, max: 2 },
    });
  } catch (error) {
    await dispose();
    throw error;
  }
  return { target, ownerRole, appRole, owner, app, superuser, dispose };
}
