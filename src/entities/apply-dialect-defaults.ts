import type { MetadataStorage } from '@mikro-orm/core';
import type { Dialect } from '../database/options.js';
import { dialectNamed } from '../dialects/dialect-of.js';
import { entities } from './index.js';
import { NOW_SQL } from './timestamps.js';

const DIALECTS: readonly Dialect[] = ['sqlite', 'postgresql'];
const OUR_ENTITIES = new Set<string>(entities.map((e) => e.meta.className));

/**
 * Adjusts our entities' metadata to the dialect in use: a timestamp default becomes the
 * dialect's `nowDefaultSql` (on SQLite the same ISO-8601 text the application writes, not
 * `CURRENT_TIMESTAMP`'s `YYYY-MM-DD HH:MM:SS`). Only this library's seven entities are touched;
 * idempotent.
 *
 * @example
 * applyDialectDefaults(orm.getMetadata(), 'sqlite');
 */
export function applyDialectDefaults(metadata: MetadataStorage, dialect: Dialect): void {
  const now = dialectNamed(dialect).migrations.nowDefaultSql;
  // Every dialect's form: entity metadata may have been adjusted for another dialect before.
  const nowDefaults = new Set([NOW_SQL, ...DIALECTS.map((d) => dialectNamed(d).migrations.nowDefaultSql)]);
  for (const meta of metadata) {
    if (!OUR_ENTITIES.has(meta.className)) continue;
    for (const prop of meta.props) {
      if (prop.defaultRaw !== undefined && nowDefaults.has(prop.defaultRaw)) prop.defaultRaw = now;
    }
  }
}
