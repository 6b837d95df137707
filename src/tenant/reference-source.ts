import { type EntityMetadata, type MetadataStorage, type Platform, Reference } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/knex';

// The relation properties of returned entities are MikroORM `Reference`s whose entity is made on
// first use. Making a reference entity means an identity-map entry and per-instance property
// definitions (about 20 µs each, more than the query of a page of 50 notifications, each with its
// own workflow). Most callers only read `ref.id`, which needs none of it; `load()`, `isInitialized()`,
// `unwrap()` and serialization get the real reference entity of the call's fork, made then.

const PK = Symbol('overlay.referencePk');
const SOURCE = Symbol('overlay.referenceSource');

interface LazyReference {
  [PK]: unknown;
  [SOURCE]: ReferenceSource;
  property: unknown;
}

// MikroORM recognizes a Reference by an own property keyed by a module-private symbol: read it
// off a real one, once.
let referenceSymbol: symbol | undefined;
function referenceSymbolOf(meta: EntityMetadata): symbol {
  if (referenceSymbol === undefined) {
    const probe = new Reference(Object.create(meta.prototype as object) as object);
    const own = Object.getOwnPropertySymbols(probe);
    if (own.length !== 1) throw new Error('unexpected MikroORM Reference layout');
    referenceSymbol = own[0];
  }
  return referenceSymbol;
}

const prototypes = new WeakMap<EntityMetadata, object>();

/** Per target entity: Reference's prototype plus primary key getters and the lazy `entity`. */
function lazyPrototypeOf(target: EntityMetadata): object {
  let prototype = prototypes.get(target);
  if (prototype) return prototype;
  const descriptors: PropertyDescriptorMap = {
    entity: {
      get(this: LazyReference) {
        const entity = this[SOURCE].entity(target, this[PK]);
        Object.defineProperty(this, 'entity', { value: entity, writable: true, enumerable: true, configurable: true });
        return entity;
      },
      set(this: LazyReference, value: unknown) {
        Object.defineProperty(this, 'entity', { value, writable: true, enumerable: true, configurable: true });
      },
      configurable: true,
    },
  };
  for (const key of target.primaryKeys) {
    descriptors[key] = {
      get(this: LazyReference & { entity: Record<string, unknown> }) {
        return Object.hasOwn(this, 'entity') ? this.entity[key] : this[PK];
      },
      configurable: true,
    };
  }
  prototype = Object.create(Reference.prototype, descriptors) as object;
  prototypes.set(target, prototype);
  return prototype;
}

/**
 * Where the relation properties of the entities one call returns get their references: one
 * fresh fork of the scope's EntityManager (empty identity map, the tenant filter on), made when a
 * reference is first used and shared by every row of the call. Lazy-loading a relation of a
 * returned entity therefore goes through the tenant filter, and a later call never hands out a
 * reference an earlier call loaded.
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

  /** A `Reference` (not loaded) to the `target` row with primary key `id`; one per row per call. */
  reference(target: EntityMetadata, id: unknown): unknown {
    const key = `${target.className}:${id}`;
    let ref = this.#cache.get(key);
    if (ref === undefined) {
      const lazy = Object.create(lazyPrototypeOf(target)) as LazyReference;
      Object.defineProperty(lazy, referenceSymbolOf(target), { value: true, enumerable: false });
      lazy.property = undefined;
      lazy[PK] = id;
      lazy[SOURCE] = this;
      ref = lazy;
      this.#cache.set(key, ref);
    }
    return ref;
  }

  /** The reference entity of `target` `id` in this call's fork (made now, if it is the first). */
  entity(target: EntityMetadata, id: unknown): object {
    this.#em ??= this.#fork();
    return this.#em.getReference(target.className, id as never) as object;
  }
}
