import type { Database } from '../../src/index.js';

export interface LiveColumn {
  name: string;
  type: string;
  nullable: boolean;
  default: string | null;
}
export interface LiveForeignKey {
  column: string;
  references: string;
  onDelete: string;
}
export interface LiveIndex {
  name: string;
  columns: string[];
  unique: boolean;
}
export interface LiveTable {
  columns: LiveColumn[];
  foreignKeys: LiveForeignKey[];
  indexes: LiveIndex[];
  /** SQLite: whether the table was declared with AUTOINCREMENT. PostgreSQL: whether id has a sequence default. */
  autoincrementId: boolean;
}

/** Reads a table's shape straight from the live catalog (not from MikroORM's metadata). */
export async function introspectTable(db: Database, table: string): Promise<LiveTable> {
  const run = <T>(sql: string, params: unknown[] = []) =>
    db.connection.execute<T[]>(sql, params, 'all') as Promise<T[]>;
  if (db.dialect === 'sqlite') {
    const cols = await run<{ name: string; type: string; notnull: number; dflt_value: string | null }>(
      `pragma table_info(\`${table}\`)`,
    );
    const fks = await run<{ from: string; table: string; on_delete: string }>(`pragma foreign_key_list(\`${table}\`)`);
    const list = await run<{ name: string; unique: number }>(`pragma index_list(\`${table}\`)`);
    const indexes: LiveIndex[] = [];
    for (const idx of list) {
      const info = await run<{ name: string | null; seqno: number }>(`pragma index_info(\`${idx.name}\`)`);
      indexes.push({
        name: idx.name,
        unique: idx.unique === 1,
        columns: info.sort((a, b) => a.seqno - b.seqno).map((i) => i.name ?? '<expr>'),
      });
    }
    const [{ sql }] = await run<{ sql: string }>('select sql from sqlite_master where type = ? and name = ?', [
      'table',
      table,
    ]);
    return {
      columns: cols.map((c) => ({ name: c.name, type: c.type, nullable: c.notnull === 0, default: c.dflt_value })),
      foreignKeys: fks.map((f) => ({ column: f.from, references: f.table, onDelete: f.on_delete.toUpperCase() })),
      indexes,
      autoincrementId: /autoincrement/i.test(sql),
    };
  }
  const cols = await run<{
    column_name: string;
    data_type: string;
    is_nullable: string;
    column_default: string | null;
  }>(
    `select column_name, data_type, is_nullable, column_default from information_schema.columns
     where table_schema = 'public' and table_name = ? order by ordinal_position`,
    [table],
  );
  const fks = await run<{ column: string; references: string; on_delete: string }>(
    `select a.attname as "column", cf.relname as "references",
       case c.confdeltype when 'c' then 'CASCADE' when 'n' then 'SET NULL' when 'r' then 'RESTRICT'
         when 'a' then 'NO ACTION' when 'd' then 'SET DEFAULT' end as on_delete
     from pg_constraint c
     join pg_class t on t.oid = c.conrelid
     join pg_class cf on cf.oid = c.confrelid
     join pg_attribute a on a.attrelid = t.oid and a.attnum = c.conkey[1]
     where c.contype = 'f' and t.relname = ?`,
    [table],
  );
  const idx = await run<{ name: string; unique: boolean; columns: string }>(
    `select i.relname as name, ix.indisunique as unique,
       coalesce((select string_agg(coalesce(a.attname, '<expr>'), ',' order by k.ord)
         from unnest(ix.indkey) with ordinality as k(attnum, ord)
         left join pg_attribute a on a.attrelid = t.oid and a.attnum = k.attnum), '') as columns
     from pg_index ix join pg_class t on t.oid = ix.indrelid join pg_class i on i.oid = ix.indexrelid
     where t.relname = ? and not ix.indisprimary`,
    [table],
  );
  return {
    columns: cols.map((c) => ({
      name: c.column_name,
      type: c.data_type,
      nullable: c.is_nullable === 'YES',
      default: c.column_default,
    })),
    foreignKeys: fks.map((f) => ({ column: f.column, references: f.references, onDelete: f.on_delete })),
    indexes: idx.map((i) => ({ name: i.name, unique: i.unique, columns: i.columns.split(',').filter(Boolean) })),
    autoincrementId: /nextval/.test(cols.find((c) => c.column_name === 'id')?.column_default ?? ''),
  };
}
