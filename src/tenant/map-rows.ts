import {
  type EntityMetadata,
  type EntityName,
  type EntityProperty,
  ReferenceKind,
  ScalarReference,
  Utils,
} from '@mikro-orm/core';
import { InvalidInputError } from '../errors.js';
import { prototypeWithExtra } from './attach-extra.js';
import type { ReferenceSource } from './reference-source.js';

// Rows read by hand-written SQL become entities here without MikroORM's entity factory. The
// factory registers every entity in an identity map and redefines its relation properties one
// instance at a time: about 20 µs a row, several times the cost of the query for a page of 50.
// What the factory's hydrator does to each value (custom types, booleans, many-to-one
// references) is done here from the same metadata, so values and JSON are the same (a test
// compares both paths field by field). Returned entities are detached snapshots: nothing
// tracks them, so nothing a caller changes on one is ever flushed.

enum Kind {
  Plain,
  Boolean,
  Custom,
  Reference,
}

interface Column {
  name: string;
  field: string;
  kind: Kind;
  prop: EntityProperty;
}

interface Plan {
  prototype: object;
  columns: Column[];
  /** Lazy scalar properties (a user's password hash), which MikroORM may wrap in a ScalarReference. */
  lazyReferences: EntityProperty[];
}

const plans = new WeakMap<EntityMetadata, Plan>();

function planOf(meta: EntityMetadata): Plan {
  let plan = plans.get(meta);
  if (plan) return plan;
  const columns: Column[] = [];
  for (const prop of meta.props) {
    // Lazy properties (a user's password hash) are never part of what the scope returns.
    if (prop.persist === false || prop.lazy || !prop.fieldNames || prop.fieldNames.length !== 1) continue;
    let kind: Kind;
    if (prop.kind === ReferenceKind.MANY_TO_ONE) kind = Kind.Reference;
    else if (prop.kind !== ReferenceKind.SCALAR) continue;
    else if (prop.customType) kind = Kind.Custom;
    else if (prop.runtimeType === 'boolean') kind = Kind.Boolean;
    else kind = Kind.Plain;
    columns.push({ name: prop.name, field: prop.fieldNames[0], kind, prop });
  }
  const lazyReferences = meta.props.filter((prop) => prop.lazy && prop.kind === ReferenceKind.SCALAR);
  plan = { prototype: meta.prototype, columns, lazyReferences };
  plans.set(meta, plan);
  return plan;
}

/**
 * The column names {@link mapRows} reads for `entity`, in property order.
 *
 * @example
 * mappedColumns(orm.getMetadata().get('Workflow')); // ['id', 'company_id', …]
 */
export function mappedColumns(meta: EntityMetadata): string[] {
  return planOf(meta).columns.map((column) => column.field);
}

/** A computed column of the rows that becomes an extra field of each entity (and of its JSON). */
export interface ExtraColumn {
  key: string;
  column: string;
  value(raw: unknown): unknown;
}

/**
 * Turns rows (column names as keys, as the driver returns them) into entities of `entity`:
 * custom types converted as MikroORM converts them, booleans as booleans, many-to-one columns
 * as references from `refs`. Extra columns of a row are ignored; a column the row lacks stays
 * unset, as MikroORM leaves it. With `extra`, each entity also gets `extra.key` from a computed
 * column (an own field, and in the entity's JSON).
 *
 * @example
 * const steps = mapRows(new ReferenceSource(ctx.em), Step, rows);
 */
export function mapRows<T extends object>(
  refs: ReferenceSource,
  entity: EntityName<T>,
  rows: readonly Record<string, unknown>[],
  extra?: ExtraColumn,
): T[] {
  const meta = refs.metadata.get<T>(Utils.className(entity));
  const plan = planOf(meta as EntityMetadata);
  const columns = plan.columns;
  const prototype = extra ? prototypeWithExtra(plan.prototype, extra.key) : plan.prototype;
  const platform = refs.platform;
  const out: T[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    // Filled as a plain object, then given the entity prototype: the prototype has a setter per
    // property (MikroORM's change tracking) that would turn every assignment into ~1 µs of work.
    const target: Record<string, unknown> = {};
    for (let c = 0; c < columns.length; c++) {
      const column = columns[c];
      const value = row[column.field];
      if (value === undefined) continue;
      if (value === null) {
        target[column.name] = null;
        continue;
      }
      switch (column.kind) {
        case Kind.Plain:
          target[column.name] = value;
          break;
        case Kind.Boolean:
          target[column.name] = !!value;
          break;
        case Kind.Custom:
          target[column.name] = column.prop.customType!.convertToJSValue(value, platform);
          break;
        case Kind.Reference:
          target[column.name] = refs.reference(column.prop.targetMeta!, value);
          break;
      }
    }
    if (extra) target[extra.key] = extra.value(row[extra.column]);
    out[i] = Object.setPrototypeOf(target, prototype) as T;
  }
  return out;
}

/**
 * A detached copy of an entity MikroORM loaded (or created): what {@link mapRows} would have made
 * of its row, with many-to-one values as references from `refs`. MikroORM's entity keeps the
 * EntityManager that loaded it (`wrap(e, true).__em`), and with it every company's rows; the copy
 * keeps none. Hidden properties (a company's invite token) stay readable by name but are not
 * enumerable, so `util.inspect` and JSON leave them out.
 *
 * @example
 * const user = snapshotOf(new ReferenceSource(em), await em.findOneOrFail(User, id));
 */
export function snapshotOf<T extends object>(refs: ReferenceSource, entity: T): T {
  const plan = planOf((entity as unknown as { __meta: EntityMetadata }).__meta);
  const source = entity as Record<string, unknown>;
  const target: Record<string, unknown> = {};
  for (const column of plan.columns) {
    const value = source[column.name];
    if (value === undefined) continue;
    if (value !== null && column.kind === Kind.Reference) {
      const targetMeta = column.prop.targetMeta!;
      // A Reference and an entity both expose the primary key, neither needs loading for it.
      target[column.name] = refs.reference(targetMeta, (value as Record<string, unknown>)[targetMeta.primaryKeys[0]]);
    } else if (column.prop.hidden) {
      Object.defineProperty(target, column.name, { value, enumerable: false, writable: true, configurable: true });
    } else {
      target[column.name] = value;
    }
  }
  // A lazy property MikroORM left unloaded (a user's password hash) stays an unloaded reference
  // that cannot be loaded: loading it needed the EntityManager the copy drops.
  for (const prop of plan.lazyReferences) {
    const value = source[prop.name];
    if (value instanceof ScalarReference && !value.isInitialized()) target[prop.name] = new UnloadedScalar(prop.name);
  }
  return Object.setPrototypeOf(target, plan.prototype) as T;
}

/** An unloaded lazy property of a detached entity: `isInitialized()` false, `load()` INVALID_INPUT. */
class UnloadedScalar<T> extends ScalarReference<T> {
  readonly #field: string;
  constructor(field: string) {
    super(undefined, false);
    this.#field = field;
  }

  override async load(): Promise<T | undefined> {
    throw new InvalidInputError(this.#field, 'is not loaded through an entity this library returned');
  }
}
