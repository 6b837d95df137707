import { p } from '@mikro-orm/core';
import { UtcDateTimeType } from '../types/utc-datetime-type.js';

/**
 * The SQL default of every `created_at`-style column. Entities say `current_timestamp` (valid on
 * both dialects); on SQLite the migrations and `applyDialectDefaults` replace it with the dialect
 * module's ISO-8601 UTC form, so that defaults and written values share one format.
 *
 * @example
 * const isNow = prop.defaultRaw === NOW_SQL;
 */
export const NOW_SQL = 'current_timestamp';

/**
 * A required timestamp that defaults to the time of insert.
 *
 * @example
 * defineEntity({ name: 'Audit', properties: { createdAt: createdAt() } });
 */
export const createdAt = () =>
  p
    .type(UtcDateTimeType)
    .$type<Date>()
    .defaultRaw(NOW_SQL)
    .onCreate(() => new Date());

/**
 * An optional timestamp.
 *
 * @example
 * defineEntity({ name: 'Audit', properties: { reviewedAt: optionalTimestamp() } });
 */
export const optionalTimestamp = () => p.type(UtcDateTimeType).$type<Date>().nullable();
