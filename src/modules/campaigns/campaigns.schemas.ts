import { z } from '../../http/zod';
import { PageQuery } from '../../lib/pagination';
import { CAMPAIGN_STATUSES } from './campaigns.model';

export const CardInput = z.object({
  title: z.string().min(1).max(40),
  pagePath: z.string().regex(/^pages\/[\w/-]+(\?[\w=&%-]*)?$/, '页面路径应以 pages/ 开头'),
  thumbUrl: z.string().url().max(500).optional(),
}).strict();

export const Targets = z.object({
  all: z.boolean().optional(),
  areaCodes: z.array(z.string().min(1).max(40)).max(200).optional(),
  roomIds: z.array(z.string().min(1).max(40)).max(2000).optional(),
}).strict();

const When = z.string().datetime({ offset: true });

export const CampaignBody = z.object({
  title: z.string().min(1).max(60),
  text: z.string().min(1).max(1000),
  card: CardInput.optional(),
  linkText: z.string().max(200).optional(),
  targets: Targets,
  schedule: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('once'), at: When }).strict(),
    z.object({ kind: z.literal('cron'), cron: z.string().min(9).max(100) }).strict(),
  ]),
  quietHours: z.string().regex(/^\d{2}:\d{2}-\d{2}:\d{2}$/).optional(),
  endAt: When.optional(),
}).strict().openapi('CampaignInput');

export const BroadcastBody = z.object({
  title: z.string().min(1).max(60).optional(),
  text: z.string().min(1).max(1000),
  card: CardInput.optional(),
  linkText: z.string().max(200).optional(),
  targets: Targets,
}).strict();

export const CampaignView = z.object({
  id: z.string(),
  kind: z.enum(['campaign', 'broadcast', 'daily_tips']),
  title: z.string(),
  text: z.string(),
  card: z.unknown(),
  linkText: z.string().nullable(),
  targets: z.object({ all: z.boolean(), areaCodes: z.array(z.string()), roomIds: z.array(z.string()) }),
  schedule: z.unknown(),
  status: z.enum(CAMPAIGN_STATUSES),
  areaCode: z.string(),
  createdBy: z.string(),
  approvedBy: z.string().nullable(),
  endAt: z.string().nullable(),
  createdAt: z.string(),
}).openapi('Campaign');

export const IdParams = z.object({ id: z.string().regex(/^[0-9a-f]{24}$/) }).strict();

export const ListQuery = PageQuery.extend({ status: z.enum(CAMPAIGN_STATUSES).optional() }).strict();

export const RoomView = z.object({
  id: z.string(), topic: z.string(), areaCode: z.string(), areaName: z.string(), active: z.boolean(), attention: z.string().nullable(), boundAt: z.string(),
}).openapi('BotRoom');

export const KeywordBody = z.object({ reply: z.string().min(1).max(300), card: CardInput.optional(), enabled: z.boolean().default(true) }).strict();
