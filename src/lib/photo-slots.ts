import { Schema, type SchemaDefinition, type Types } from 'mongoose';

/** What every sealed photo record has: its numbered slot, the GridFS file, and the key that sealed it. */
export interface PhotoSlotFields {
  _id: Types.ObjectId;
  slot: number;
  fileId: Types.ObjectId;
  contentType: 'image/jpeg' | 'image/png';
  size: number;
  keyId: string;
  createdAt: Date;
}

/** Schema of a photo collection whose owner is `ownerField`: unique (owner, slot) caps the photos under races. */
export function photoSlotSchema<T>(ownerField: string): Schema<T> {
  const schema = new Schema<T>({
    [ownerField]: { type: Schema.Types.ObjectId, required: true },
    slot: { type: Number, required: true },
    fileId: { type: Schema.Types.ObjectId, required: true },
    contentType: { type: String, required: true },
    size: { type: Number, required: true },
    keyId: { type: String, required: true },
    createdAt: { type: Date, required: true },
  } as SchemaDefinition);
  schema.index({ [ownerField]: 1, slot: 1 }, { unique: true });
  return schema;
}
