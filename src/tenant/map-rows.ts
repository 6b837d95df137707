import type { EntityName } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/knex';

/**
 * Turns rows read by hand-written SQL into managed entities of `em` the way `em.find` does
 * (the driver's result mapping, then the entity factory with `merge`), without what `em.map`
 * adds on top: a second, deep snapshot of every entity (it stringifies each JSON property again)
 * and a cascade over its relations. Returned entities are managed by `em`, with their loaded
 * state as the original data, so relations load through `em` and nothing reads as changed.
 *
 * @example
 * const steps = mapRows(readFork(ctx), Step, rows);
 */
export function mapRows<T extends object>(
  em: SqlEntityManager,
  entity: EntityName<T>,
  rows: readonly Record<string, unknown>[],
): T[] {
  const meta = em.getMetadata().get<T>(entity as never);
  const driver = em.getDriver();
  const factory = em.getEntityFactory();
  const out: T[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const data = driver.mapResult(rows[i] as never, meta) as never;
    out[i] = factory.create<T>(entity, data, { merge: true, refresh: true, convertCustomTypes: true }) as T;
  }
  return out;
}
