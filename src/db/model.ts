import type DataLoader from 'dataloader';
import type { Connection, Model, Schema } from 'mongoose';
import { coalescing } from '../lib/batch';

const factories: Array<(conn: Connection) => Model<any>> = [];

/**
 * Declare a model once; get it bound to any connection (tests use one database per file).
 * Indexes are declared on the schema and created by `ensureIndexes`, never by mongoose's autoIndex.
 */
export function defineModel<T>(name: string, schema: Schema<T>): (conn: Connection) => Model<T> {
  schema.set('autoIndex', false);
  schema.set('versionKey', false);
  const factory = (conn: Connection): Model<T> => (conn.models[name] as Model<T> | undefined) ?? conn.model<T>(name, schema);
  factories.push(factory);
  return factory;
}

/** Create every declared index (idempotent); run at start by the api and worker roles. */
export async function ensureIndexes(conn: Connection): Promise<void> {
  for (const factory of factories) {
    const model = factory(conn);
    await model.createCollection().catch((err: { codeName?: string }) => {
      if (err.codeName !== 'NamespaceExists') throw err;
    });
    await model.createIndexes();
  }
}

/** Duplicate-key error from a unique index: the loser of a race. */
export function isDuplicateKey(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: number }).code === 11000;
}

/**
 * Insert documents unordered (through a model or its raw collection); those refused by a unique index are
 * reported by their index in `docs`, any other failure is thrown. One command however many documents. The
 * driver reports one write error as an object and several as an array; a lone document may also fail with
 * the duplicate-key error itself.
 */
export async function insertManyKeyed<D extends object>(
  coll: { insertMany(docs: D[], o: { ordered: boolean }): Promise<unknown> },
  docs: D[],
): Promise<Set<number>> {
  if (!docs.length) return new Set();
  try {
    await coll.insertMany(docs, { ordered: false });
    return new Set();
  } catch (err) {
    const e = err as { writeErrors?: Array<{ index: number; code?: number; err?: { code?: number } }> | { index: number; code?: number } };
    if (e.writeErrors === undefined && docs.length === 1 && isDuplicateKey(err)) return new Set([0]);
    const errors = e.writeErrors === undefined ? [] : Array.isArray(e.writeErrors) ? e.writeErrors : [e.writeErrors];
    if (!errors.length || !errors.every((w) => (w.code ?? (w as { err?: { code?: number } }).err?.code) === 11000)) throw err;
    return new Set(errors.map((w) => w.index));
  }
}

/**
 * Insert documents in order, stopping at the first one a unique index refuses: returns its index in `docs`
 * (those before it are inserted, those after it are not tried), or `docs.length` when all went in. One
 * command. Any other failure is thrown.
 */
export async function insertInOrder<D extends object>(coll: { insertMany(docs: D[], o: { ordered: boolean }): Promise<unknown> }, docs: D[]): Promise<number> {
  if (!docs.length) return 0;
  try {
    await coll.insertMany(docs, { ordered: true });
    return docs.length;
  } catch (err) {
    const e = err as {
      writeErrors?: Array<{ index: number; code?: number; err?: { code?: number } }> | { index: number; code?: number; err?: { code?: number } };
    };
    const first = e.writeErrors === undefined ? undefined : Array.isArray(e.writeErrors) ? e.writeErrors[0] : e.writeErrors;
    if (!first || (first.code ?? first.err?.code) !== 11000) throw err;
    return first.index;
  }
}

type InsertTarget = { insertMany(docs: never[], o: { ordered: boolean }): Promise<unknown> };
const shared = new WeakMap<object, DataLoader<object, boolean>>();

/**
 * One document's insert, joined with the inserts that concurrent requests make into the same collection: one
 * unordered `insertMany` per round (`coalescing`), so a burst of a hundred requests costs the database and
 * the driver a command or two instead of a hundred. `true`: inserted; `false`: a unique index refused it (two
 * documents with one key in the same round: the first wins, as two inserts would). Alone, it waits one turn.
 */
export function insertShared(coll: InsertTarget, doc: object): Promise<boolean> {
  let l = shared.get(coll);
  if (!l) {
    shared.set(
      coll,
      (l = coalescing<object, boolean>(async (docs) => {
        const refused = await insertManyKeyed(coll, [...docs]);
        return docs.map((_, i) => !refused.has(i));
      })),
    );
  }
  return l.load(doc);
}

/** The error a refused `insertShared` stands for, for callers written around insertOne's duplicate key. */
export const duplicateKey = (): Error => Object.assign(new Error('E11000 duplicate key error'), { code: 11000 });
