import { wrap } from '@mikro-orm/core';

/**
 * Adds a computed, read-only field (a step count, the steps) to an entity the scope returns, and
 * keeps it in the entity's JSON: MikroORM serializes only mapped properties, so a plain extra
 * field would vanish from `JSON.stringify`. The field is not enumerable, so MikroORM never treats
 * it as entity state.
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
  Object.defineProperty(entity, 'toJSON', {
    // JSON.stringify passes the property key as an argument; it is not a list of fields to hide.
    value: () => ({ ...wrap(entity).toObject(), [key]: value }),
    enumerable: false,
    writable: false,
    configurable: true,
  });
  return entity as T & Readonly<Record<K, V>>;
}
