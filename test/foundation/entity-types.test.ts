import type { Opt } from '@mikro-orm/core';
import { expectTypeOf, it } from 'vitest';
import type { Company, HealthLog, Notification, Screenshot, Step, User, Workflow } from '../../src/index.js';

/** The value type without MikroORM's `Opt` brand (which marks a property as optional on create). */
type Plain<T> = T extends Opt<infer U> ? U : T;

// Compile-time assertions (checked by `tsc --noEmit`, which covers test/): the inferred entity
// types are the ones SCHEMA.md describes.
it('entity types are inferred from the schemas', () => {
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
