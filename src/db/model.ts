import type { Connection, Model, Schema } from 'mongoose';

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
