// Keyed by MikroORM's Configuration object, which every fork of an EntityManager shares, like the
// row-level security flag: a scope built on any fork of such an ORM sees it.
const unnamed = new WeakSet<object>();

/**
 * Marks an ORM's configuration so that no statement of this library is prepared under a name on
 * PostgreSQL: every one goes as an unnamed statement, parsed on each call. Called by
 * openDatabase({ preparedStatements: false }), for a connection pooler in transaction mode that
 * does not support named prepared statements (a later transaction may run on another server
 * connection, where the name is unknown).
 *
 * @example
 * markUnnamedStatements(orm.config);
 */
export function markUnnamedStatements(config: object): void {
  unnamed.add(config);
}

/**
 * False when statements run through this EntityManager must stay unnamed.
 *
 * @example
 * const options = namesStatements(em) ? {} : { prepare: false };
 */
export function namesStatements(em: { config: object }): boolean {
  return !unnamed.has(em.config);
}
