import { callerOf, staffOf } from '../../http/auth';
import type { Api } from '../../http/route';
import { pageOf, z } from '../../http/zod';
import { PageQuery } from '../../lib/pagination';
import * as campaigns from './campaigns.service';
import {
  BindCode,
  BotStatus,
  BroadcastBody,
  CampaignBody,
  CampaignReport,
  CampaignView,
  CancelledCampaign,
  DeadItem,
  IdParams,
  KeywordBody,
  KeywordReply,
  ListQuery,
  Reach,
  RoomView,
  SendingRules,
  Targets,
} from './campaigns.schemas';
import { botStatusFor, listDeadItems } from './bot-admin.service';
import { listKeywords, setKeyword } from './keywords.service';
import { campaignReport } from './reports';
import { createBindCode, listRooms, retryDeadRoomItem, roomView, unbindRoom } from './rooms.service';

const APPROVERS = ['district_admin', 'town_admin'] as const;
/** A broadcast sent without a title is named by its first words (shown to staff only). */
const broadcastTitle = (text: string) => `广播：${text.slice(0, 20)}`;

export function campaignRoutes(api: Api): void {
  const app = api.app;
  const tags = ['admin: campaigns'];
  const botTags = ['admin: bot'];

  api.route({
    method: 'post',
    path: '/api/admin/v1/campaigns',
    summary: 'Draft a group campaign',
    tags,
    auth: 'staff',
    status: 201,
    idempotent: true,
    body: CampaignBody,
    response: CampaignView,
    handler: async (ctx, { body }) => campaigns.campaignView(await campaigns.createCampaign(app, callerOf(ctx), body)),
  });
  api.route({
    method: 'get',
    path: '/api/admin/v1/campaigns',
    summary: 'Campaigns in my area',
    tags,
    auth: 'staff',
    query: ListQuery,
    response: pageOf(CampaignView),
    handler: (ctx, { query }) => campaigns.listCampaigns(app, staffOf(ctx), query),
  });
  api.route({
    method: 'post',
    path: '/api/admin/v1/campaigns/reach',
    summary: 'Bound groups the targets would reach (nothing is stored)',
    tags,
    auth: 'staff',
    body: z.object({ targets: Targets }).strict(),
    response: Reach,
    handler: (ctx, { body }) => campaigns.reachOf(app, staffOf(ctx), body.targets),
  });
  api.route({
    method: 'get',
    path: '/api/admin/v1/campaigns/sending-rules',
    summary: 'Quiet hours and pacing every group message obeys',
    tags,
    auth: 'staff',
    response: SendingRules,
    handler: async () => {
      const c = app.config;
      return {
        timeZone: 'Asia/Shanghai' as const,
        quietHours: c.quietHours ? campaigns.windowText(c.quietHours) : null,
        gapSeconds: { min: c.BOT_GAP_MIN_MS / 1000, max: c.BOT_GAP_MAX_MS / 1000 },
        hourlyCap: c.BOT_HOURLY_CAP,
        dailyCap: c.BOT_DAILY_CAP,
      };
    },
  });
  api.route({
    method: 'put',
    path: '/api/admin/v1/campaigns/:id',
    summary: 'Rewrite a draft (its author)',
    tags,
    auth: 'staff',
    params: IdParams,
    body: CampaignBody,
    response: CampaignView,
    handler: async (ctx, { params, body }) => campaigns.campaignView(await campaigns.updateDraft(app, callerOf(ctx), params.id, body)),
  });
  api.route({
    method: 'put',
    path: '/api/admin/v1/broadcasts/:id',
    summary: 'Rewrite a broadcast draft (its author): a copy, or one sent back; it goes out at once when approved',
    tags,
    auth: 'staff',
    params: IdParams,
    body: BroadcastBody,
    response: CampaignView,
    handler: async (ctx, { params, body }) =>
      campaigns.campaignView(await campaigns.updateDraft(app, callerOf(ctx), params.id, { ...body, title: body.title ?? broadcastTitle(body.text) })),
  });
  api.route({
    method: 'get',
    path: '/api/admin/v1/campaigns/:id',
    summary: 'One campaign',
    tags,
    auth: 'staff',
    params: IdParams,
    response: CampaignView,
    handler: async (ctx, { params }) => campaigns.campaignView(await campaigns.getCampaign(app, staffOf(ctx), params.id)),
  });
  api.route({
    method: 'get',
    path: '/api/admin/v1/campaigns/:id/reach',
    summary: 'Bound groups a campaign reaches now',
    tags,
    auth: 'staff',
    params: IdParams,
    response: Reach,
    handler: (ctx, { params }) => campaigns.campaignReach(app, staffOf(ctx), params.id),
  });
  api.route({
    method: 'post',
    path: '/api/admin/v1/campaigns/:id/copy',
    summary:
      "Copy a campaign or a broadcast into a new draft of mine: texts, targets, a campaign's schedule; no deliveries; a past one-off time moves on by whole days (audited)",
    tags,
    auth: 'staff',
    params: IdParams,
    response: CampaignView,
    status: 201,
    handler: async (ctx, { params }) => campaigns.campaignView(await campaigns.copyCampaign(app, callerOf(ctx), params.id)),
  });
  api.route({
    method: 'post',
    path: '/api/admin/v1/campaigns/:id/submit',
    summary: 'Submit a draft for review',
    tags,
    auth: 'staff',
    params: IdParams,
    response: CampaignView,
    handler: async (ctx, { params }) => campaigns.campaignView(await campaigns.submitCampaign(app, callerOf(ctx), params.id)),
  });
  api.route({
    method: 'post',
    path: '/api/admin/v1/campaigns/:id/approve',
    summary: 'Approve (town admin for their area, or district admin; never the author)',
    tags,
    auth: 'staff',
    roles: APPROVERS,
    params: IdParams,
    response: CampaignView,
    handler: async (ctx, { params }) => campaigns.campaignView(await campaigns.approveCampaign(app, callerOf(ctx), params.id)),
  });
  api.route({
    method: 'post',
    path: '/api/admin/v1/campaigns/:id/reject',
    summary: 'Send back to draft with a reason',
    tags,
    auth: 'staff',
    roles: APPROVERS,
    params: IdParams,
    body: z.object({ reason: z.string().min(1).max(200) }).strict(),
    response: CampaignView,
    handler: async (ctx, { params, body }) => campaigns.campaignView(await campaigns.rejectCampaign(app, callerOf(ctx), params.id, body.reason)),
  });
  api.route({
    method: 'post',
    path: '/api/admin/v1/campaigns/:id/cancel',
    summary: 'Cancel; messages not yet sent are dropped',
    tags,
    auth: 'staff',
    params: IdParams,
    response: CancelledCampaign,
    handler: async (ctx, { params }) => {
      const c = await campaigns.cancelCampaign(app, callerOf(ctx), params.id);
      return { ...campaigns.campaignView(c), cancelledItems: c.cancelledItems };
    },
  });
  api.route({
    method: 'get',
    path: '/api/admin/v1/campaigns/:id/report',
    summary: 'Delivery per occurrence: sent / pending / dead per group',
    tags,
    auth: 'staff',
    params: IdParams,
    response: CampaignReport,
    handler: (ctx, { params }) => campaignReport(app, staffOf(ctx), params.id),
  });
  api.route({
    method: 'post',
    path: '/api/admin/v1/broadcasts',
    summary: 'Immediate broadcast: goes out once another approver approves it',
    tags,
    auth: 'staff',
    status: 201,
    idempotent: true,
    body: BroadcastBody,
    response: CampaignView,
    handler: async (ctx, { body }) =>
      campaigns.campaignView(await campaigns.createBroadcast(app, callerOf(ctx), { ...body, title: body.title ?? broadcastTitle(body.text) })),
  });

  api.route({
    method: 'get',
    path: '/api/admin/v1/bot/status',
    summary: 'Bot state, login QR while waiting, account, last error',
    tags: botTags,
    auth: 'staff',
    response: BotStatus,
    handler: (ctx) => botStatusFor(app, staffOf(ctx)),
  });
  api.route({
    method: 'post',
    path: '/api/admin/v1/bot/bind-codes',
    summary: 'One-time code; posting 绑定 <code> in a group binds it to the area',
    tags: botTags,
    auth: 'staff',
    status: 201,
    body: z.object({ areaCode: z.string().min(1).max(40) }).strict(),
    response: BindCode,
    handler: async (ctx, { body }) => {
      const r = await createBindCode(app, callerOf(ctx), body.areaCode);
      return { ...r, expiresAt: r.expiresAt.toISOString(), instruction: `请在村居微信群里发送：绑定 ${r.code}` };
    },
  });
  api.route({
    method: 'get',
    path: '/api/admin/v1/bot/rooms',
    summary: 'Bound groups in my area',
    tags: botTags,
    auth: 'staff',
    query: z
      .object({
        areaCode: z.string().max(40).optional(),
        active: z
          .enum(['true', 'false'])
          .transform((v) => v === 'true')
          .optional(),
      })
      .strict(),
    response: z.object({ items: z.array(RoomView) }),
    handler: async (ctx, { query }) => ({ items: await listRooms(app, staffOf(ctx), query) }),
  });
  api.route({
    method: 'delete',
    path: '/api/admin/v1/bot/rooms/:id',
    summary: 'Unbind a group (no more campaign messages)',
    tags: botTags,
    auth: 'staff',
    params: IdParams,
    response: RoomView,
    handler: async (ctx, { params }) => roomView(await unbindRoom(app, callerOf(ctx), params.id)),
  });
  api.route({
    method: 'get',
    path: '/api/admin/v1/bot/keywords',
    summary: 'Keyword replies (defaults and staff edits)',
    tags: botTags,
    auth: 'staff',
    response: z.object({ items: z.array(KeywordReply) }),
    handler: async () => ({ items: await listKeywords(app) }),
  });
  api.route({
    method: 'put',
    path: '/api/admin/v1/bot/keywords/:keyword',
    summary: 'Set a keyword reply (district admin)',
    tags: botTags,
    auth: 'staff',
    roles: ['district_admin'],
    params: z.object({ keyword: z.string().min(1).max(10) }).strict(),
    body: KeywordBody,
    response: KeywordReply,
    handler: (ctx, { params, body }) => setKeyword(app, callerOf(ctx), params.keyword, body),
  });
  api.route({
    method: 'get',
    path: '/api/admin/v1/bot/dead-items',
    summary: 'Group messages that failed for good, in my area (a page, newest first)',
    tags: botTags,
    auth: 'staff',
    query: PageQuery.extend({ areaCode: z.string().min(1).max(40).optional() }).strict(),
    response: pageOf(DeadItem),
    handler: (ctx, { query }) => listDeadItems(app, staffOf(ctx), query),
  });
  api.route({
    method: 'post',
    path: '/api/admin/v1/bot/dead-items/:id/retry',
    summary: 'Queue a dead group message again',
    tags: botTags,
    auth: 'staff',
    params: IdParams,
    response: z.object({ retried: z.boolean() }),
    handler: async (ctx, { params }) => ({ retried: await retryDeadRoomItem(app, callerOf(ctx), params.id) }),
  });
}
