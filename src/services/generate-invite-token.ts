import { randomBytes } from 'node:crypto';

/**
 * A new invite token: 32 random bytes from the operating system's CSPRNG, base64url-encoded
 * without padding (43 characters), like Python's `secrets.token_urlsafe(32)` in the original.
 *
 * @example
 * generateInviteToken(); // 'q3Vb…' (43 characters of A–Z a–z 0–9 - _)
 */
export function generateInviteToken(): string {
  return randomBytes(32).toString('base64url');
}
