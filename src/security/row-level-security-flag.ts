/** The PostgreSQL setting the row-level security policies read the tenant from. */
export const TENANT_SETTING = 'app.company_id';

// Keyed by MikroORM's Configuration object, which every fork of an EntityManager shares: a
// scope built on any fork of such an ORM (db.forCompany, createTenantScope(db.fork(), id)) sees it.
const enabled = new WeakSet<object>();

/**
 * Marks an ORM's configuration as running under PostgreSQL row-level security: every tenant
 * scope built on it then runs each repository call in a transaction that first sets
 * {@link TENANT_SETTING}. Called by openDatabase({ rowLevelSecurity: true }).
 *
 * @example
 * markRowLevelSecurity(orm.config);
 */
export function markRowLevelSecurity(config: object): void {
  enabled.add(config);
}

/**
 * True when scopes built on this EntityManager must set the tenant for row-level security.
 *
 * @example
 * if (usesRowLevelSecurity(em)) …
 */
export function usesRowLevelSecurity(em: { config: object }): boolean {
  return enabled.has(em.config);
}
