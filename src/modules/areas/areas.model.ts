import { Schema } from 'mongoose';
import { defineModel } from '../../db/model';

export type AreaLevel = 'district' | 'town' | 'subdistrict' | 'village' | 'community';

export interface AreaDoc {
  code: string;
  name: string;
  level: AreaLevel;
  parentCode: string | null;
  /** Codes from the district down to this area itself: `{path: X}` finds everything under X. */
  path: string[];
  importBatch?: string;
  /** A village no longer offered to residents (merged, renamed away); its history stays under its code. */
  disabled?: boolean;
}

const schema = new Schema<AreaDoc>({
  code: { type: String, required: true },
  name: { type: String, required: true },
  level: { type: String, required: true, enum: ['district', 'town', 'subdistrict', 'village', 'community'] },
  parentCode: { type: String, default: null },
  path: { type: [String], required: true },
  importBatch: { type: String },
  disabled: { type: Boolean },
});
schema.index({ code: 1 }, { unique: true });
schema.index({ parentCode: 1, name: 1 });
schema.index({ path: 1 });

export const Areas = defineModel<AreaDoc>('Area', schema);

export const VILLAGE_LEVELS: readonly AreaLevel[] = ['village', 'community'];
