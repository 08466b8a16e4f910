import { Schema, Types } from 'mongoose';
import { defineModel } from '../../db/model';
import { campaignStatus } from '../../dictionaries';

export const CAMPAIGN_STATUSES = campaignStatus.values;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

export interface Card {
  title: string;
  pagePath: string;
  thumbUrl?: string;
}

export type Schedule = { kind: 'now' } | { kind: 'once'; at: Date } | { kind: 'cron'; cron: string };

export interface CampaignDoc {
  _id: Types.ObjectId;
  /** `campaign` (scheduled), `broadcast` (immediate), `daily_tips` (text drawn from the tips library). */
  kind: 'campaign' | 'broadcast' | 'daily_tips';
  title: string;
  text: string;
  card?: Card;
  /** Shown instead of the card when the puppet cannot send cards. */
  linkText?: string;
  targets: { all: boolean; areaCodes: string[]; roomIds: string[] };
  schedule: Schedule;
  quietHours?: { startMin: number; endMin: number };
  endAt?: Date;
  status: CampaignStatus;
  /** The creator's scope: who may see and approve it. */
  areaCode: string;
  areaPath: string[];
  createdBy: string;
  /** Names as shown to staff, kept with the record (the account may be renamed or disabled later). */
  createdByName?: string;
  approvedBy?: string;
  approvedByName?: string;
  /** The reviewer's reason when the campaign was sent back to draft. */
  reviewNote?: string;
  approvedAt?: Date;
  /** The scheduler has looked at occurrences up to here. */
  scanCursor?: Date;
  createdAt: Date;
  updatedAt: Date;
}
const schema = new Schema<CampaignDoc>(
  {
    kind: { type: String, required: true },
    title: { type: String, required: true },
    text: { type: String, default: '' },
    card: Schema.Types.Mixed,
    linkText: String,
    targets: { type: Schema.Types.Mixed, required: true },
    schedule: { type: Schema.Types.Mixed, required: true },
    quietHours: Schema.Types.Mixed,
    endAt: Date,
    status: { type: String, required: true, enum: CAMPAIGN_STATUSES },
    areaCode: { type: String, required: true },
    areaPath: { type: [String], required: true },
    createdBy: { type: String, required: true },
    createdByName: String,
    approvedBy: String,
    approvedByName: String,
    reviewNote: String,
    approvedAt: Date,
    scanCursor: Date,
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { minimize: false },
);
schema.index({ status: 1 });
schema.index({ areaPath: 1, _id: -1 });
schema.index({ kind: 1 });
export const Campaigns = defineModel<CampaignDoc>('Campaign', schema);

/** One per (campaign, occurrence): inserting it decides who fires; `expandedAt` says the outbox is complete. */
interface OccurrenceDoc {
  _id: string;
  campaignId: Types.ObjectId;
  occurrence: string;
  scheduledAt: Date;
  state: 'fired' | 'skipped';
  rooms?: number;
  expandedAt?: Date;
  createdAt: Date;
}
const occSchema = new Schema<OccurrenceDoc>({
  _id: { type: String, required: true },
  campaignId: { type: Schema.Types.ObjectId, required: true },
  occurrence: { type: String, required: true },
  scheduledAt: { type: Date, required: true },
  state: { type: String, required: true },
  rooms: Number,
  expandedAt: Date,
  createdAt: { type: Date, required: true },
});
occSchema.index({ campaignId: 1, scheduledAt: -1 });
occSchema.index({ state: 1, expandedAt: 1 });
export const Occurrences = defineModel<OccurrenceDoc>('CampaignOccurrence', occSchema);
