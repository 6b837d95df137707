import type { Transaction } from '@mikro-orm/core';
import type { AbstractSqlConnection, DatabaseSchema } from '@mikro-orm/sql';

/**
 * Corrects three misreadings of MikroORM 6.6's SQLite introspection so that `check()` compares
 * like with like: foreign keys are keyed by column instead of constraint name (every table then
 * looks changed), enum CHECK lists of three or more items lose items, and expression defaults
 * lose their parentheses. Mutates `schema`.
 */
export async function normalizeSqliteSchema(
  schema: DatabaseSchema,
  connection: AbstractSqlConnection,
  ctx?: Transaction,
): Promise<void> {
  for (const table of schema.getTables()) {
    const foreignKeys = table.getForeignKeys();
    for (const [key, fk] of Object.entries(foreignKeys)) {
      if (fk.constraintName && key !== fk.constraintName) {
        delete foreignKeys[key];
        foreignKeys[fk.constraintName] = fk;
      }
    }

    const row = await connection.execute<{ sql: string }>(
      'select sql from sqlite_master where type = ? and name = ?',
      ['table', table.name],
      'get',
      ctx,
    );
    for (const column of table.getColumns()) {
      if (column.enumItems?.length && row?.sql) {
        const items = enumItemsOf(row.sql, column.name);
        if (items) column.enumItems = items;
      }
      if (typeof column.default === 'string' && /^[a-z_]+\(.*\)$/i.test(column.default)) {
        column.default = `(${column.default})`;
      }
    }
  }
}

function enumItemsOf(tableSql: string, column: string): string[] | undefined {
  const escaped = column.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`check \\([\`"]?${escaped}[\`"]? in \\(((?:'(?:[^']|'')*'\\s*,?\\s*)+)\\)\\)`, 'i').exec(
    tableSql,
  );
  if (!match) return undefined;
  return [...match[1].matchAll(/'((?:[^']|'')*)'/g)].map((m) => m[1].replace(/''/g, "'"));
}
