import { Types } from 'mongoose';
import type { Caller } from '../../access';
import type { AppContext } from '../../context';
import { callerOf, staffOf } from '../../http/auth';
import { AppError, forbidden } from '../../http/errors';
import type { Api } from '../../http/route';
import { NoContent } from '../../http/zod';
import { PHOTO_BODY_LIMIT_KB } from '../../lib/sealed-photos';
import { taskbookPhotos } from './photos';
import { startPageAlerts } from './reminders';
import * as sv from './supervision.service';
import * as tb from './taskbook.service';
import { Tasks } from './taskbook.model';
import {
  Alerts,
  Book,
  BookBody,
  BookWithTasks,
  DecideBody,
  DecisionParams,
  DecisionTaskBody,
  EvidenceBody,
  EvidenceDecideBody,
  EvidenceList,
  EvidenceView,
  IdParams,
  Meeting,
  MeetingBody,
  MeetingList,
  Metrics,
  MoveBody,
  OpenQuery,
  PhotoAdded,
  PhotoBody,
  PhotoParams,
  Plan,
  PlanBody,
  PlanList,
  Progress,
  Rectification,
  RectificationBody,
  RectificationList,
  RectificationMoved,
  Task,
  TaskBody,
  TaskParams,
  Visit,
  VisitBody,
  VisitList,
  YearQuery,
} from './taskbook.schemas';

const ADMINS = ['district_admin', 'town_admin'] as const;

/** Whose photo it is: the visit, evidence or rectification it belongs to, checked against the caller. */
type Owner = 'visits' | 'evidence' | 'rectifications';

async function ownerFor(app: AppContext, caller: Caller, kind: Owner, id: string, adding: boolean): Promise<Types.ObjectId> {
  const staff = caller.staff;
  if (kind === 'visits') {
    const v = await sv.visitDetail(app, staff, id);
    if (adding && staff.role !== 'district_admin') throw forbidden('督导照片由区级管理员上传');
    return new Types.ObjectId(v.id);
  }
  if (kind === 'evidence') {
    const e = await tb.evidenceInScope(app, staff, id);
    if (adding && (staff.role !== 'town_admin' || e.status === 'accepted')) throw forbidden('佐证照片由镇街在验收前上传');
    return e._id;
  }
  const r = await sv.rectificationFor(app, staff, id);
  if (adding && (staff.role === 'district_admin' || r.status === 'closed')) throw forbidden('整改照片由责任单位在销号前上传');
  return r._id;
}

/** Staff only: the district's task book, the towns' plans and progress, supervision and coordination meetings. */
export function taskbookRoutes(api: Api): void {
  const app = api.app;
  const tags = ['admin: taskbook'];
  const base = '/api/admin/v1/taskbook';

  api.route({
    method: 'get',
    path: `${base}/metrics`,
    summary: 'Figures a task may target (fields of the report rows, from every figure section before this one)',
    tags,
    auth: 'staff',
    roles: ADMINS,
    response: Metrics,
    handler: async () => tb.listMetrics(),
  });
  api.route({
    method: 'get',
    path: `${base}/books`,
    summary: "A year's task book with its tasks (a town admin: once published, its own tasks)",
    tags,
    auth: 'staff',
    roles: ADMINS,
    query: YearQuery,
    response: BookWithTasks,
    handler: (ctx, { query }) => tb.getBook(app, staffOf(ctx), query.year),
  });
  api.route({
    method: 'post',
    path: `${base}/books`,
    summary: "Create a year's task book (district)",
    tags,
    auth: 'staff',
    roles: ['district_admin'],
    body: BookBody,
    response: Book,
    status: 201,
    idempotent: true,
    handler: (ctx, { body }) => tb.createBook(app, callerOf(ctx), body),
  });
  api.route({
    method: 'post',
    path: `${base}/books/:id/tasks`,
    summary: 'Add a figure or evidence task (district)',
    tags,
    auth: 'staff',
    roles: ['district_admin'],
    params: IdParams,
    body: TaskBody,
    response: Task,
    status: 201,
    idempotent: true,
    handler: (ctx, { params, body }) => tb.addTask(app, callerOf(ctx), params.id, body),
  });
  api.route({
    method: 'delete',
    path: `${base}/books/:id/tasks/:taskId`,
    summary: 'Remove a task of a draft book (district)',
    tags,
    auth: 'staff',
    roles: ['district_admin'],
    params: TaskParams,
    response: NoContent,
    status: 204,
    handler: async (ctx, { params }) => {
      await tb.removeTask(app, callerOf(ctx), params.id, params.taskId);
      return null;
    },
  });
  api.route({
    method: 'post',
    path: `${base}/books/:id/publish`,
    summary: 'Publish the book to the towns (district)',
    tags,
    auth: 'staff',
    roles: ['district_admin'],
    params: IdParams,
    response: Book,
    handler: (ctx, { params }) => tb.publishBook(app, callerOf(ctx), params.id),
  });
  api.route({
    method: 'get',
    path: `${base}/books/:id/progress`,
    summary: 'Each town and village against each task: value, target, gap, on track / behind / done',
    tags,
    auth: 'staff',
    roles: ADMINS,
    params: IdParams,
    response: Progress,
    handler: (ctx, { params }) => tb.progress(app, staffOf(ctx), params.id),
  });
  api.route({
    method: 'get',
    path: `${base}/books/:id/plans`,
    summary: "The towns' implementation plans (a town admin: its own)",
    tags,
    auth: 'staff',
    roles: ADMINS,
    params: IdParams,
    response: PlanList,
    handler: (ctx, { params }) => tb.listPlans(app, staffOf(ctx), params.id),
  });
  api.route({
    method: 'put',
    path: `${base}/books/:id/plans/mine`,
    summary: "Save the town's plan: dates per task and the villages carrying it (town admin)",
    tags,
    auth: 'staff',
    roles: ['town_admin'],
    params: IdParams,
    body: PlanBody,
    response: Plan,
    handler: (ctx, { params, body }) => tb.savePlan(app, callerOf(ctx), params.id, body),
  });
  api.route({
    method: 'post',
    path: `${base}/books/:id/plans/mine/submit`,
    summary: "Submit the town's plan to the district (town admin)",
    tags,
    auth: 'staff',
    roles: ['town_admin'],
    params: IdParams,
    response: Plan,
    handler: (ctx, { params }) => tb.submitPlan(app, callerOf(ctx), params.id),
  });
  api.route({
    method: 'post',
    path: `${base}/plans/:id/decision`,
    summary: "Approve or return a town's plan (district)",
    tags,
    auth: 'staff',
    roles: ['district_admin'],
    params: IdParams,
    body: DecideBody,
    response: Plan,
    handler: (ctx, { params, body }) => tb.decidePlan(app, callerOf(ctx), params.id, body.to, body.note),
  });
  api.route({
    method: 'get',
    path: `${base}/tasks/:id/evidence`,
    summary: "An evidence task's submissions (a town admin: its own)",
    tags,
    auth: 'staff',
    roles: ADMINS,
    params: IdParams,
    response: EvidenceList,
    handler: (ctx, { params }) => tb.listEvidence(app, staffOf(ctx), params.id),
  });
  api.route({
    method: 'post',
    path: `${base}/tasks/:id/evidence`,
    summary: 'Hand in (or again) what shows an evidence task done (town admin)',
    tags,
    auth: 'staff',
    roles: ['town_admin'],
    params: IdParams,
    body: EvidenceBody,
    response: EvidenceView,
    idempotent: true,
    handler: (ctx, { params, body }) => tb.submitEvidence(app, callerOf(ctx), params.id, body.note),
  });
  api.route({
    method: 'post',
    path: `${base}/evidence/:id/decision`,
    summary: 'Accept or return evidence (district)',
    tags,
    auth: 'staff',
    roles: ['district_admin'],
    params: IdParams,
    body: EvidenceDecideBody,
    response: EvidenceView,
    handler: (ctx, { params, body }) => tb.decideEvidence(app, callerOf(ctx), params.id, body.to, body.note),
  });
  api.route({
    method: 'get',
    path: `${base}/alerts`,
    summary: 'What the start page shows: tasks behind, overdue rectifications, things to review',
    tags,
    auth: 'staff',
    roles: ADMINS,
    response: Alerts,
    handler: (ctx) => startPageAlerts(app, staffOf(ctx)),
  });

  // ---- supervision ----
  api.route({
    method: 'post',
    path: `${base}/visits`,
    summary: 'Record a supervision visit with its rectification items (district)',
    tags,
    auth: 'staff',
    roles: ['district_admin'],
    body: VisitBody,
    response: Visit,
    status: 201,
    idempotent: true,
    handler: (ctx, { body }) => sv.recordVisit(app, callerOf(ctx), body),
  });
  api.route({
    method: 'get',
    path: `${base}/visits`,
    summary: 'Supervision visits in my area',
    tags,
    auth: 'staff',
    response: VisitList,
    handler: (ctx) => sv.listVisits(app, staffOf(ctx)),
  });
  api.route({
    method: 'get',
    path: `${base}/visits/:id`,
    summary: 'A visit with its rectification items',
    tags,
    auth: 'staff',
    params: IdParams,
    response: Visit,
    handler: (ctx, { params }) => sv.visitDetail(app, staffOf(ctx), params.id),
  });
  api.route({
    method: 'post',
    path: `${base}/visits/:id/rectifications`,
    summary: 'Add a rectification item to a visit (district)',
    tags,
    auth: 'staff',
    roles: ['district_admin'],
    params: IdParams,
    body: RectificationBody,
    response: Rectification,
    status: 201,
    idempotent: true,
    handler: (ctx, { params, body }) => sv.addRectification(app, callerOf(ctx), params.id, body),
  });
  api.route({
    method: 'get',
    path: `${base}/rectifications`,
    summary: 'Rectification items in my area; open=true for those not yet closed',
    tags,
    auth: 'staff',
    query: OpenQuery,
    response: RectificationList,
    handler: (ctx, { query }) => sv.listRectifications(app, staffOf(ctx), query),
  });
  api.route({
    method: 'post',
    path: `${base}/rectifications/:id/transitions`,
    summary: 'The owner answers; the district closes or returns',
    tags,
    auth: 'staff',
    params: IdParams,
    body: MoveBody,
    response: RectificationMoved,
    handler: (ctx, { params, body }) => {
      if (body.to === 'open') throw new AppError('INVALID_TRANSITION', 409, '整改事项不能改回待整改');
      return sv.moveRectification(app, callerOf(ctx), params.id, body.to, body.text);
    },
  });

  for (const kind of ['visits', 'evidence', 'rectifications'] as const) {
    api.route({
      method: 'post',
      path: `${base}/${kind}/:id/photos`,
      summary: `Add a photo (sealed) to ${kind === 'visits' ? 'a visit' : kind === 'evidence' ? 'evidence' : "a rectification's answer"}`,
      tags,
      auth: 'staff',
      params: IdParams,
      body: PhotoBody,
      response: PhotoAdded,
      status: 201,
      bodyLimitKb: PHOTO_BODY_LIMIT_KB,
      idempotent: true,
      handler: async (ctx, { params, body }) => {
        const caller = callerOf(ctx);
        const owner = await ownerFor(app, caller, kind, params.id, true);
        const added = await taskbookPhotos.add(app, owner, body.dataBase64);
        await caller.audit(
          'taskbook.photo_add',
          { type: kind === 'visits' ? 'supervision_visit' : kind === 'evidence' ? 'task_evidence' : 'rectification', id: params.id },
          { photoId: added.id },
        );
        return added;
      },
    });
    api.route({
      method: 'get',
      path: `${base}/${kind}/:id/photos/:photoId`,
      summary: 'A photo, opened for staff in scope (audited)',
      tags,
      auth: 'staff',
      params: PhotoParams,
      raw: { contentType: 'image/jpeg' },
      handler: async (ctx, { params }) => {
        const caller = callerOf(ctx);
        const owner = await ownerFor(app, caller, kind, params.id, false);
        const photo = await taskbookPhotos.read(app, owner, new Types.ObjectId(params.photoId));
        await caller.audit(
          'taskbook.photo_view',
          { type: kind === 'visits' ? 'supervision_visit' : kind === 'evidence' ? 'task_evidence' : 'rectification', id: params.id },
          { photoId: params.photoId },
        );
        ctx.set('cache-control', 'private, max-age=600');
        ctx.type = photo.contentType;
        ctx.body = photo.bytes;
      },
    });
  }

  // ---- coordination meetings ----
  api.route({
    method: 'post',
    path: `${base}/meetings`,
    summary: 'Record a coordination meeting: attendees, minutes, decisions (district)',
    tags,
    auth: 'staff',
    roles: ['district_admin'],
    body: MeetingBody,
    response: Meeting,
    status: 201,
    idempotent: true,
    handler: (ctx, { body }) => sv.recordMeeting(app, callerOf(ctx), body),
  });
  api.route({
    method: 'get',
    path: `${base}/meetings`,
    summary: 'Coordination meetings, newest first, with the tasks their decisions became (district)',
    tags,
    auth: 'staff',
    roles: ['district_admin'],
    response: MeetingList,
    handler: (ctx) =>
      sv.listMeetings(app, staffOf(ctx), (ids) =>
        ids.length
          ? Tasks(app.db)
              .find({ 'source.meetingId': { $in: ids } })
              .lean()
          : Promise.resolve([]),
      ),
  });
  api.route({
    method: 'post',
    path: `${base}/meetings/:id/decisions/:index/task`,
    summary: "Turn a meeting's decision into a task for a town with a deadline (district)",
    tags,
    auth: 'staff',
    roles: ['district_admin'],
    params: DecisionParams,
    body: DecisionTaskBody,
    response: Task,
    status: 201,
    idempotent: true,
    handler: (ctx, { params, body }) => sv.decisionToTask(app, callerOf(ctx), params.id, params.index, body),
  });
}
