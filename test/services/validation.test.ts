// Pure validators: no database is involved, so this suite runs once rather than per dialect.
import { describe, expect, it } from 'vitest';
import { normalizeEmail, screenshotStorageKey, validatePassword } from '../../src/index.js';

function errorOf(run: () => unknown): any {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('normalizeEmail', () => {
  it('trims and lower-cases', () => {
    expect(normalizeEmail('  Ada.Lovelace+Work@Example.CO.uk \n')).toBe('ada.lovelace+work@example.co.uk');
    expect(normalizeEmail('ÉLODIE@exemple.fr')).toBe('élodie@exemple.fr');
  });

  it('refuses what is not an address', () => {
    const bad: unknown[] = [
      '',
      '   ',
      'plain',
      '@example.com',
      'ada@',
      'ada@localhost',
      'ada@example.123',
      'ada@-example.com',
      'ada@exa_mple.com',
      'ada..x@example.com',
      '.ada@example.com',
      'ada lovelace@example.com',
      '"quoted"@example.com',
      'a@b@example.com',
      `${'a'.repeat(65)}@example.com`,
      `ada@${'a'.repeat(250)}.com`,
      'ada@exa\u0000mple.com',
      42,
      null,
    ];
    for (const value of bad)
      expect(errorOf(() => normalizeEmail(value))).toMatchObject({ code: 'INVALID_INPUT', field: 'email' });
  });
});

describe('validatePassword', () => {
  it('accepts 8+ characters with a letter and a digit, up to 72 UTF-8 bytes, unchanged', () => {
    expect(validatePassword('abcdefg1')).toBe('abcdefg1');
    expect(validatePassword('  spaced 1  ')).toBe('  spaced 1  ');
    expect(validatePassword(`${'a'.repeat(71)}1`)).toHaveLength(72);
    expect(validatePassword('пароль12')).toBe('пароль12');
  });

  it('refuses short, letterless, digitless, too long and malformed passwords, without echoing them', () => {
    const secret = 'Zq9'; // part of every refused password below
    const bad: [unknown, RegExp][] = [
      [`${secret}abcd`, /at least 8 characters/],
      [`${secret}${'x'.repeat(10)}`.replace('9', ''), /one letter and one digit/],
      ['12345678901', /letter/],
      [`${secret}${'a'.repeat(70)}`, /72 bytes/],
      // 36 two-byte characters and a digit: 37 characters but 73 bytes.
      [`${'é'.repeat(36)}1`, /72 bytes/],
      [`${secret}abcd\u0000efg`, /NUL/],
      [`${secret}abcd\uD800efg`, /surrogate/],
      [12345678, /string/],
    ];
    for (const [value, reason] of bad) {
      const error = errorOf(() => validatePassword(value));
      expect(error).toMatchObject({ code: 'INVALID_INPUT', field: 'password' });
      expect(error.message).toMatch(reason);
      expect(error.message).not.toContain(secret);
    }
  });
});

describe('screenshotStorageKey', () => {
  it('builds the documented key, jpg for jpeg', () => {
    expect(screenshotStorageKey({ companyId: 1, workflowId: 7, screenshotId: 42, format: 'jpeg' })).toBe(
      'companies/1/workflows/7/screenshots/42.jpg',
    );
    expect(screenshotStorageKey({ companyId: 3, workflowId: 9, screenshotId: 5, format: 'png' })).toBe(
      'companies/3/workflows/9/screenshots/5.png',
    );
  });

  it('refuses ids that would make another path', () => {
    expect(
      errorOf(() => screenshotStorageKey({ companyId: 1, workflowId: 7, screenshotId: 0, format: 'png' })),
    ).toMatchObject({
      field: 'screenshotId',
    });
    expect(
      errorOf(() =>
        screenshotStorageKey({ companyId: '1/../2' as never, workflowId: 7, screenshotId: 1, format: 'png' }),
      ),
    ).toMatchObject({ field: 'companyId' });
    expect(
      errorOf(() => screenshotStorageKey({ companyId: 1, workflowId: 7, screenshotId: 1, format: 'gif' as never })),
    ).toMatchObject({
      field: 'format',
    });
  });
});
