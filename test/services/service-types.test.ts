import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  authenticate,
  authenticateOrFail,
  type DedupeScreenshotInput,
  dedupeScreenshot,
  type PublicUser,
} from '../../src/index.js';

// Type tests: `npx tsc --noEmit -p .` checks them (an unused @ts-expect-error fails it); vitest runs
// the calls the types refuse and checks that they are refused at run time too.

const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47]);
const hash = `sha256:${'ab'.repeat(32)}`;

describe('services: types', () => {
  it('authenticate returns the user without its password hash', () => {
    expectTypeOf(authenticate).returns.resolves.toEqualTypeOf<PublicUser | null>();
    expectTypeOf(authenticateOrFail).returns.resolves.toEqualTypeOf<PublicUser>();
    expectTypeOf<PublicUser>().not.toHaveProperty('passwordHash');
    expectTypeOf<PublicUser>().toHaveProperty('email').toEqualTypeOf<string>();
    expectTypeOf<PublicUser>().toHaveProperty('lastLoginAt');
  });

  it('dedupeScreenshot takes the bytes, their hash or both, never neither', async () => {
    expectTypeOf({ companyId: 1, workflowId: 2, content: png }).toExtend<DedupeScreenshotInput>();
    expectTypeOf({ companyId: 1, workflowId: 2, hash }).toExtend<DedupeScreenshotInput>();
    expectTypeOf({ companyId: 1, workflowId: 2, content: png, hash }).toExtend<DedupeScreenshotInput>();
    expectTypeOf({ companyId: 1, workflowId: 2, format: 'png' as const }).not.toExtend<DedupeScreenshotInput>();
    expectTypeOf({
      companyId: 1,
      workflowId: 2,
      content: undefined,
      hash: undefined,
    }).not.toExtend<DedupeScreenshotInput>();

    const refused = [
      // @ts-expect-error neither content nor hash
      () => dedupeScreenshot({} as never, { companyId: 1, workflowId: 2 }),
      // @ts-expect-error neither content nor hash, whatever else is known
      () => dedupeScreenshot({} as never, { companyId: 1, workflowId: 2, format: 'png', width: 3, height: 2 }),
      // @ts-expect-error an undefined hash is no hash
      () => dedupeScreenshot({} as never, { companyId: 1, workflowId: 2, hash: undefined }),
    ];
    for (const call of refused) {
      await expect(call()).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'content' });
    }
  });
});
