import { type EntityClass, type EntityMetadata, type MetadataStorage, type Platform, Reference } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';
import { convertError } from '../database/convert-error.js';
import { InvalidInputError, NotFoundError } from '../errors.js';
import { query, READ } from '../executor/executor.js';
import { loadColumns, mapRows } from './map-rows.js';

// The relation properties of returned entities are MikroORM `Reference`s that reach no
// EntityManager. One MikroORM makes (`em.getReference`, or a relation of an entity it loaded)
// carries the EntityManager that made it, and through it (`ref.load({ filters: false })`, or the
// entity's own EntityManager) a caller would reach every company's rows. Here a reference wraps
// the uninitialized entity MikroORM's public `Reference.createNakedFromPK` makes (its primary key
// only, in no identity map, with no EntityManager), and `load()` reads the row through the scope:
// hand-written SQL with the company predicate, mapped by `mapRows` into another entity that holds
// no EntityManager either.

/** Runs a reference load, e.g. inside a transaction that sets the tenant for row-level security. */
export type LoadRunner = <T>(work: () => Promise<T>) => Promise<T>;

/**
 * A `Reference` whose `load()` reads through a {@link ReferenceSource}; options are refused. Its
 * MikroORM entity stays the uninitialized stub (MikroORM's `Reference` keeps it private): what
 * `load()` read is what `unwrap()`, `getEntity()` and `isInitialized()` report from then on, and a
 * parent serializes the reference as its key either way, as MikroORM does a reference it did not
 * populate.
 */
class ScopedReference<T extends object> extends Reference<T> {
  readonly #source: ReferenceSource;
  readonly #target: EntityMetadata<T>;
  readonly #id: unknown;
  #loaded: T | undefined;

  constructor(source: ReferenceSource, target: EntityMetadata<T>, id: unknown) {
    super(Reference.createNakedFromPK(target.class as EntityClass<T>, id as never));
    this.#source = source;
    this.#target = target;
    this.#id = id;
  }

  override isInitialized(): boolean {
    return this.#loaded !== undefined;
  }

  override unwrap(): T {
    return this.#loaded ?? super.unwrap();
  }

  override getEntity(): T {
    if (this.#loaded === undefined) throw new Error(`Reference<${this.#target.className}> ${this.#id} not initialized`);
    return this.#loaded;
  }

  /**
   * Loads the row (once) as a detached entity, or null when it is missing or another company's.
   * Options are refused: none of MikroORM's (`filters`, `populate`, `refresh`…) would be honoured,
   * and `filters: false` must not look as if it had been.
   */
  // `any`: MikroORM's signature is generic over populate hints that a scoped load never takes.
  override async load(options?: any): Promise<any> {
    if (options !== undefined && (options === null || typeof options !== 'object' || Object.keys(options).length > 0)) {
      throw new InvalidInputError(
        'options',
        "a returned entity's reference loads through the tenant scope and takes no options",
      );
    }
    if (this.#loaded !== undefined) return this.#loaded;
    const entity = await this.#source.load(this.#target, this.#id);
    if (entity !== null) this.#loaded = entity;
    return entity;
  }

  override async loadOrFail(options?: any): Promise<any> {
    const entity = await this.load(options);
    if (!entity) throw new NotFoundError(this.#target.className, this.#id);
    return entity;
  }
}

/**
 * Where the relation properties of the entities one call returns get their references (one per
 * row per call), and where those references load from: the EntityManager's database, with the
 * company predicate (a company loads only if it is that company). No reference, and nothing a
 * reference loads, holds an EntityManager.
 *
 * @example
 * const refs = new ReferenceSource(ctx.em, companyId);
 * const workflows = mapRows(refs, Workflow, rows); // wf.company.id, await wf.createdBy?.load()
 */
export class ReferenceSource {
  readonly #em: SqlEntityManager;
  readonly #companyId: number;
  readonly #run: LoadRunner | undefined;
  // Per target entity, per primary key: no key string to build and hash per row.
  readonly #cache = new Map<EntityMetadata, Map<unknown, unknown>>();

  /**
   * `em`: where loads run (through the executor); `companyId`: the company every loaded row must
   * belong to; `run`: wraps each load (the scope's transaction under row-level security).
   */
  constructor(em: SqlEntityManager, companyId: number, run?: LoadRunner) {
    this.#em = em;
    this.#companyId = companyId;
    this.#run = run;
  }

  /** The metadata of the ORM the rows belong to. */
  get metadata(): MetadataStorage {
    return this.#em.getMetadata();
  }

  /** The platform of the ORM the rows belong to. */
  get platform(): Platform {
    return this.#em.getPlatform();
  }

  /** A `Reference` (not loaded) to the `target` row with primary key `id`; one per row per source. */
  reference(target: EntityMetadata, id: unknown): unknown {
    let byId = this.#cache.get(target);
    if (byId === undefined) {
      byId = new Map();
      this.#cache.set(target, byId);
    }
    let ref = byId.get(id);
    if (ref === undefined) {
      ref = new ScopedReference(this, target, id);
      byId.set(id, ref);
    }
    return ref;
  }

  /** The `target` row `id` of this source's company as a detached entity, or null. */
  async load<T extends object>(target: EntityMetadata<T>, id: unknown): Promise<T | null> {
    const statement = this.#statement(target, id);
    if (statement === null) return null;
    const read = async () => {
      const rows = await query(this.#em, statement.sql, statement.params, READ);
      return rows.length === 0 ? null : mapRows<T>(this, target.class as EntityClass<T>, rows)[0];
    };
    try {
      return await (this.#run ? this.#run(read) : read());
    } catch (error) {
      throw convertError(error, `Loading ${target.className} ${String(id)}`);
    }
  }

  #statement(target: EntityMetadata, id: unknown): { sql: string; params: unknown[] } | null {
    const platform = this.platform;
    const pk = platform.quoteIdentifier(target.properties[target.primaryKeys[0]].fieldNames[0]);
    const from = `select ${loadColumns(target, platform)} from ${platform.quoteIdentifier(target.tableName)} where ${pk} = ?`;
    if (target.className === 'Company') return id === this.#companyId ? { sql: from, params: [id] } : null;
    const company = target.properties.company;
    if (company === undefined) return { sql: from, params: [id] };
    return {
      sql: `${from} and ${platform.quoteIdentifier(company.fieldNames[0])} = ?`,
      params: [id, this.#companyId],
    };
  }
}
