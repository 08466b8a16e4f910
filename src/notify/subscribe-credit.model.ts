import { Schema, Types } from 'mongoose';
import { defineModel } from '../db/model';

/**
 * One accepted wx.requestSubscribeMessage = one document = one message WeChat will let us send. Using a
 * credit is `deleteOne` by `_id`, so two senders can never spend the same one.
 */
interface SubscribeCreditDoc {
  _id: Types.ObjectId;
  residentId: Types.ObjectId;
  templateKey: string;
  createdAt: Date;
}

const schema = new Schema<SubscribeCreditDoc>({
  residentId: { type: Schema.Types.ObjectId, required: true },
  templateKey: { type: String, required: true },
  createdAt: { type: Date, required: true },
});
schema.index({ residentId: 1, templateKey: 1, _id: 1 });

export const SubscribeCredits = defineModel<SubscribeCreditDoc>('SubscribeCredit', schema);
