import type { Types } from 'mongoose';
import type { AppContext } from '../../context';
import { Residents, type ResidentDoc } from './residents.model';

type ResidentFields<K extends keyof ResidentDoc> = Pick<ResidentDoc, '_id' | K>;

const projection = (fields: readonly (keyof ResidentDoc)[]) => Object.fromEntries(fields.map((f) => [f, 1]));

/** Residents by id with only the named fields: how other modules read names, phones, villages and openids. */
export async function residentsByIds<K extends keyof ResidentDoc>(
  app: AppContext,
  ids: readonly Types.ObjectId[],
  fields: readonly K[],
): Promise<ResidentFields<K>[]> {
  return Residents(app.db)
    .find({ _id: { $in: [...ids] } }, projection(fields))
    .lean<ResidentFields<K>[]>();
}

/** One resident by id with only the named fields, or null. */
export async function residentById<K extends keyof ResidentDoc>(app: AppContext, id: Types.ObjectId, fields: readonly K[]): Promise<ResidentFields<K> | null> {
  return Residents(app.db).findById(id, projection(fields)).lean<ResidentFields<K>>();
}

/** Residents still registered (not erased) per village under an area. */
export async function registeredByVillage(app: AppContext, areaCode: string): Promise<Map<string, number>> {
  const rows = await Residents(app.db).aggregate<{ _id: string; n: number }>([
    { $match: { areaPath: areaCode, erasedAt: { $exists: false } } },
    { $group: { _id: '$villageCode', n: { $sum: 1 } } },
  ]);
  return new Map(rows.map((r) => [r._id, r.n]));
}
