import type { MetadataStorage } from '@mikro-orm/core';
import type { Dialect } from '../database/options.js';
import { entities } from './index.js';
import { NOW_SQL, SQLITE_NOW_SQL } from './timestamps.js';

const OUR_ENTITIES = new Set<string>(entities.map((e) => e.meta.className));

/**
 * Adjusts our entities' metadata to the dialect in use. On SQLite a timestamp default must
 * produce the same ISO-8601 text the application writes, not `CURRENT_TIMESTAMP`'s
 * `YYYY-MM-DD HH:MM:SS`. Only this library's seven entities are touched; idempotent.
 */
export function applyDialectDefaults(metadata: MetadataStorage, dialect: Dialect): void {
  for (const meta of Object.values(metadata.getAll())) {
    if (!OUR_ENTITIES.has(meta.className)) continue;
    for (const prop of meta.props) {
      if (prop.defaultRaw === NOW_SQL || prop.defaultRaw === SQLITE_NOW_SQL) {
        prop.defaultRaw = dialect === 'sqlite' ? SQLITE_NOW_SQL : NOW_SQL;
      }
    }
  }
}
