import { wrap } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';
import { snapshotOf } from './map-rows.js';
import { ReferenceSource } from './reference-source.js';

/**
 * Replaces every entity MikroORM manages in a result (the result itself, the items of an array,
 * the values of a plain object, recursively) by a detached snapshot ({@link snapshotOf}), so no
 * returned object reaches an EntityManager. Entities made by `mapRows` hold none and are left as
 * they are; the check is one own-property test per object. References of a snapshot load from
 * `references()`, else from a fork of the EntityManager that loaded the entity, and only rows of
 * the entity's company.
 *
 * @example
 * return detachReturned(await readFork(ctx).findOne(Step, { id, company: ctx.companyId }));
 */
export function detachReturned<T>(value: T, references?: () => ReferenceSource): T {
  let shared: ReferenceSource | undefined;
  let sources: Map<string, ReferenceSource> | undefined;
  // One source per result (per loading EntityManager and company), made only if some entity needs it.
  const sourceFor = references
    ? () => (shared ??= references())
    : (em: SqlEntityManager, companyId: number | undefined) => {
        const key = `${em.id}:${companyId}`;
        sources ??= new Map();
        let source = sources.get(key);
        if (!source) {
          source = new ReferenceSource(em, undefined, companyId);
          sources.set(key, source);
        }
        return source;
      };
  return detach(value, sourceFor, 0) as T;
}

type SourceFor = (em: SqlEntityManager, companyId: number | undefined) => ReferenceSource;

function detach(value: unknown, sourceFor: SourceFor, depth: number): unknown {
  if (value === null || typeof value !== 'object' || depth > 4) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = detach(value[i], sourceFor, depth + 1);
    return value;
  }
  // MikroORM gives an entity it loads or creates its own `__helper`; mapRows' entities get one lazily, without an EntityManager.
  if (Object.hasOwn(value, '__helper')) {
    const em = (wrap(value, true) as unknown as { __em?: SqlEntityManager }).__em;
    return em ? snapshotOf(sourceFor(em, companyOf(value)), value) : value;
  }
  if (Object.getPrototypeOf(value) === Object.prototype) {
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) record[key] = detach(record[key], sourceFor, depth + 1);
  }
  return value;
}

/** The company an entity belongs to (a company is its own), for the company predicate of its references' loads. */
function companyOf(entity: object): number | undefined {
  const meta = (entity as { __meta?: { className: string } }).__meta;
  const record = entity as Record<string, unknown>;
  if (meta?.className === 'Company') return record.id as number;
  const company = record.company as { id?: unknown } | null | undefined;
  return typeof company?.id === 'number' ? company.id : undefined;
}
