import { z } from '../http/zod';
import { dictionaries } from './index';

type Wire = { [N in keyof typeof dictionaries]: { title: string; labels: (typeof dictionaries)[N]['labels'] } };

/** Every dictionary as clients read it: its title and its labels by value, in the dictionary's order. */
export function dictionariesReply(): Wire {
  return Object.fromEntries(Object.entries(dictionaries).map(([name, d]) => [name, { title: d.title, labels: { ...d.labels } }])) as Wire;
}

/** The reply's schema names each value and its label, so the OpenAPI document carries every label too. */
export const DictionariesReply = z
  .object(
    Object.fromEntries(
      Object.entries(dictionaries).map(([name, d]) => [
        name,
        z
          .object({
            title: z.literal(d.title),
            labels: z.object(Object.fromEntries(Object.entries(d.labels as Record<string, string>).map(([v, label]) => [v, z.literal(label)]))).strict(),
          })
          .strict(),
      ]),
    ),
  )
  .strict()
  .openapi('Dictionaries');
