import type { Api } from '../../http/route';
import { callerOf, staffOf } from '../../http/auth';
import { ObjectId, z } from '../../http/zod';
import { DatePageQuery } from '../../lib/pagination';
import { areaFigures, attendanceOpensAt, callList, markAttendance, rosterPage, sessionFigures } from './attendance.service';
import { addWalkIn, removeWalkIn } from './walkins.service';
import { createExpert, listExperts, updateExpert } from './experts.service';
import { checkinCode } from './checkin-code';
import { exportRoster } from './export';
import { talkOutbox } from './reminders';
import { reviewComment, sessionFeedback } from './feedback.service';
import { staffCancelRegistration } from './registrations.service';
import { TALK_KINDS, TALK_STATUSES, type TalkDoc } from './talks.model';
import {
  AreaFigures,
  AttendanceResult,
  ExpertInputSchema,
  ExpertList,
  ExpertPatchSchema,
  ExpertSchema,
  CallListQuery,
  IdParams,
  ReviewResult,
  RosterPage,
  RosterQuery,
  SessionFeedback,
  SessionFigures,
  StaffTalk,
  TalkInputSchema,
  TalkOutbox,
  TalkPage,
  TalkPatchSchema,
  WalkInBody,
  WalkInResult,
} from './talks.schemas';
import { cancelTalk, closeTalk, copyTalk, createTalk, getTalkInScope, listStaffTalks, publishTalk, talkAccess, updateTalk, viewTalks } from './talks.service';

export function talkAdminRoutes(api: Api): void {
  const app = api.app;
  const tags = ['admin: talks'];
  const base = '/api/admin/v1/talks';
  const managers = ['district_admin', 'town_admin'] as const;

  const staffView = async (t: TalkDoc, manage = true) => ({
    ...(await viewTalks(app, [t]))[0]!,
    checkinScene: t.checkinScene,
    areaPath: t.areaPath,
    manage,
    attendanceOpensAt: attendanceOpensAt(app, t).toISOString(),
  });

  // ---- expert pool ----
  api.route({
    method: 'get',
    path: '/api/admin/v1/experts',
    summary: 'Expert pool with average ratings',
    tags,
    auth: 'staff',
    query: z.object({ includeInactive: z.enum(['true', 'false']).optional() }).strict(),
    response: ExpertList,
    handler: (ctx, { query }) => listExperts(app, staffOf(ctx), query.includeInactive === 'true'),
  });
  api.route({
    method: 'post',
    path: '/api/admin/v1/experts',
    summary: 'Add an expert',
    tags,
    auth: 'staff',
    roles: managers,
    body: ExpertInputSchema,
    response: ExpertSchema,
    status: 201,
    idempotent: true,
    handler: (_ctx, { body }) => createExpert(app, body),
  });
  api.route({
    method: 'patch',
    path: '/api/admin/v1/experts/:id',
    summary: 'Edit or retire an expert',
    tags,
    auth: 'staff',
    roles: managers,
    params: IdParams,
    body: ExpertPatchSchema,
    response: ExpertSchema,
    handler: (_ctx, { params, body }) => updateExpert(app, params.id, body),
  });

  // ---- sessions ----
  api.route({
    method: 'get',
    path: base,
    summary: 'Sessions in my area, soonest first (from/to: starting in that period)',
    tags,
    auth: 'staff',
    query: z
      .object({
        kind: z.enum(TALK_KINDS).optional(),
        status: z.enum(TALK_STATUSES).optional(),
        areaCode: z.string().max(40).optional(),
        from: z.string().datetime({ offset: true }).optional(),
        to: z.string().datetime({ offset: true }).optional(),
        ...DatePageQuery.shape,
      })
      .strict(),
    response: TalkPage,
    handler: (ctx, { query }) => listStaffTalks(app, staffOf(ctx), query),
  });
  api.route({
    method: 'post',
    path: base,
    summary: 'Create a session (draft)',
    tags,
    auth: 'staff',
    body: TalkInputSchema,
    response: StaffTalk,
    status: 201,
    idempotent: true,
    handler: async (ctx, { body }) => staffView(await createTalk(app, staffOf(ctx), body)),
  });
  api.route({
    method: 'get',
    path: `${base}/:id`,
    summary: 'One session',
    tags,
    auth: 'staff',
    params: IdParams,
    response: StaffTalk,
    handler: async (ctx, { params }) => {
      const { talk, manage } = await talkAccess(app, staffOf(ctx), params.id);
      return staffView(talk, manage);
    },
  });
  api.route({
    method: 'patch',
    path: `${base}/:id`,
    summary: 'Edit a session',
    tags,
    auth: 'staff',
    params: IdParams,
    body: TalkPatchSchema,
    response: StaffTalk,
    handler: async (ctx, { params, body }) => staffView(await updateTalk(app, staffOf(ctx), params.id, body)),
  });
  api.route({
    method: 'post',
    path: `${base}/:id/copy`,
    summary: 'Copy a session into a new draft: texts, venue, seats and rules; no registrations; past times move on by whole days (audited)',
    tags,
    auth: 'staff',
    params: IdParams,
    response: StaffTalk,
    status: 201,
    handler: async (ctx, { params }) => staffView(await copyTalk(app, callerOf(ctx), params.id)),
  });
  api.route({
    method: 'post',
    path: `${base}/:id/publish`,
    summary: 'Publish: open for sign-up and queue the group notice',
    tags,
    auth: 'staff',
    params: IdParams,
    response: StaffTalk,
    handler: async (ctx, { params }) => staffView(await publishTalk(app, staffOf(ctx), params.id)),
  });
  api.route({
    method: 'post',
    path: `${base}/:id/close`,
    summary: 'Stop sign-ups',
    tags,
    auth: 'staff',
    params: IdParams,
    response: StaffTalk,
    handler: async (ctx, { params }) => staffView(await closeTalk(app, staffOf(ctx), params.id)),
  });
  api.route({
    method: 'post',
    path: `${base}/:id/cancel`,
    summary: 'Cancel the session and notify every registrant',
    tags,
    auth: 'staff',
    params: IdParams,
    body: z.object({ reason: z.string().trim().max(40).optional() }).strict(),
    response: StaffTalk,
    handler: async (ctx, { params, body }) => staffView(await cancelTalk(app, callerOf(ctx), params.id, body.reason)),
  });

  // ---- registrants, attendance, figures ----
  const pageOf = (q: { status?: 'confirmed' | 'waitlisted' | 'walk_in'; attended?: 'true' | 'false'; limit: number; cursor?: string; q?: string }) => ({
    ...(q.status ? { status: q.status } : {}),
    ...(q.q ? { search: q.q } : {}),
    ...(q.attended ? { attended: q.attended === 'true' } : {}),
    offset: Number(q.cursor ?? 0),
    limit: q.limit,
  });
  api.route({
    method: 'get',
    path: `${base}/:id/registrations`,
    summary: 'Registrants and walk-ins in queue order (masked), a page at a time',
    tags,
    auth: 'staff',
    params: IdParams,
    query: RosterQuery,
    response: RosterPage,
    handler: async (ctx, { params, query }) => {
      const { talk, within } = await talkAccess(app, staffOf(ctx), params.id);
      return rosterPage(app, talk, false, { ...pageOf(query), ...(within ? { within, walkInsWithin: within } : {}) });
    },
  });
  api.route({
    method: 'get',
    path: `${base}/:id/call-list`,
    summary: 'Call list: full names and phones of the registrants living in my area (each page audited)',
    tags,
    auth: 'staff',
    params: IdParams,
    query: CallListQuery,
    response: RosterPage,
    handler: async (ctx, { params, query }) => {
      const caller = callerOf(ctx);
      return callList(app, caller, (await talkAccess(app, caller.staff, params.id)).talk, { ...pageOf(query), status: query.status });
    },
  });
  api.route({
    method: 'post',
    path: `${base}/:id/walk-ins`,
    summary: 'Add a person who came without signing up (counts as attended)',
    tags,
    auth: 'staff',
    params: IdParams,
    body: WalkInBody,
    response: WalkInResult,
    status: 201,
    handler: async (ctx, { params, body }) => {
      const caller = callerOf(ctx);
      const { talk, within } = await talkAccess(app, caller.staff, params.id);
      return addWalkIn(app, caller, talk, body, within);
    },
  });
  api.route({
    method: 'delete',
    path: `${base}/:id/walk-ins/:walkInId`,
    summary: 'Remove a walk-in entered by mistake',
    tags,
    auth: 'staff',
    params: z.object({ id: ObjectId, walkInId: ObjectId }),
    response: z.object({ walkInId: z.string(), removed: z.literal(true) }),
    handler: async (ctx, { params }) => {
      const { talk, within } = await talkAccess(app, staffOf(ctx), params.id);
      await removeWalkIn(app, callerOf(ctx), talk, params.walkInId, within);
      return { walkInId: params.walkInId, removed: true as const };
    },
  });
  api.route({
    method: 'delete',
    path: `${base}/:id/registrations/:registrationId`,
    summary: 'Cancel one registration (staff)',
    tags,
    auth: 'staff',
    params: z.object({ id: ObjectId, registrationId: ObjectId }),
    response: z.object({ registrationId: z.string(), status: z.literal('cancelled') }),
    handler: (ctx, { params }) => staffCancelRegistration(app, callerOf(ctx), params.id, params.registrationId),
  });
  api.route({
    method: 'get',
    path: `${base}/:id/export`,
    summary: 'Registrant list as CSV or XLSX (masked; full for district admins; audited)',
    tags,
    auth: 'staff',
    params: IdParams,
    query: z.object({ format: z.enum(['csv', 'xlsx']).default('csv'), full: z.enum(['true', 'false']).default('false') }).strict(),
    raw: { contentType: 'text/csv' },
    handler: async (ctx, { params, query }) => {
      const file = await exportRoster(app, callerOf(ctx), params.id, query.format, query.full === 'true');
      ctx.set('Content-Disposition', `attachment; filename="${file.filename}"`);
      ctx.type = file.type;
      ctx.body = file.body;
    },
  });
  api.route({
    method: 'post',
    path: `${base}/:id/attendance`,
    summary: 'Mark attendance from the list',
    tags,
    auth: 'staff',
    params: IdParams,
    body: z.object({ registrationIds: z.array(ObjectId).min(1).max(500), attended: z.boolean().default(true) }).strict(),
    response: AttendanceResult,
    handler: async (ctx, { params, body }) => {
      const staff = staffOf(ctx);
      const { talk, within } = await talkAccess(app, staff, params.id);
      return markAttendance(app, staff, talk, body.registrationIds, body.attended, within);
    },
  });
  api.route({
    method: 'get',
    path: `${base}/:id/figures`,
    summary: 'Seats, attendance and no-shows of a session, per area',
    tags,
    auth: 'staff',
    params: IdParams,
    response: SessionFigures,
    handler: async (ctx, { params }) => sessionFigures(app, (await talkAccess(app, staffOf(ctx), params.id)).talk),
  });
  api.route({
    method: 'get',
    path: '/api/admin/v1/talk-figures',
    summary: 'Attendance and no-shows of every session in an area and period',
    tags,
    auth: 'staff',
    query: z
      .object({
        areaCode: z.string().max(40).optional(),
        from: z.string().datetime({ offset: true }).optional(),
        to: z.string().datetime({ offset: true }).optional(),
      })
      .strict(),
    response: AreaFigures,
    handler: (ctx, { query }) => areaFigures(app, staffOf(ctx), query),
  });
  api.route({
    method: 'get',
    path: `${base}/:id/checkin-code`,
    summary: 'Check-in code image (mini-program code carrying the scene)',
    tags,
    auth: 'staff',
    params: IdParams,
    raw: { contentType: 'image/png' },
    handler: async (ctx, { params }) => {
      const talk = await getTalkInScope(app, staffOf(ctx), params.id);
      const png = await checkinCode(app, talk);
      ctx.set('X-Checkin-Scene', talk.checkinScene);
      ctx.type = 'image/png';
      ctx.body = png;
    },
  });
  api.route({
    method: 'get',
    path: `${base}/:id/outbox`,
    summary: 'Reminders and group notices of a session (pending ones wait for delivery)',
    tags,
    auth: 'staff',
    params: IdParams,
    query: z.object({ channel: z.enum(['subscribe', 'room']).optional() }).strict(),
    response: TalkOutbox,
    handler: async (ctx, { params, query }) => ({ items: await talkOutbox(app, await getTalkInScope(app, staffOf(ctx), params.id), query.channel) }),
  });

  // ---- feedback ----
  api.route({
    method: 'get',
    path: `${base}/:id/feedback`,
    summary: 'Average rating and comments (held ones marked)',
    tags,
    auth: 'staff',
    params: IdParams,
    response: SessionFeedback,
    handler: async (ctx, { params }) => sessionFeedback(app, await getTalkInScope(app, staffOf(ctx), params.id)),
  });
  api.route({
    method: 'post',
    path: `${base}/:id/feedback/:residentId/review`,
    summary: 'Approve or reject a held comment',
    tags,
    auth: 'staff',
    params: z.object({ id: ObjectId, residentId: ObjectId }),
    body: z.object({ approve: z.boolean() }).strict(),
    response: ReviewResult,
    handler: async (ctx, { params, body }) =>
      reviewComment(app, callerOf(ctx), await getTalkInScope(app, staffOf(ctx), params.id), params.residentId, body.approve),
  });
}
