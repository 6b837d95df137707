import type { EntitySchema, Hidden, HiddenProps, InferEntity, Opt, OptionalProps } from '@mikro-orm/core';

type Same<A, B> = (<G>() => G extends A ? 1 : 2) extends <G>() => G extends B ? 1 : 2 ? true : false;
type Keys<T> = Extract<keyof T, string>;
type Listed<T, S extends symbol> = T extends { [K in S]?: infer Names } ? Names : never;
// The same brands, put the same way, as `defineEntity` puts them on what it infers.
type WithOpt<V, On> = On extends true ? Opt<NonNullable<V>> | Extract<V, null | undefined> : V;
type WithHidden<V, On> = On extends true ? Hidden<NonNullable<V>> | Extract<V, null | undefined> : V;

/**
 * An entity interface as `defineEntity` would infer it: a property named in `[OptionalProps]` is
 * branded `Opt`, one named in `[HiddenProps]` is branded `Hidden`; symbol keys are left out.
 */
export type AsInferred<T> = {
  [K in Keys<T>]: WithHidden<
    WithOpt<T[K], K extends Listed<T, typeof OptionalProps> ? true : false>,
    K extends Listed<T, typeof HiddenProps> ? true : false
  >;
};

/** The string keys whose types differ between `A` and `B`, or that only one of them has. */
export type DifferingKeys<A, B> = {
  [K in Keys<A> | Keys<B>]: K extends Keys<A>
    ? K extends Keys<B>
      ? Same<A[K], B[K]> extends true
        ? never
        : K
      : K
    : K;
}[Keys<A> | Keys<B>];

type Missing = 'missing';
type Drift<T, Inferred> = [DifferingKeys<AsInferred<T>, Pick<Inferred, Keys<Inferred>>>] extends [never]
  ? unknown
  : {
      // What the compiler prints when the interface and the schema disagree: the property, both types.
      '~drift': {
        [K in DifferingKeys<AsInferred<T>, Pick<Inferred, Keys<Inferred>>>]: {
          interface: K extends keyof AsInferred<T> ? AsInferred<T>[K] : Missing;
          schema: K extends keyof Inferred ? Inferred[K] : Missing;
        };
      };
    };

/**
 * Types a `defineEntity` schema as `EntitySchema<T>` for the hand-written entity interface `T`, so
 * declarations and hovers name `T` instead of spelling out the inferred type. It does not compile
 * when `T` and what the schema infers differ in a property, its type, `[OptionalProps]` (a default)
 * or `[HiddenProps]`; the error lists each differing property with both types.
 *
 * @example
 * export interface Tag { id: number; name: string; [OptionalProps]?: 'id' }
 * export const Tag = schemaFor<Tag>()(defineEntity({ name: 'Tag', properties: { id: p.integer().primary().autoincrement(), name: p.text() } }));
 */
export function schemaFor<T extends object>() {
  return <S extends EntitySchema<any, any, any>>(schema: S & Drift<T, InferEntity<S>>): EntitySchema<T> =>
    schema as unknown as EntitySchema<T>;
}
