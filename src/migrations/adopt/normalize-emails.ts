import { MigrationError } from '../../errors.js';
import type { MigrationStatements } from '../migration-statements.js';

/**
 * Stores every user's email trimmed and lower-cased, as this library writes and looks them up.
 * The original compared emails case-sensitively, so two accounts may differ only in case; that
 * is refused (naming the user ids) before any row is changed.
 *
 * @example
 * await normalizeEmails(sql);
 */
export async function normalizeEmails(sql: MigrationStatements): Promise<void> {
  const users = await sql.all<{ id: number; email: string }>(`select id, email from ${sql.id('users')} order by id`);
  const owners = new Map<string, number[]>();
  for (const user of users) {
    const email = normalizeEmail(user.email);
    owners.set(email, [...(owners.get(email) ?? []), Number(user.id)]);
  }
  const clashes = [...owners.values()].filter((ids) => ids.length > 1);
  if (clashes.length > 0) {
    const described = clashes
      .slice(0, 5)
      .map((ids) => `users ${ids.join(', ')}`)
      .join('; ');
    throw new MigrationError(
      `Cannot adopt: emails must be unique once trimmed and lower-cased, and these accounts share one: ${described}. ` +
        'Change or remove all but one account of each group, then adopt again',
    );
  }
  for (const user of users) {
    const email = normalizeEmail(user.email);
    if (email !== user.email) {
      await sql.run(`update ${sql.id('users')} set ${sql.id('email')} = ? where ${sql.id('id')} = ?`, [email, user.id]);
    }
  }
}

function normalizeEmail(email: string): string {
  return String(email).trim().toLowerCase();
}
