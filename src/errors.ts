/**
 * Every stable error code this library throws.
 *
 * @example
 * const code: OverlayDbErrorCode = 'NOT_FOUND';
 */
export type OverlayDbErrorCode =
  | 'TENANT_REQUIRED'
  | 'NOT_FOUND'
  | 'CROSS_TENANT_REFERENCE'
  | 'INVALID_INPUT'
  | 'DUPLICATE_EMAIL'
  | 'INVALID_CREDENTIALS'
  | 'INVALID_INVITE_TOKEN'
  | 'INVALID_DATABASE_URL'
  | 'MIGRATION_FAILED'
  | 'SCHEMA_DRIFT'
  | 'DATABASE_ERROR'
  | 'DATABASE_CLOSED';

/**
 * The base class of every error this library throws. Branch on `code`, which is stable
 * across versions; `message` is for people.
 *
 * @example
 * try { await createAdmin(db, input); }
 * catch (e) { if (e instanceof OverlayDbError && e.code === 'DUPLICATE_EMAIL') … }
 */
export class OverlayDbError extends Error {
  readonly code: OverlayDbErrorCode;

  constructor(code: OverlayDbErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * A tenant scope was asked for without a positive safe-integer company id.
 *
 * @example
 * db.forCompany(Number(req.query.company)); // TenantRequiredError for NaN, 0, -1, 1.5
 */
export class TenantRequiredError extends OverlayDbError {
  constructor(received: unknown) {
    super(
      'TENANT_REQUIRED',
      `A company id (a positive integer, at most 2147483647) is required; received ${describe(received)}`,
    );
  }
}

/**
 * The row does not exist, or belongs to another company (the two are never told apart).
 *
 * @example
 * try { await t.workflows.delete(id); } catch (e) { if (e instanceof NotFoundError) res.statusCode = 404; }
 */
export class NotFoundError extends OverlayDbError {
  readonly entity: string;
  readonly id: unknown;
  constructor(entity: string, id: unknown) {
    super('NOT_FOUND', `${entity} ${describe(id)} was not found`);
    this.entity = entity;
    this.id = id;
  }
}

/**
 * A write named a row of another company (or a row that does not exist). Nothing was written.
 *
 * @example
 * await t.workflows.create({ name, startingUrl, createdBy: otherCompanysUserId }); // throws, field 'createdBy'
 */
export class CrossTenantReferenceError extends OverlayDbError {
  readonly field: string;
  constructor(field: string, id: unknown) {
    super('CROSS_TENANT_REFERENCE', `${field} ${describe(id)} does not name a row of this company`);
    this.field = field;
  }
}

/**
 * An argument failed validation; `field` names it. Nothing was written.
 *
 * @example
 * catch (e) { if (e instanceof InvalidInputError) return { status: 400, field: e.field }; }
 */
export class InvalidInputError extends OverlayDbError {
  readonly field: string;
  constructor(field: string, reason: string) {
    super('INVALID_INPUT', `Invalid ${field}: ${reason}`);
    this.field = field;
  }
}

/**
 * A user with this email (compared case-insensitively) already exists.
 *
 * @example
 * catch (e) { if (e instanceof DuplicateEmailError) return { status: 409 }; }
 */
export class DuplicateEmailError extends OverlayDbError {
  constructor(options?: { cause?: unknown }) {
    super('DUPLICATE_EMAIL', 'A user with this email already exists', options);
  }
}

/**
 * Sign-in failed: unknown email or wrong password (deliberately not told apart).
 *
 * @example
 * const user = await authenticateOrFail(db, { email, password }); // or InvalidCredentialsError
 */
export class InvalidCredentialsError extends OverlayDbError {
  constructor() {
    super('INVALID_CREDENTIALS', 'Invalid email or password');
  }
}

/**
 * No company has this invite token.
 *
 * @example
 * await joinCompany(db, { inviteToken: 'stale', email, password }); // InvalidInviteTokenError
 */
export class InvalidInviteTokenError extends OverlayDbError {
  constructor() {
    super('INVALID_INVITE_TOKEN', 'The invite token is not valid');
  }
}

/**
 * The database URL is not one of the accepted forms. The password is never included.
 *
 * @example
 * await openDatabase({ url: 'mysql://root:pw@host/app' }); // InvalidDatabaseUrlError, message lists the forms
 */
export class InvalidDatabaseUrlError extends OverlayDbError {
  constructor(redactedUrl: string, reason: string) {
    super(
      'INVALID_DATABASE_URL',
      `Unsupported database URL ${JSON.stringify(redactedUrl)}: ${reason}. Accepted forms: ` +
        'sqlite:///relative/path.db, sqlite:////absolute/path.db, sqlite:///:memory:, ' +
        'postgresql://user:password@host:port/dbname (also postgres:// and postgresql+driver://)',
    );
  }
}

/**
 * A migration run failed and was rolled back: the database is at the revision it had before the run.
 *
 * @example
 * catch (e) { if (e instanceof MigrationError) console.error(`${e.migration} failed`, e.cause); }
 */
export class MigrationError extends OverlayDbError {
  readonly migration: string | undefined;
  constructor(message: string, migration?: string, options?: { cause?: unknown }) {
    super('MIGRATION_FAILED', message, options);
    this.migration = migration;
  }
}

/**
 * The live schema differs from what the entities describe.
 *
 * @example
 * catch (e) { if (e instanceof SchemaDriftError) console.error(e.statements.join(';\n')); }
 */
export class SchemaDriftError extends OverlayDbError {
  readonly statements: string[];
  constructor(statements: string[]) {
    super(
      'SCHEMA_DRIFT',
      `The database schema differs from the entities (${statements.length} statement(s) would fix it)`,
    );
    this.statements = statements;
  }
}

/**
 * The database refused an operation for a reason not covered by a more specific code
 * (connection lost, lock timeout, driver missing).
 *
 * @example
 * catch (e) { if (e instanceof DatabaseError) res.statusCode = 503; }
 */
export class DatabaseError extends OverlayDbError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('DATABASE_ERROR', message, options);
  }
}

/**
 * PostgreSQL: a statement the library prepared under a name was missing on the server connection
 * it ran on, or a new connection found the name taken. That happens behind a connection pooler in
 * transaction mode that does not keep prepared statements (PgBouncer before 1.21, or without
 * `max_prepared_statements`): it hands each transaction whichever server connection is free. The
 * call did nothing (a transaction it was part of is rolled back) and is not retried. Open the
 * database with `preparedStatements: false`, or enable `max_prepared_statements` in PgBouncer 1.21+.
 * The code is `DATABASE_ERROR`, as for any refusal by the database; the class tells this one apart.
 *
 * @example
 * catch (e) { if (e instanceof PreparedStatementsUnsupportedError) console.error(e.message); } // says what to set
 */
export class PreparedStatementsUnsupportedError extends DatabaseError {
  constructor(options?: { cause?: unknown }) {
    super(
      'A prepared statement of this library was missing on the PostgreSQL connection it ran on (or its name ' +
        'was already taken there): the connection goes through a pooler in transaction mode that does not keep ' +
        'prepared statements (PgBouncer before 1.21, or without max_prepared_statements). Open the database ' +
        'with `preparedStatements: false`, or set max_prepared_statements in PgBouncer 1.21 or newer',
      options,
    );
  }
}

/**
 * The database is closing or closed (`db.close()` has begun): the call was refused before it ran,
 * or, still running when close's bound passed, its transaction was rolled back.
 *
 * @example
 * catch (e) { if (e instanceof DatabaseClosedError) res.statusCode = 503; }
 */
export class DatabaseClosedError extends OverlayDbError {
  constructor(message = 'The database is closed: db.close() has begun, so no new call runs') {
    super('DATABASE_CLOSED', message);
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  return typeof value;
}
