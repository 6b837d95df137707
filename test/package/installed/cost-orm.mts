// TypeScript cost, baseline: a host that uses MikroORM 7 only, as MikroORM's documentation writes
// one (@mikro-orm/sql, which re-exports @mikro-orm/core, on node:sqlite; an entity from
// defineEntity, a write and a read). Driver packages are left out because their declarations
// import better-sqlite3's or pg's types, which a host without skipLibCheck must then install.
// cost-package.mts is this same host plus the package; scripts/smoke-installed.mjs compares their
// `tsc` time and types.
import { defineEntity, MikroORM, NodeSqliteDialect, p, SqliteDriver } from '@mikro-orm/sql';

export const Note = defineEntity({
  name: 'Note',
  properties: {
    id: p.integer().primary(),
    title: p.string(),
    done: p.boolean().default(false),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});

export async function ormOnly(dbName: string): Promise<string[]> {
  const orm = await MikroORM.init({
    driver: SqliteDriver,
    dbName,
    driverOptions: new NodeSqliteDialect(dbName),
    entities: [Note],
  });
  try {
    await orm.schema.create();
    const em = orm.em.fork();
    em.create(Note, { title: 'first' });
    await em.flush();
    const notes = await em.find(Note, { done: false }, { orderBy: { id: 'asc' } });
    return notes.map((n) => n.title);
  } finally {
    await orm.close();
  }
}
