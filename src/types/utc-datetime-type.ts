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

const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$/;
const PG_UTC = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,6})?\+00$/;

/**
 * Parses ISO-8601 text, SQLite's `YYYY-MM-DD HH:MM:SS[.fff]` (taken as UTC, as SQLite's clock
 * is) and PostgreSQL's `YYYY-MM-DD HH:MM:SS.ffffff+00` text form.
 */
export function parseTimestamp(text: string): Date {
  // The common case, ISO-8601 UTC as this library writes it: the Date parser takes it as is.
  if (ISO_UTC.test(text)) return new Date(text);
  // PostgreSQL's text form of a timestamptz in a UTC session.
  if (PG_UTC.test(text)) return new Date(`${text.slice(0, 10)}T${text.slice(11, -3)}Z`);
  let normalized = text.trim().replace(' ', 'T');
  const zone = /([+-]\d\d)(:?(\d\d))?$/.exec(normalized);
  if (zone) normalized = `${normalized.slice(0, zone.index)}${zone[1]}:${zone[3] ?? '00'}`;
  else if (!/[zZ]$/.test(normalized)) normalized += 'Z';
  return new Date(normalized);
}
