import { type EntityMetadata, type MetadataStorage, type Platform, Reference, wrap } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';
import { convertError } from '../database/convert-error.js';
import { InvalidInputError, NotFoundError } from '../errors.js';
import { snapshotOf } from './map-rows.js';

// The relation properties of returned entities are MikroORM `Reference`s that hold no
// EntityManager. A MikroORM reference's entity carries the EntityManager that made it (`__em`),
// and through it (`wrap(e, true).__em.fork()`, or `ref.load({ filters: false })`) a caller would
// reach every company's rows. Here the entity of a reference is a detached stub (its primary key,
// not initialized) made on first use, and `load()` reads the row itself through the source: a
// fresh fork of the scope (tenant filter on) and, when the source knows its company, a company
// predicate. What it loads is a detached snapshot too. Most callers only read `ref.id`, which
// needs none of it.

const PK = Symbol('overlay.referencePk');
const SOURCE = Symbol('overlay.referenceSource');
const LOADED = Symbol('overlay.referenceLoaded');

interface LazyReference {
  [PK]: unknown;
  [SOURCE]: ReferenceSource;
  [LOADED]?: boolean;
  property: unknown;
  entity: object;
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

function setEntity(ref: LazyReference, value: unknown): void {
  Object.defineProperty(ref, 'entity', { value, writable: true, enumerable: true, configurable: true });
}

/** Per target entity: Reference's prototype plus primary key getters, the lazy `entity` and a scoped `load`. */
function lazyPrototypeOf(target: EntityMetadata): object {
  let prototype = prototypes.get(target);
  if (prototype) return prototype;
  const descriptors: PropertyDescriptorMap = {
    entity: {
      get(this: LazyReference) {
        const entity = this[SOURCE].stub(target, this[PK]);
        setEntity(this, entity);
        return entity;
      },
      set(this: LazyReference, value: unknown) {
        setEntity(this, value);
      },
      configurable: true,
    },
    isInitialized: {
      value(this: LazyReference) {
        return this[LOADED] === true;
      },
      configurable: true,
    },
    load: {
      async value(this: LazyReference, options?: object) {
        return this[SOURCE].load(this, target, options);
      },
      configurable: true,
    },
    loadOrFail: {
      async value(this: LazyReference, options?: object) {
        const entity = await this[SOURCE].load(this, target, options);
        if (!entity) throw new NotFoundError(target.className, this[PK]);
        return entity;
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
 * Where the relation properties of the entities one call returns get their references, and
 * where those references load from: one fresh fork of the scope's EntityManager (empty identity
 * map, the tenant filter on), made when a reference is first loaded and shared by every row of
 * the call. With `companyId`, a load also requires the row to be that company's (or, for a
 * company, to be it). No reference, and nothing a reference loads, holds an EntityManager.
 *
 * @example
 * const refs = new ReferenceSource(ctx.em, () => fork(), companyId);
 * const workflows = mapRows(refs, Workflow, rows); // wf.company.id, await wf.company.load()
 */
export class ReferenceSource {
  readonly #from: SqlEntityManager;
  readonly #fork: () => SqlEntityManager;
  readonly #companyId: number | undefined;
  #em: SqlEntityManager | undefined;
  readonly #cache = new Map<string, unknown>();

  /**
   * `from`: an EntityManager of the ORM; `fork`: makes the EntityManager loads run on;
   * `companyId`: the company every loaded row must belong to.
   */
  constructor(
    from: SqlEntityManager,
    fork: () => SqlEntityManager = () => from.fork({ clear: true, keepTransactionContext: true }) as SqlEntityManager,
    companyId?: number,
  ) {
    this.#from = from;
    this.#fork = fork;
    this.#companyId = companyId;
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

  /** The entity of a reference before it is loaded: its primary key only, not initialized, in no EntityManager. */
  stub(target: EntityMetadata, id: unknown): object {
    const stub = Object.setPrototypeOf({ [target.primaryKeys[0]]: id }, target.prototype as object) as object;
    // As MikroORM marks the entity of a reference it has not loaded (serialized as its key).
    (wrap(stub, true) as unknown as { __initialized: boolean }).__initialized = false;
    return stub;
  }

  /**
   * Loads the row of `ref` (once) as a detached snapshot, or null when it is missing or another
   * company's. Options are refused: none of MikroORM's (`filters`, `populate`, `refresh`…) would
   * be honoured, and `filters: false` must not look as if it had been.
   */
  async load(ref: LazyReference, target: EntityMetadata, options?: object): Promise<object | null> {
    if (options !== undefined && (options === null || typeof options !== 'object' || Object.keys(options).length > 0)) {
      throw new InvalidInputError(
        'options',
        "a returned entity's reference loads through the tenant scope and takes no options",
      );
    }
    if (ref[LOADED] === true) return ref.entity;
    const where = this.#where(target, ref[PK]);
    if (where === null) return null;
    let entity: object | null;
    try {
      this.#em ??= this.#fork();
      const found = await this.#em.findOne(target.className, where as never);
      entity = found && snapshotOf(this, found as object);
    } catch (error) {
      throw convertError(error, `Loading ${target.className} ${String(ref[PK])}`);
    }
    if (entity === null) return null;
    // Serialized in its parent as its key, as MikroORM serializes a loaded reference it did not populate.
    wrap(entity, true).populated(false);
    setEntity(ref, entity);
    ref[LOADED] = true;
    return entity;
  }

  #where(target: EntityMetadata, id: unknown): unknown {
    const companyId = this.#companyId;
    if (companyId === undefined) return id;
    if (target.className === 'Company') return id === companyId ? id : null;
    if (target.properties.company) return { [target.primaryKeys[0]]: id, company: companyId };
    return id;
  }
}
