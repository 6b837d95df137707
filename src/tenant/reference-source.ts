import type { EntityMetadata, MetadataStorage, Platform } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/knex';

/**
 * Where the relation properties of the entities one call returns get their references: one
 * fresh fork of the scope's EntityManager (empty identity map, the tenant filter on, the same
 * transaction if one runs), made on the first reference and shared by every row of the call.
 * Lazy-loading a relation of a returned entity therefore goes through the tenant filter, and a
 * later call never hands out a reference an earlier call loaded.
 *
 * @example
 * const refs = new ReferenceSource(ctx.em);
 * const workflows = mapRows(refs, Workflow, rows); // wf.company.id, await wf.company.load()
 */
export class ReferenceSource {
  readonly #from: SqlEntityManager;
  readonly #fork: () => SqlEntityManager;
  #em: SqlEntityManager | undefined;
  readonly #cache = new Map<string, unknown>();

  /** `from`: an EntityManager of the ORM; `fork`: makes the EntityManager references belong to. */
  constructor(
    from: SqlEntityManager,
    fork: () => SqlEntityManager = () => from.fork({ clear: true, keepTransactionContext: true }) as SqlEntityManager,
  ) {
    this.#from = from;
    this.#fork = fork;
  }

  /** The metadata of the ORM the rows belong to. */
  get metadata(): MetadataStorage {
    return this.#from.getMetadata();
  }

  /** The platform of the ORM the rows belong to. */
  get platform(): Platform {
    return this.#from.getPlatform();
  }

  /** A `Reference` (not loaded) to the `target` row with primary key `id`. */
  reference(target: EntityMetadata, id: unknown): unknown {
    const key = `${target.className}:${id}`;
    let ref = this.#cache.get(key);
    if (ref === undefined) {
      this.#em ??= this.#fork();
      ref = this.#em.getReference(target.className, id as never, { wrapped: true });
      this.#cache.set(key, ref);
    }
    return ref;
  }
}
