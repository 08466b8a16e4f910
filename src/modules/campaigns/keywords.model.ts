import { Schema } from 'mongoose';
import { defineModel } from '../../db/model';
import type { Card } from './campaigns.model';

/** A staff-edited keyword reply; overrides the default of the same keyword. */
interface KeywordDoc {
  _id: string;
  reply: string;
  card?: Card;
  enabled: boolean;
  updatedBy: string;
  updatedAt: Date;
}
const schema = new Schema<KeywordDoc>({
  _id: { type: String, required: true },
  reply: { type: String, required: true },
  card: Schema.Types.Mixed,
  enabled: { type: Boolean, required: true },
  updatedBy: { type: String, required: true },
  updatedAt: { type: Date, required: true },
});
export const Keywords = defineModel<KeywordDoc>('BotKeyword', schema);
