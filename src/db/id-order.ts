import { mongo } from 'mongoose';

/**
 * The filter that continues a read in `_id` order after `lastId`, or null when `_id > lastId` could leave
 * documents out: `$gt` compares within one BSON type, so it is used only for ObjectId and string `_id`s, and only
 * when every `_id` of the collection has that type.
 */
export async function afterId(coll: mongo.Collection<any>, lastId: unknown, session?: mongo.ClientSession): Promise<mongo.Filter<mongo.Document> | null> {
  const type = lastId instanceof mongo.ObjectId ? 'objectId' : typeof lastId === 'string' ? 'string' : null;
  if (!type) return null;
  const other = await coll.findOne({ _id: { $not: { $type: type } } }, { projection: { _id: 1 }, ...(session ? { session } : {}) });
  return other ? null : { _id: { $gt: lastId as mongo.ObjectId } };
}
