import { EntityManager } from '@mikro-orm/core';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import {
  createTenantScope,
  type Database,
  InvalidInputError,
  TenantRequiredError,
  type TenantScope,
} from '../../src/index.js';
import { describeEachDialect } from '../support/dialects.js';
import { openTestDatabase } from '../support/open-test-database.js';
import { snapshotAll } from './fixtures.js';

const BAD_COMPANY_IDS: unknown[] = [
  undefined,
  null,
  0,
  -1,
  1.5,
  '1',
  Number.NaN,
  '1 OR 1=1',
  Infinity,
  2 ** 53,
  1n,
  {},
  [1],
];

describeEachDialect('tenant scope: company id required', (dialect) => {
  let db: Database;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    ({ db, dispose } = await openTestDatabase(dialect));
  });
  afterAll(async () => dispose());

  it.each(BAD_COMPANY_IDS.map((v) => [String(v), v]))('db.forCompany(%s) is TENANT_REQUIRED', (_, value) => {
    expect(() => db.forCompany(value as number)).toThrow(TenantRequiredError);
    try {
      db.forCompany(value as number);
    } catch (error) {
      expect((error as TenantRequiredError).code).toBe('TENANT_REQUIRED');
    }
  });

  it.each(BAD_COMPANY_IDS.map((v) => [String(v), v]))('createTenantScope(em, %s) is TENANT_REQUIRED', (_, value) => {
    expect(() => createTenantScope(db.fork(), value as number)).toThrow(TenantRequiredError);
  });

  it('checks the company id before the EntityManager, and writes nothing', async () => {
    const before = await snapshotAll(db);
    expect(() => createTenantScope(undefined as never, undefined as never)).toThrow(TenantRequiredError);
    expect(() => createTenantScope({} as never, 1)).toThrow(InvalidInputError);
    expect(await snapshotAll(db)).toBe(before);
  });

  it('exposes only companyId and the six repositories, and cannot be changed', () => {
    const t = db.forCompany(42);
    expect(Object.keys(t).sort()).toEqual(
      ['companyId', 'healthLogs', 'notifications', 'screenshots', 'steps', 'users', 'workflows'].sort(),
    );
    expect(t.companyId).toBe(42);
    expect(Object.isFrozen(t)).toBe(true);
    // No EntityManager, connection or Kysely instance is reachable through any property of the scope,
    // its repositories or their prototypes (the context lives in #private fields).
    expect(escapeHatches(t)).toEqual([]);
    // The walk finds one where there is one, non-enumerable or on a prototype.
    const exposed = Object.create({ em: db.fork() });
    Object.defineProperty(exposed, 'kysely', { value: db.orm.em.getConnection().getClient(), enumerable: false });
    expect(escapeHatches({ workflows: exposed })).toHaveLength(2);
  });

  it('refuses at run time the calls its types refuse', () => {
    const calls = [
      // @ts-expect-error a company id is required
      () => db.forCompany(),
      // @ts-expect-error undefined is not a company id
      () => db.forCompany(undefined),
      // @ts-expect-error a string is not a company id
      () => db.forCompany('1'),
      // @ts-expect-error a company id is required
      () => createTenantScope(db.fork()),
    ];
    for (const call of calls) expect(call).toThrow(TenantRequiredError);
  });
});

/**
 * The EntityManagers, connections and Kysely instances reachable from `root` through own properties
 * (enumerable or not, symbol keys too) and prototypes, without calling getters.
 */
function escapeHatches(root: object): object[] {
  const seen = new Set<unknown>();
  const found: object[] = [];
  const visit = (value: unknown): void => {
    if (value === null || (typeof value !== 'object' && typeof value !== 'function') || seen.has(value)) return;
    seen.add(value);
    if (value === Object.prototype || value === Function.prototype) return;
    const v = value as Record<string, unknown>;
    if (
      value instanceof EntityManager ||
      typeof v.executeQuery === 'function' ||
      typeof v.getClient === 'function' ||
      typeof v.getConnection === 'function' ||
      (typeof v.raw === 'function' && typeof v.client === 'object')
    ) {
      found.push(value);
      return;
    }
    for (const key of Reflect.ownKeys(value)) {
      const descriptor = Object.getOwnPropertyDescriptor(value, key);
      if (descriptor && 'value' in descriptor) visit(descriptor.value);
    }
    visit(Object.getPrototypeOf(value));
  };
  visit(root);
  return found;
}

describe('tenant scope: types', () => {
  it('cannot be built without a company id', () => {
    expectTypeOf(createTenantScope).parameters.toEqualTypeOf<[em: EntityManager, companyId: number]>();
    expectTypeOf(createTenantScope).returns.toEqualTypeOf<TenantScope>();
    expectTypeOf<Database['forCompany']>().parameters.toEqualTypeOf<[companyId: number]>();
    expectTypeOf<TenantScope['companyId']>().toEqualTypeOf<number>();
    // The scope has no EntityManager, QueryBuilder or ORM on it.
    expectTypeOf<keyof TenantScope>().toEqualTypeOf<
      'companyId' | 'workflows' | 'steps' | 'screenshots' | 'users' | 'healthLogs' | 'notifications'
    >();
  });
});
