import { Schema } from 'mongoose';
import { defineModel } from '../db/model';

/** Access token shared by every instance, so they do not each fetch one. */
interface TokenCacheDoc {
  _id: string;
  token: string;
  expiresAt: Date;
}
const schema = new Schema<TokenCacheDoc>({
  _id: { type: String, required: true },
  token: { type: String, required: true },
  expiresAt: { type: Date, required: true },
});
export const TokenCache = defineModel<TokenCacheDoc>('WeChatToken', schema);
