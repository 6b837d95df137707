import { convertError } from '../database/convert-error.js';
import { NotFoundError } from '../errors.js';
import { query, transaction } from '../executor/executor.js';
import { requireId } from '../validation/validators.js';
import { type ServiceTarget, toEntityManager } from './to-entity-manager.js';
import { withFreshInviteToken } from './with-fresh-invite-token.js';

/**
 * Gives a company a new invite token and returns it; the old token stops working at once.
 *
 * @throws INVALID_INPUT for a bad id, NOT_FOUND when no company has it.
 * @example
 * const inviteToken = await rotateInviteToken(db, company.id);
 */
export async function rotateInviteToken(db: ServiceTarget, companyId: number): Promise<string> {
  const id = requireId('companyId', companyId);
  const em = toEntityManager(db);
  let updated: { token: string; count: number };
  try {
    updated = await withFreshInviteToken((token) =>
      transaction(
        em,
        async () => ({
          token,
          count: (
            await query(em, 'update "companies" set "invite_token" = ? where "id" = ? returning "id"', [token, id])
          ).length,
        }),
        { savepoint: true },
      ),
    );
  } catch (error) {
    throw convertError(error, 'Rotating the invite token');
  }
  if (updated.count === 0) throw new NotFoundError('Company', id);
  return updated.token;
}
