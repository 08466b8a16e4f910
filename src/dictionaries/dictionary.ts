import { z } from 'zod';

/**
 * A closed set of values with the Chinese label every client shows for each: the values' zod enum for
 * schemas and models, and the labels, declared together so neither can name a value the other lacks.
 */
export interface Dictionary<V extends string> {
  /** What the set is, in Chinese (the title of the reply's section). */
  readonly title: string;
  readonly labels: Readonly<Record<V, string>>;
  readonly values: readonly [V, ...V[]];
  readonly schema: z.ZodEnum<[V, ...V[]]>;
  /** The label of a value; a value the dictionary does not name (an old record's) is shown as written. */
  label(value: string): string;
}

export function dictionary<const V extends string>(title: string, labels: { readonly [K in V]: string }): Dictionary<V> {
  const values = Object.keys(labels) as V[];
  if (!values.length) throw new Error(`dictionary ${title} names no value`);
  const tuple = values as [V, ...V[]];
  const known = labels as Readonly<Record<string, string>>;
  return {
    title,
    labels,
    values: tuple,
    schema: z.enum(tuple),
    label: (value) => (Object.hasOwn(known, value) ? known[value]! : value),
  };
}

/** The type of a dictionary's values. */
export type ValueOf<D> = D extends Dictionary<infer V> ? V : never;
