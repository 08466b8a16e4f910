import type { Collection, Document } from 'mongodb';
import type { Model, Types } from 'mongoose';

/**
 * The driver's collection behind a model, typed by the model's documents: raw reads and writes (no casting,
 * no validation, no document objects) whose filters and documents are checked against the document type —
 * a string `_id` included, which the untyped collection takes for an ObjectId.
 */
export function collectionOf<T extends Document>(model: Model<T>): Collection<T> {
  return model.collection as unknown as Collection<T>;
}

/** A collection read by `_id` whatever its model's id type: for code generic over models (a loader by id). */
export function keyedCollection(model: Pick<Model<never>, 'collection'>): Collection<{ _id: Types.ObjectId | string }> {
  return model.collection as unknown as Collection<{ _id: Types.ObjectId | string }>;
}
