import {
  defineEntity,
  type EntityDTO,
  type EntitySchema,
  type HiddenProps,
  MikroORM,
  type Opt,
  type OptionalProps,
  p,
  type RequiredEntityData,
} from '@mikro-orm/core';
import { NodeSqliteDialect, SqliteDriver } from '@mikro-orm/sql';
import { describe, expect, expectTypeOf, it } from 'vitest';
// Values from the entities module itself, so this file loads without the rest of the library;
// src/index.ts re-exports these same objects.
import {
  Company,
  entities,
  HealthLog,
  Notification,
  Screenshot,
  Step,
  User,
  Workflow,
} from '../../src/entities/index.js';
import { schemaFor } from '../../src/entities/schema-for.js';
import type { TenantScope } from '../../src/index.js';
import { EXPECTED_SCHEMA } from '../support/expected-schema.js';

/** The value type without MikroORM's `Opt` brand (which marks a property as optional on create). */
type Plain<T> = T extends Opt<infer U> ? U : T;
/** The keys `em.create` requires. */
type RequiredOnCreate<T> = {
  [K in keyof RequiredEntityData<T>]-?: object extends Pick<RequiredEntityData<T>, K> ? never : K;
}[keyof RequiredEntityData<T>];

// Compile-time assertions (checked by `tsc --noEmit`, which covers test/): the entity types are the
// ones SCHEMA.md describes.
describe('entity types', () => {
  it('have the types SCHEMA.md describes', () => {
    expectTypeOf<Plain<Company['id']>>().toEqualTypeOf<number>();
    expectTypeOf<Plain<Company['settings']>['brokenAfterFailures']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<Plain<User['role']>>().toEqualTypeOf<'admin' | 'regular'>();
    expectTypeOf<Plain<User['company']['id']>>().toEqualTypeOf<number>();
    expectTypeOf<Plain<Workflow['status']>>().toEqualTypeOf<
      'draft' | 'processing' | 'active' | 'needs_review' | 'broken' | 'archived'
    >();
    expectTypeOf<Plain<Workflow['tags']>>().toEqualTypeOf<string[]>();
    expectTypeOf<Plain<Workflow['createdAt']>>().toEqualTypeOf<Date>();
    expectTypeOf<Workflow['lastFailedRun']>().toEqualTypeOf<Date | null | undefined>();
    expectTypeOf<Plain<Step['selectors']['primary']>>().toEqualTypeOf<string | null | undefined>();
    expectTypeOf<Plain<Step['labelEdited']>>().toEqualTypeOf<boolean>();
    expectTypeOf<Plain<Screenshot['format']>>().toEqualTypeOf<'jpeg' | 'png'>();
    expectTypeOf<Plain<HealthLog['status']>>().toEqualTypeOf<
      'success' | 'healed_deterministic' | 'healed_ai' | 'failed'
    >();
    expectTypeOf<Plain<Notification['severity']>>().toEqualTypeOf<'info' | 'warning' | 'error'>();
  });

  it('are the named interfaces: schemas, and what the library returns, refer to them by name', () => {
    expectTypeOf(Company).toEqualTypeOf<EntitySchema<Company>>();
    expectTypeOf(User).toEqualTypeOf<EntitySchema<User>>();
    expectTypeOf(Workflow).toEqualTypeOf<EntitySchema<Workflow>>();
    expectTypeOf(Screenshot).toEqualTypeOf<EntitySchema<Screenshot>>();
    expectTypeOf(Step).toEqualTypeOf<EntitySchema<Step>>();
    expectTypeOf(HealthLog).toEqualTypeOf<EntitySchema<HealthLog>>();
    expectTypeOf(Notification).toEqualTypeOf<EntitySchema<Notification>>();
    expectTypeOf<Awaited<ReturnType<TenantScope['workflows']['get']>>>().toEqualTypeOf<Workflow | null>();
    expect(entities.map((schema) => schema.meta.className)).toEqual([
      'Company',
      'User',
      'Workflow',
      'Screenshot',
      'Step',
      'HealthLog',
      'Notification',
    ]);
  });

  it('keep the password hash and the invite token out of serialized forms', () => {
    expectTypeOf<EntityDTO<User>>().not.toHaveProperty('passwordHash');
    expectTypeOf<EntityDTO<Company>>().not.toHaveProperty('inviteToken');
    expectTypeOf<EntityDTO<User>>().toHaveProperty('email');
    expectTypeOf<EntityDTO<Company>>().toHaveProperty('name');
    expect(User.meta.properties.passwordHash).toMatchObject({ hidden: true, lazy: true, ref: true });
    expect(Company.meta.properties.inviteToken).toMatchObject({ hidden: true });
  });

  it('make em.create require exactly the columns without a default', () => {
    expectTypeOf<RequiredOnCreate<Company>>().toEqualTypeOf<'name' | 'inviteToken'>();
    expectTypeOf<RequiredOnCreate<User>>().toEqualTypeOf<'company' | 'email' | 'passwordHash' | 'role'>();
    expectTypeOf<RequiredOnCreate<Workflow>>().toEqualTypeOf<'company' | 'name' | 'startingUrl'>();
    expectTypeOf<RequiredOnCreate<Screenshot>>().toEqualTypeOf<
      'company' | 'workflow' | 'hash' | 'storageKey' | 'storageUrl'
    >();
    expectTypeOf<RequiredOnCreate<Step>>().toEqualTypeOf<
      'company' | 'workflow' | 'stepNumber' | 'actionType' | 'selectors' | 'elementMeta' | 'pageContext'
    >();
    expectTypeOf<RequiredOnCreate<HealthLog>>().toEqualTypeOf<'company' | 'workflow' | 'user' | 'status'>();
    expectTypeOf<RequiredOnCreate<Notification>>().toEqualTypeOf<'company' | 'type' | 'severity' | 'title'>();
  });
});

describe('entity schemas', () => {
  it('go into a host MikroORM config beside its own entities, with the foreign key rules of SCHEMA.md', async () => {
    const theirs = defineEntity({ name: 'HostThing', properties: { id: p.integer().primary() } });
    const orm = new MikroORM({
      driver: SqliteDriver,
      dbName: ':memory:',
      driverOptions: new NodeSqliteDialect(':memory:'),
      entities: [...entities, theirs],
    });
    try {
      const tables = [...orm.getMetadata()].map((meta) => meta.tableName).sort();
      expect(tables).toEqual([...Object.keys(EXPECTED_SCHEMA), 'host_thing'].sort());
      for (const meta of orm.getMetadata()) {
        for (const fk of EXPECTED_SCHEMA[meta.tableName]?.foreignKeys ?? []) {
          const prop = meta.props.find((candidate) => candidate.fieldNames?.[0] === fk.column);
          // MikroORM 7 no longer derives ON UPDATE from `cascade`: the entities say what the tables have.
          expect([prop?.deleteRule, prop?.updateRule], `${meta.tableName}.${fk.column}`).toEqual([
            fk.onDelete.toLowerCase(),
            'cascade',
          ]);
        }
      }
    } finally {
      await orm.close();
    }
  });
});

// Each entity's interface and its `defineEntity` schema are tied by `schemaFor`, which does not
// compile when they differ; these cases show that it catches each kind of drift.
describe('schemaFor: an interface cannot drift from its schema', () => {
  const properties = { id: p.integer().primary().autoincrement(), name: p.text(), note: p.text().nullable() };
  interface Exact {
    id: number;
    name: string;
    note: string | null | undefined;
    [OptionalProps]?: 'id';
  }

  it('accepts the interface the schema infers, and returns the schema itself', () => {
    const schema = defineEntity({ name: 'DriftExact', properties });
    const typed = schemaFor<Exact>()(schema);
    expectTypeOf(typed).toEqualTypeOf<EntitySchema<Exact>>();
    expect(typed).toBe(schema);
  });

  it('refuses a property only one side has, another type, nullability, a default or hidden', () => {
    const schema = defineEntity({ name: 'Drift', properties });
    const withDefault = defineEntity({
      name: 'DriftDefault',
      properties: { ...properties, name: p.text().default('x') },
    });
    const withHidden = defineEntity({ name: 'DriftHidden', properties: { ...properties, name: p.text().hidden() } });
    type Nullable = Omit<Exact, 'name'> & { name: string | null | undefined };
    type ListsDefault = Omit<Exact, typeof OptionalProps> & { [OptionalProps]?: 'id' | 'name' };
    // @ts-expect-error the interface has a property the schema lacks
    schemaFor<Exact & { extra: string }>()(schema);
    // @ts-expect-error the schema has a property the interface lacks
    schemaFor<Omit<Exact, 'note'>>()(schema);
    // @ts-expect-error another type
    schemaFor<Omit<Exact, 'name'> & { name: number }>()(schema);
    // @ts-expect-error the interface says nullable, the schema does not
    schemaFor<Nullable>()(schema);
    // @ts-expect-error the schema has a default the interface does not list in [OptionalProps]
    schemaFor<Exact>()(withDefault);
    // @ts-expect-error the interface lists a default the schema does not have
    schemaFor<ListsDefault>()(schema);
    // @ts-expect-error the schema hides a property the interface does not list in [HiddenProps]
    schemaFor<Exact>()(withHidden);
    // @ts-expect-error the interface hides a property the schema does not
    schemaFor<Exact & { [HiddenProps]?: 'name' }>()(schema);
  });
});
