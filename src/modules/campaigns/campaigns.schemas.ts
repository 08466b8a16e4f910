import { IsoDateTime, z } from '../../http/zod';
import { PageQuery } from '../../lib/pagination';
import { CAMPAIGN_STATUSES } from './campaigns.model';
import { BOT_STATES, OUTAGE_REASONS } from './bot-status.model';

const CardInput = z
  .object({
    title: z.string().min(1).max(40),
    pagePath: z.string().regex(/^pages\/[\w/-]+(\?[\w=&%-]*)?$/, '页面路径应以 pages/ 开头'),
    thumbUrl: z.string().url().max(500).optional(),
  })
  .strict();

export const Targets = z
  .object({
    all: z.boolean().optional(),
    areaCodes: z.array(z.string().min(1).max(40)).max(200).optional(),
    roomIds: z.array(z.string().min(1).max(40)).max(2000).optional(),
  })
  .strict();

const When = z.string().datetime({ offset: true });

export const CampaignBody = z
  .object({
    title: z.string().min(1).max(60),
    text: z.string().min(1).max(1000),
    card: CardInput.optional(),
    linkText: z.string().max(200).optional(),
    targets: Targets,
    schedule: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('once'), at: When }).strict(),
      z.object({ kind: z.literal('cron'), cron: z.string().min(9).max(100) }).strict(),
    ]),
    quietHours: z
      .string()
      .regex(/^\d{2}:\d{2}-\d{2}:\d{2}$/)
      .optional(),
    endAt: When.optional(),
  })
  .strict()
  .openapi('CampaignInput');

export const BroadcastBody = z
  .object({
    title: z.string().min(1).max(60).optional(),
    text: z.string().min(1).max(1000),
    card: CardInput.optional(),
    linkText: z.string().max(200).optional(),
    targets: Targets,
  })
  .strict();

const Card = z.object({ title: z.string(), pagePath: z.string(), thumbUrl: z.string().optional() }).openapi('MiniProgramCard');

export const CampaignView = z
  .object({
    id: z.string(),
    kind: z.enum(['campaign', 'broadcast', 'daily_tips']),
    title: z.string(),
    text: z.string(),
    card: Card.nullable(),
    linkText: z.string().nullable(),
    targets: z.object({ all: z.boolean(), areaCodes: z.array(z.string()), roomIds: z.array(z.string()) }),
    schedule: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('now') }),
      z.object({ kind: z.literal('once'), at: IsoDateTime }),
      z.object({ kind: z.literal('cron'), cron: z.string() }),
    ]),
    status: z.enum(CAMPAIGN_STATUSES),
    areaCode: z.string(),
    createdBy: z.string(),
    createdByName: z.string().nullable(),
    approvedBy: z.string().nullable(),
    approvedByName: z.string().nullable(),
    /** The reviewer's reason, while a campaign sent back to draft waits for its author. */
    reviewNote: z.string().nullable(),
    /** This campaign's own quiet hours (HH:MM-HH:MM, Asia/Shanghai), beside the bot's. */
    quietHours: z.string().nullable(),
    endAt: IsoDateTime.nullable(),
    createdAt: IsoDateTime,
  })
  .openapi('Campaign');

export const CancelledCampaign = CampaignView.extend({ cancelledItems: z.number().int() });

const OutboxStatus = z.enum(['pending', 'sent', 'dead', 'cancelled']);

export const CampaignReport = z
  .object({
    campaign: z.object({ id: z.string(), title: z.string(), status: z.enum(CAMPAIGN_STATUSES) }),
    occurrences: z.array(
      z.object({
        occurrence: z.string(),
        scheduledAt: IsoDateTime,
        state: z.enum(['fired', 'skipped']),
        totals: z.object({ rooms: z.number().int(), sent: z.number().int(), pending: z.number().int(), dead: z.number().int(), cancelled: z.number().int() }),
        rooms: z.array(
          z.object({
            itemId: z.string(),
            roomId: z.string(),
            topic: z.string().nullable(),
            status: OutboxStatus,
            attempts: z.number().int(),
            lastError: z.string().nullable(),
            sentAt: IsoDateTime.nullable(),
          }),
        ),
      }),
    ),
  })
  .openapi('CampaignReport');

const BotOutage = z
  .object({
    reason: z.enum(OUTAGE_REASONS),
    reasonLabel: z.string(),
    message: z.string(),
    since: IsoDateTime,
    tries: z.number().int(),
    lastTryAt: IsoDateTime.nullable(),
    nextTryAt: IsoDateTime.nullable(),
    alertedAt: IsoDateTime.nullable(),
    until: IsoDateTime.nullable(),
  })
  .openapi('BotOutage');

export const BotStatus = z
  .object({
    name: z.string(),
    state: z.enum(BOT_STATES),
    qr: z.string().nullable(),
    account: z.object({ id: z.string(), name: z.string() }).nullable(),
    lastError: z.object({ message: z.string(), at: IsoDateTime }).nullable(),
    reconnects: z.number().int(),
    /** The current spell offline (reconnect tries, the last and the next), null while online. */
    outage: BotOutage.nullable(),
    /** The last spell offline that ended, with when it ended. */
    lastOutage: BotOutage.nullable(),
    /** Offline longer than BOT_OFFLINE_ALERT_MIN: the district admins' banner. */
    alert: z.object({ since: IsoDateTime, minutes: z.number().int(), message: z.string() }).nullable(),
    updatedAt: IsoDateTime.nullable(),
  })
  .openapi('BotStatus');

export const BindCode = z
  .object({ code: z.string(), areaCode: z.string(), areaName: z.string(), expiresAt: IsoDateTime, instruction: z.string() })
  .openapi('BotBindCodeCreated');

export const KeywordReply = z
  .object({ keyword: z.string(), reply: z.string(), card: Card.optional(), enabled: z.boolean(), custom: z.boolean() })
  .openapi('BotKeyword');

export const DeadItem = z
  .object({
    id: z.string(),
    key: z.string(),
    roomId: z.string().nullable(),
    attempts: z.number().int(),
    lastError: z.string().nullable(),
    source: z.record(z.string()),
    topic: z.string().nullable(),
    areaName: z.string().nullable(),
    textPreview: z.string(),
    createdAt: IsoDateTime,
  })
  .openapi('BotDeadItem');

export const IdParams = z.object({ id: z.string().regex(/^[0-9a-f]{24}$/) }).strict();

export const ListQuery = PageQuery.extend({
  status: z.enum(CAMPAIGN_STATUSES).optional(),
  kind: z.enum(['campaign', 'broadcast', 'daily_tips']).optional(),
  mine: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
}).strict();

export const Reach = z
  .object({
    groups: z.number().int(),
    /** The target areas by name (a village with its town). */
    areas: z.array(z.object({ code: z.string(), name: z.string() })),
    rooms: z.array(z.object({ id: z.string(), topic: z.string(), areaCode: z.string(), areaName: z.string() })),
  })
  .openapi('CampaignReach');

export const SendingRules = z
  .object({
    timeZone: z.literal('Asia/Shanghai'),
    /** The bot's quiet hours (HH:MM-HH:MM; may wrap midnight), null when there are none. */
    quietHours: z.string().nullable(),
    gapSeconds: z.object({ min: z.number(), max: z.number() }),
    hourlyCap: z.number().int(),
    dailyCap: z.number().int(),
  })
  .openapi('CampaignSendingRules');

export const RoomView = z
  .object({
    id: z.string(),
    topic: z.string(),
    areaCode: z.string(),
    areaName: z.string(),
    active: z.boolean(),
    attention: z.string().nullable(),
    boundAt: IsoDateTime,
  })
  .openapi('BotRoom');

export const KeywordBody = z.object({ reply: z.string().min(1).max(300), card: CardInput.optional(), enabled: z.boolean().default(true) }).strict();
