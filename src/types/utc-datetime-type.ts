import { DateTimeType, type Platform } from '@mikro-orm/core';
import { dialectOf } from '../dialects/dialect-of.js';

/**
 * A timezone-aware timestamp: `timestamptz` on PostgreSQL and ISO-8601 UTC text
 * (`2026-11-26T04:27:47.123Z`) on SQLite.
 *
 * MikroORM writes epoch milliseconds on SQLite while the original Python backend
 * wrote text; SQLite sorts every integer before every text, so one column holding
 * both breaks ordering and keyset pagination. Fixed-width ISO text sorts correctly
 * as text and is what `strftime('%Y-%m-%dT%H:%M:%fZ')` produces for defaults.
 *
 * @example
 * defineEntity({ name: 'Audit', properties: { at: p.type(UtcDateTimeType).$type<Date>() } });
 */
export class UtcDateTimeType extends DateTimeType {
  override convertToDatabaseValue(value: unknown, platform: Platform): any {
    if (value == null) return value;
    const date = value instanceof Date ? value : new Date(value as string | number);
    // The dialect module knows the stored form; a platform this library does not run on gets the Date.
    return dialectOf(platform)?.timestampValue(date) ?? date;
  }

  /**
   * Compares by instant. MikroORM's snapshot of a loaded row may hold the hydrated Date while
   * the current value converts to ISO text on SQLite; comparing those as-is would mark every
   * loaded entity dirty and rewrite its timestamps on flush.
   */
  override compareValues(a: unknown, b: unknown): boolean {
    return instantOf(a) === instantOf(b);
  }

  override convertToJSValue(value: unknown, _platform: Platform): any {
    if (value == null || value instanceof Date) return value;
    if (typeof value === 'number') return new Date(value);
    return parseTimestamp(String(value));
  }
}

function instantOf(value: unknown): number | null | undefined {
  if (value === null || value === undefined) return value;
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number') return value;
  return parseTimestamp(String(value)).getTime();
}

/** The value of the `count` decimal digits of `text` from `at`, or -1 if one is not a digit. */
function digitsAt(text: string, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * `YYYY-MM-DDTHH:MM:SS[.f…]Z` (0 to 6 fraction digits) read from its characters: the same instant as
 * `new Date(text)` (days past the month's end roll over in both; the test compares them over every
 * field's range) at a fraction of the Date parser's cost, which a page of 50 rows pays a hundred
 * times. Undefined for any other text, and for fields the parser treats specially (a year below
 * 1000, which Date.UTC reads as 19xx; hour 24; second 60), which then take the parser.
 */
function isoUtcFromDigits(text: string): Date | undefined {
  const length = text.length;
  if (length < 20 || length > 27 || length === 21 || text.charCodeAt(length - 1) !== 90 /* Z */) return undefined;
  if (
    text.charCodeAt(4) !== 45 /* - */ ||
    text.charCodeAt(7) !== 45 ||
    text.charCodeAt(10) !== 84 /* T */ ||
    text.charCodeAt(13) !== 58 /* : */ ||
    text.charCodeAt(16) !== 58
  ) {
    return undefined;
  }
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  const hour = digitsAt(text, 11, 2);
  const minute = digitsAt(text, 14, 2);
  const second = digitsAt(text, 17, 2);
  if (year < 1000 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23) return undefined;
  if (minute < 0 || minute > 59 || second < 0 || second > 59) return undefined;
  let ms = 0;
  if (length > 20) {
    if (text.charCodeAt(19) !== 46 /* . */) return undefined;
    // Milliseconds are the first three fraction digits; the parser drops the rest.
    const digits = length - 21;
    const fraction = digitsAt(text, 20, digits);
    if (fraction < 0) return undefined;
    ms = digits >= 3 ? Math.trunc(fraction / 10 ** (digits - 3)) : fraction * 10 ** (3 - digits);
  }
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second, ms));
}

const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$/;
const PG_UTC = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,6})?\+00$/;

/**
 * Parses ISO-8601 text, SQLite's `YYYY-MM-DD HH:MM:SS[.fff]` (taken as UTC, as SQLite's clock
 * is) and PostgreSQL's `YYYY-MM-DD HH:MM:SS.ffffff+00` text form.
 */
export function parseTimestamp(text: string): Date {
  // The common case, ISO-8601 UTC as this library writes it and reads it back on both dialects.
  const fast = isoUtcFromDigits(text);
  if (fast !== undefined) return fast;
  if (ISO_UTC.test(text)) return new Date(text);
  // PostgreSQL's text form of a timestamptz in a UTC session.
  if (PG_UTC.test(text)) return new Date(`${text.slice(0, 10)}T${text.slice(11, -3)}Z`);
  let normalized = text.trim().replace(' ', 'T');
  const zone = /([+-]\d\d)(:?(\d\d))?$/.exec(normalized);
  if (zone) normalized = `${normalized.slice(0, zone.index)}${zone[1]}:${zone[3] ?? '00'}`;
  else if (!/[zZ]$/.test(normalized)) normalized += 'Z';
  return new Date(normalized);
}
