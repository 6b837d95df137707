import { InvalidInputError } from '../errors.js';
import { TENANT_SETTING } from './row-level-security-flag.js';

/**
 * Options of {@link rowLevelSecuritySql} and {@link enableRowLevelSecurity}: which role the app
 * connects as, and which role maintains the schema.
 *
 * @example
 * await enableRowLevelSecurity(owner, { appRole: 'overlay_app', maintenanceRole: 'overlay_owner' });
 */
export interface RowLevelSecurityOptions {
  /** The non-owner role the application connects as for tenant scopes (granted DML, bound by the policies). */
  appRole: string;
  /**
   * The role that owns the tables and runs migrations, adopt and the cross-company services
   * (createCompany, createAdmin, joinCompany, authenticate, rotateInviteToken, dedupeScreenshot).
   * It sees every row while no tenant is set and is bound like the app role once one is.
   * Default: the role that runs the statements (`current_user`).
   */
  maintenanceRole?: string;
}

/**
 * The tables whose rows belong to one company through `company_id`. Row-level security also
 * protects `companies` (by its `id`), which is not in this list.
 *
 * @example
 * for (const table of RLS_TENANT_TABLES) await client.query(`select count(*) from "${table}"`); // counts only the current tenant's rows
 */
export const RLS_TENANT_TABLES = Object.freeze([
  'users',
  'workflows',
  'steps',
  'screenshots',
  'health_logs',
  'notifications',
] as const);

/** The SQL expression of the current tenant; NULL (no row matches) when nothing set it. */
export const CURRENT_TENANT_SQL = `nullif(current_setting('${TENANT_SETTING}', true), '')::int`;

const ROLE_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * The statements that put the bundled schema under PostgreSQL row-level security, to run as
 * the table owner after the migrations: ENABLE and FORCE on the six tenant tables and on
 * companies, a tenant policy (USING and WITH CHECK on the tenant setting), a maintenance
 * policy for the owner that only applies while no tenant is set, and the app role's grants.
 * Idempotent: running it again replaces the policies.
 *
 * @example
 * for (const sql of rowLevelSecuritySql({ appRole: 'overlay_app' })) await client.query(sql);
 */
export function rowLevelSecuritySql(options: RowLevelSecurityOptions): string[] {
  const app = requireRole('appRole', options?.appRole);
  const maintenance =
    options.maintenanceRole === undefined
      ? 'current_user'
      : `"${requireRole('maintenanceRole', options.maintenanceRole)}"`;
  const noTenant = `${CURRENT_TENANT_SQL} is null`;
  const sql: string[] = [];
  const protect = (table: string, key: string) => {
    const isTenant = `"${key}" = ${CURRENT_TENANT_SQL}`;
    sql.push(
      `alter table "${table}" enable row level security`,
      // FORCE: the owner is bound too; it keeps its access only through the maintenance policy below.
      `alter table "${table}" force row level security`,
      `drop policy if exists overlay_tenant on "${table}"`,
      `create policy overlay_tenant on "${table}" for all using (${isTenant}) with check (${isTenant})`,
      `drop policy if exists overlay_maintenance on "${table}"`,
      `create policy overlay_maintenance on "${table}" for all to ${maintenance} using (${noTenant}) with check (${noTenant})`,
    );
  };
  for (const table of RLS_TENANT_TABLES) protect(table, 'company_id');
  // A company row is its own tenant: a scope may read its company (run recording reads its settings).
  protect('companies', 'id');
  sql.push(
    `grant usage on schema public to "${app}"`,
    `grant select, insert, update, delete on ${RLS_TENANT_TABLES.map((t) => `"${t}"`).join(', ')} to "${app}"`,
    `grant select on "companies" to "${app}"`,
    `grant usage, select on all sequences in schema public to "${app}"`,
  );
  return sql;
}

function requireRole(field: string, value: unknown): string {
  if (typeof value !== 'string' || !ROLE_PATTERN.test(value)) {
    throw new InvalidInputError(field, 'expected a PostgreSQL role name (letters, digits, _; at most 63)');
  }
  return value;
}
