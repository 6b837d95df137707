import {
  type EntityMetadata,
  type EntityName,
  type EntityProperty,
  JsonType,
  type Platform,
  ReferenceKind,
} from '@mikro-orm/core';
import { prototypeWithExtra } from './attach-extra.js';
import type { ReferenceSource } from './reference-source.js';

// Rows read by hand-written SQL become entities here without MikroORM's entity factory. The
// factory registers every entity in an identity map and redefines its relation properties one
// instance at a time: about 20 µs a row, several times the cost of the query for a page of 50.
// What the factory's hydrator does to each value (custom types, booleans, many-to-one
// references) is done here from the same metadata, so values and JSON are the same (a test
// compares both paths field by field). This is the library's one hydration: every entity it
// returns is made here. Returned entities are detached: nothing tracks them, so nothing a caller
// changes on one is ever flushed, and none reaches an EntityManager.

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

/** Makes the entity of one row: its mapped, non-hidden columns as own properties, on `prototype`. */
type Fill = (
  row: Record<string, unknown>,
  refs: ReferenceSource,
  platform: Platform,
  prototype: object,
) => Record<string, unknown>;

interface Plan {
  prototype: object;
  /** Made on the first {@link mapRows} of the entity, which knows the platform. */
  fill: Fill | undefined;
  /** The same for a result of one row, whose references are made when first read (see {@link compileFill}). */
  fillOne: Fill | undefined;
  /** Mapped columns that are not hidden, set as plain own properties. */
  columns: Column[];
  /** Hidden columns (a company's invite token): readable by name, left out of JSON and `util.inspect`. */
  hidden: Column[];
  /** Every mapped column, hidden or not, in property order. */
  all: Column[];
}

const plans = new WeakMap<EntityMetadata, Plan>();

function planOf(meta: EntityMetadata): Plan {
  let plan = plans.get(meta);
  if (plan) return plan;
  const all: Column[] = [];
  for (const prop of meta.props) {
    // Lazy properties (a user's password hash) are never read.
    if (prop.persist === false || prop.lazy || !prop.fieldNames || prop.fieldNames.length !== 1) continue;
    let kind: Kind;
    if (prop.kind === ReferenceKind.MANY_TO_ONE) kind = Kind.Reference;
    else if (prop.kind !== ReferenceKind.SCALAR) continue;
    else if (prop.customType) kind = Kind.Custom;
    else if (prop.runtimeType === 'boolean') kind = Kind.Boolean;
    else kind = Kind.Plain;
    all.push({ name: prop.name, field: prop.fieldNames[0], kind, prop });
  }
  const columns = all.filter((column) => !column.prop.hidden);
  plan = {
    prototype: meta.prototype,
    fill: undefined,
    fillOne: undefined,
    columns,
    hidden: all.filter((column) => column.prop.hidden),
    all,
  };
  plans.set(meta, plan);
  return plan;
}

/**
 * The function that makes the entity of one row, generated once per entity: the row's mapped,
 * non-hidden columns as own properties of an object whose prototype is `prototype`.
 *
 * Why generated: a loop over the columns (`target[column.name] = …`) makes every read and store
 * a keyed access whose key changes each time, which V8 runs through its slowest (megamorphic)
 * path; and giving a filled object its prototype afterwards (`Object.setPrototypeOf`, or
 * `__proto__` in a literal) costs about 0.45 µs an object, as V8 rebuilds its hidden class. The
 * generated class starts from `Object.create(prototype)` and defines each column as a class field:
 * fields are defined, not assigned, so the prototype's setters (MikroORM's change tracking) never
 * run, and each access is monomorphic (a step row: 4.7 µs before, 2.6 µs after, most of it the
 * JSON parsing a raw driver's caller does too). Property names come from the entity metadata,
 * written as JSON string literals. A row that lacks a column takes {@link fillSlowly}, which
 * leaves that property unset.
 *
 * With `lazyReferences` (a result of one row: a new screenshot, a recorded run), each many-to-one
 * property is an own enumerable accessor that takes its reference from `refs` when first read,
 * and becomes a plain property when assigned. A MikroORM `Reference` costs about 4.5 µs to make
 * (its entity stub, its wrapper and their property definitions), most of a one-row call's own
 * work, and many callers never read it; the accessor costs a fraction of a microsecond. JSON,
 * `util.inspect`, `Object.keys` and the key order are the same, and every read returns the one
 * reference `refs` holds for that row. A page of rows shares its references through `refs`
 * instead (one per distinct key), where an accessor per row would cost more.
 *
 * The accessor is added, never put in place of a field: turning a data property into an accessor
 * makes V8 keep the object's properties in a dictionary (every later read slower). So the class
 * is a chain, one link per reference property: the fields before it, then (in the next link's
 * constructor, after its parent's fields exist) the accessor, then the fields after it.
 */
function compileFill(columns: readonly Column[], platform: Platform, lazyReferences = false): Fill {
  const present: string[] = [];
  const args: unknown[] = columns.map(() => undefined);
  // The class chain: each link's fields, and the members of the link that adds an accessor.
  const links: string[][] = [[]];
  columns.forEach((column, i) => {
    const field = JSON.stringify(column.field);
    const name = JSON.stringify(column.name);
    present.push(`r[${field}] !== undefined`);
    let value: string;
    switch (column.kind) {
      case Kind.Plain:
        value = `row[${field}]`;
        break;
      case Kind.Boolean:
        value = `(v = row[${field}]) === null ? null : !!v`;
        break;
      case Kind.Custom: {
        const json = jsonHandling(column.prop, platform);
        if (json === 'as-is') value = `row[${field}]`;
        else if (json === 'parse') value = `typeof (v = row[${field}]) === 'string' ? parseJson(v) : v`;
        else {
          args[i] = column.prop.customType;
          value = `(v = row[${field}]) === null ? null : a${i}.convertToJSValue(v, platform)`;
        }
        break;
      }
      case Kind.Reference:
        args[i] = column.prop.targetMeta;
        if (lazyReferences) {
          // One shared descriptor per property, so defining it allocates nothing; a null key is a plain null.
          links.push([
            `#refs = refs; #key = row[${field}]; #ref;`,
            `static accessor = { get() { return this.#ref ??= this.#refs.reference(a${i}, this.#key); }, ` +
              `set(value) { assign(this, ${name}, value); }, enumerable: true, configurable: true };`,
            `constructor() { super(); if (this.#key === null) assign(this, ${name}, null); ` +
              `else Object.defineProperty(this, ${name}, L${links.length}.accessor); }`,
          ]);
          links.push([]);
          return;
        }
        value = `(v = row[${field}]) === null ? null : refs.reference(a${i}, v)`;
        break;
    }
    links[links.length - 1].push(`${name} = ${value};`);
  });
  const classes = links.map(
    (members, k) => `class L${k} extends ${k === 0 ? 'Base' : `L${k - 1}`} { ${members.join(' ')} }`,
  );
  const body = `
    let row, refs, platform, prototype, v;
    function Base() { return Object.create(prototype); }
    function assign(entity, name, value) {
      Object.defineProperty(entity, name, { value, writable: true, enumerable: true, configurable: true });
    }
    ${classes.join('\n    ')}
    return function fill(r, rf, pl, p) {
      if (!(${present.join(' && ') || 'true'})) return slow(r, rf, pl, p);
      row = r; refs = rf; platform = pl; prototype = p;
      const entity = new L${links.length - 1}();
      row = refs = platform = prototype = v = undefined;
      return entity;
    };`;
  const slow: Fill = (row, refs, platform, prototype) => fillSlowly(columns, row, refs, platform, prototype);
  return new Function('slow', 'parseJson', ...columns.map((_, i) => `a${i}`), body)(slow, parseJson, ...args) as Fill;
}

/**
 * What MikroORM's `JsonType` does with a JSON text column's value on `platform`, asked of the type
 * itself once: leave it as it is (PostgreSQL, whose driver parses jsonb), or parse it as MikroORM's
 * `parseJsonSafe` does (SQLite). Calling the type per value cost 130 ns more than the parse alone
 * (six JSON columns a step row). Any other custom type, or an answer that is neither, is called
 * per value.
 */
function jsonHandling(prop: EntityProperty, platform: Platform): 'as-is' | 'parse' | 'call' {
  const type = prop.customType;
  if (type === undefined || Object.getPrototypeOf(type) !== JsonType.prototype) return 'call';
  const probe = '{"probe":[1]}';
  const answer = type.convertToJSValue(probe, platform) as unknown;
  if (answer === probe) return 'as-is';
  const parsed = answer as { probe?: unknown } | null;
  return Array.isArray(parsed?.probe) && parsed.probe[0] === 1 ? 'parse' : 'call';
}

/** MikroORM's `parseJsonSafe` of a string: the parsed value, or the text itself when it is no JSON. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** {@link compileFill}'s entity of a row that lacks some columns: those stay unset. */
function fillSlowly(
  columns: readonly Column[],
  row: Record<string, unknown>,
  refs: ReferenceSource,
  platform: Platform,
  prototype: object,
): Record<string, unknown> {
  // Filled as a plain object, then given the entity prototype: the prototype has a setter per
  // property (MikroORM's change tracking) that would turn every assignment into ~1 µs of work.
  const target: Record<string, unknown> = {};
  for (const column of columns) {
    const value = row[column.field];
    if (value !== undefined) target[column.name] = value === null ? null : jsValue(column, value, refs, platform);
  }
  return Object.setPrototypeOf(target, prototype) as Record<string, unknown>;
}

/**
 * The column names {@link mapRows} reads for `entity`, in property order.
 *
 * @example
 * mappedColumns(orm.getMetadata().get('Workflow')); // ['id', 'company_id', …]
 */
export function mappedColumns(meta: EntityMetadata): string[] {
  return planOf(meta).all.map((column) => column.field);
}

const loadLists = new WeakMap<EntityMetadata, string>();

/**
 * The quoted column list a reference load reads of `meta`'s table: what {@link mapRows} maps,
 * without hidden properties (a company's invite token is never read through a reference).
 *
 * @example
 * `select ${loadColumns(meta, em.getPlatform())} from "users" where "id" = ? and "company_id" = ?`
 */
export function loadColumns(meta: EntityMetadata, platform: Platform): string {
  let list = loadLists.get(meta);
  if (list === undefined) {
    list = planOf(meta)
      .columns.map((column) => platform.quoteIdentifier(column.field))
      .join(', ');
    loadLists.set(meta, list);
  }
  return list;
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
 * unset, as MikroORM leaves it. Hidden properties (a company's invite token) are readable by
 * name but not enumerable, so JSON and `util.inspect` leave them out; lazy ones (a user's
 * password hash) are never read. With `extra`, each entity also gets `extra.key` from a computed column (an own field, and in
 * the entity's JSON).
 *
 * @example
 * const steps = mapRows(ctx.references(), Step, rows);
 */
export function mapRows<T extends object>(
  refs: ReferenceSource,
  entity: EntityName<T>,
  rows: readonly Record<string, unknown>[],
  extra?: ExtraColumn,
): T[] {
  const meta = refs.metadata.get<T>(entity);
  const plan = planOf(meta as EntityMetadata);
  const platform = refs.platform;
  let fill: Fill;
  if (rows.length === 1) fill = plan.fillOne ??= compileFill(plan.columns, platform, true);
  else fill = plan.fill ??= compileFill(plan.columns, platform);
  const hidden = plan.hidden.length > 0;
  const prototype = extra ? prototypeWithExtra(plan.prototype, extra.key) : plan.prototype;
  const out: T[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    const target = fill(row, refs, platform, prototype);
    if (hidden) mapHidden(plan, refs, row, target);
    if (extra) target[extra.key] = extra.value(row[extra.column]);
    out[i] = target as T;
  }
  return out;
}

/** The JavaScript value of one non-null column value, as MikroORM's hydrator makes it. */
function jsValue(column: Column, value: unknown, refs: ReferenceSource, platform: Platform): unknown {
  switch (column.kind) {
    case Kind.Plain:
      return value;
    case Kind.Boolean:
      return !!value;
    case Kind.Custom:
      return column.prop.customType!.convertToJSValue(value, platform);
    case Kind.Reference:
      return refs.reference(column.prop.targetMeta!, value);
  }
}

/** The hidden properties of one row (rare: a company's invite token). */
function mapHidden(plan: Plan, refs: ReferenceSource, row: Record<string, unknown>, target: object): void {
  for (const column of plan.hidden) {
    const raw = row[column.field];
    if (raw === undefined) continue;
    const value = raw === null ? null : jsValue(column, raw, refs, refs.platform);
    Object.defineProperty(target, column.name, { value, enumerable: false, writable: true, configurable: true });
  }
}
