import { p } from '@mikro-orm/core';
import { UtcDateTimeType } from '../types/utc-datetime-type.js';

/**
 * The SQL default of every `created_at`-style column. Entities say `current_timestamp`
 * (valid on both dialects); on SQLite the migrations and {@link applyDialectDefaults}
 * replace it with ISO-8601 UTC text so that defaults and written values share one format.
 */
export const NOW_SQL = 'current_timestamp';
export const SQLITE_NOW_SQL = "(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))";

/** A required timestamp that defaults to the time of insert. */
export const createdAt = () =>
  p
    .type(UtcDateTimeType)
    .$type<Date>()
    .defaultRaw(NOW_SQL)
    .onCreate(() => new Date());

/** An optional timestamp. */
export const optionalTimestamp = () => p.type(UtcDateTimeType).$type<Date>().nullable();
