import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseTimestamp } from '../../src/types/utc-datetime-type.js';

// parseTimestamp reads every timestamp the library returns (hundreds per page), so its common
// form, ISO-8601 UTC text, is read from the characters; whatever it returns must be what the
// Date parser makes of the same text, for every text of that shape and for the other forms.
const pad = (n: number, width: number) => String(n).padStart(width, '0');

describe('parseTimestamp', () => {
  it('reads ISO-8601 UTC text as the Date parser does: every field, 0 to 6 fraction digits, days past the month', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 9999 }),
        fc.integer({ min: 0, max: 13 }),
        fc.integer({ min: 0, max: 32 }),
        fc.integer({ min: 0, max: 24 }),
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 0, max: 6 }),
        fc.integer({ min: 0, max: 999_999 }),
        (year, month, day, hour, minute, second, digits, fraction) => {
          const text =
            `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}` +
            `${digits === 0 ? '' : `.${pad(fraction, 6).slice(0, digits)}`}Z`;
          const expected = new Date(text);
          const got = parseTimestamp(text);
          if (Number.isNaN(expected.getTime())) expect(Number.isNaN(got.getTime())).toBe(true);
          else expect(got.toISOString()).toBe(expected.toISOString());
        },
      ),
      { numRuns: 20_000 },
    );
  });

  it('reads the other forms it accepts: PostgreSQL text, SQLite text, offsets', () => {
    expect(parseTimestamp('2026-11-26 04:27:47.123456+00').toISOString()).toBe('2026-11-26T04:27:47.123Z');
    expect(parseTimestamp('2026-11-26 04:27:47').toISOString()).toBe('2026-11-26T04:27:47.000Z');
    expect(parseTimestamp('2026-11-26T06:27:47.5+02:00').toISOString()).toBe('2026-11-26T04:27:47.500Z');
    expect(parseTimestamp('2026-11-26T04:27:47.123z').toISOString()).toBe('2026-11-26T04:27:47.123Z');
    expect(Number.isNaN(parseTimestamp('2026-11-26Tab:cd:efZ').getTime())).toBe(true);
  });
});
