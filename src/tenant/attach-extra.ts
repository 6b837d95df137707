import { wrap } from '@mikro-orm/core';

// Per entity prototype and extra key, a prototype that adds the key to the entity's JSON. One
// `toJSON` shared by every entity of a page, instead of a closure per entity.
const prototypes = new WeakMap<object, Map<string, object>>();

/**
 * `prototype` extended with a `toJSON` that adds `key` (read from the entity) to the JSON.
 *
 * @example
 * Object.setPrototypeOf(row, prototypeWithExtra(Workflow.meta.prototype, 'stepCount'));
 */
export function prototypeWithExtra(prototype: object, key: string): object {
  let byKey = prototypes.get(prototype);
  if (!byKey) {
    byKey = new Map();
    prototypes.set(prototype, byKey);
  }
  let extended = byKey.get(key);
  if (!extended) {
    extended = Object.create(prototype, {
      toJSON: {
        // JSON.stringify passes the property key as an argument; it is not a list of fields to hide.
        value(this: object) {
          return { ...wrap(this).toObject(), [key]: (this as Record<string, unknown>)[key] };
        },
        enumerable: false,
        writable: false,
        configurable: true,
      },
    }) as object;
    byKey.set(key, extended);
  }
  return extended;
}

/**
 * Adds a computed, read-only field (a step count, the steps) to an entity the scope returns, and
 * keeps it in the entity's JSON: MikroORM serializes only mapped properties, so a plain extra
 * field would vanish from `JSON.stringify`. The field is not enumerable, so it is not mistaken
 * for a mapped property.
 *
 * @example
 * const item = attachExtra(workflow, 'stepCount', 3); // item.stepCount === 3, and in its JSON
 */
export function attachExtra<T extends object, K extends string, V>(
  entity: T,
  key: K,
  value: V,
): T & Readonly<Record<K, V>> {
  Object.defineProperty(entity, key, { value, enumerable: false, writable: false, configurable: true });
  Object.setPrototypeOf(entity, prototypeWithExtra(Object.getPrototypeOf(entity) as object, key));
  return entity as T & Readonly<Record<K, V>>;
}
