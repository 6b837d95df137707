import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { DatabaseError } from '../errors.js';
import { generateInviteToken } from './generate-invite-token.js';

/** How many fresh tokens are tried before giving up (a collision of 256 random bits never happens twice). */
const ATTEMPTS = 3;

/**
 * Runs `write` with a new invite token, and again with another one if the database reports the
 * token as taken. `write` must run in its own transaction (or savepoint: see the executor's `transaction(em, work, { savepoint: true })`), so
 * that a refused attempt leaves nothing behind. `generate` exists for tests that force a
 * collision. @internal
 *
 * @example
 * const rows = await withFreshInviteToken((token) => transaction(em, () => query(em, INSERT_COMPANY_SQL, [name, token]), { savepoint: true }));
 */
export async function withFreshInviteToken<T>(
  write: (token: string) => Promise<T>,
  generate: () => string = generateInviteToken,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write(generate());
    } catch (error) {
      if (!(error instanceof UniqueConstraintViolationException)) throw error;
      if (attempt >= ATTEMPTS) {
        throw new DatabaseError(`No unused invite token after ${ATTEMPTS} attempts`, { cause: error });
      }
    }
  }
}
