import { Types } from 'mongoose';
import { type Caller, inScope, scopeFilter, type StaffPrincipal } from '../../access';
import type { AppContext } from '../../context';
import { forbidden, notFound, validationError } from '../../http/errors';
import { caseWorkflow } from '../../lib/case-workflow';
import { shanghaiDay } from '../../lib/shanghai';
import type { Edges } from '../../lib/workflow';
import { rectificationStatus } from '../../dictionaries';
import { areaNames, getArea } from '../areas';
import { taskbookPhotos } from './photos';
import {
  Meetings,
  Rectifications,
  RectificationTransitions,
  SupervisionVisits,
  type MeetingDoc,
  type RectificationDoc,
  type RectificationStatus,
  type RectificationTransitionDoc,
  type TaskDoc,
  type VisitDoc,
} from './taskbook.model';
import { addDecisionTask } from './taskbook.service';

/** open → answered → closed; the district may return an answer, which the owner answers again. */
const EDGES: Edges<RectificationStatus> = { open: ['answered'], answered: ['closed', 'returned'], returned: ['answered'], closed: [] };
const LABELS = rectificationStatus.labels;

type Extra = { note?: string; answer?: string };

const workflow = caseWorkflow<RectificationStatus, RectificationDoc, RectificationTransitionDoc, Extra>({
  noun: '整改事项',
  cases: Rectifications,
  transitions: RectificationTransitions,
  caseField: 'rectificationId',
  edges: EDGES,
  labels: LABELS,
  required: { answered: ['answer', '请写明整改做了什么'], returned: ['note', '请写明退回原因'] },
  carry: ['answer'],
  historyExtras: ['answer'],
  stamp: (t, terminal) => (terminal ? { closedAt: t.at } : {}),
});

const endOfDay = (day: string) => new Date(`${day}T23:59:59.999+08:00`);
export const closedOnTime = (r: Pick<RectificationDoc, 'closedAt' | 'dueOn'>): boolean => !!r.closedAt && r.closedAt <= endOfDay(r.dueOn);

function requireDistrict(staff: StaffPrincipal): void {
  if (staff.role !== 'district_admin') throw forbidden('只有区级管理员可以这样操作');
}

async function areaInScope(app: AppContext, staff: StaffPrincipal, code: string, field: string) {
  const a = await getArea(app, code);
  if (!a || a.level === 'district') throw validationError(field, '请选择镇街或村居');
  if (!inScope(staff, a.path)) throw forbidden('不在您的管辖范围内');
  return a;
}

function rectificationView(r: RectificationDoc, names: Map<string, string>, now: Date, photos: string[]) {
  return {
    id: String(r._id),
    visitId: String(r.visitId),
    ownerCode: r.ownerCode,
    ownerName: names.get(r.ownerCode) ?? r.ownerCode,
    title: r.title,
    dueOn: r.dueOn,
    status: r.status,
    statusLabel: LABELS[r.status],
    answer: r.answer ?? null,
    overdue: r.status !== 'closed' && r.dueOn < shanghaiDay(now),
    escalated: !!r.escalatedAt,
    closedOnTime: r.status === 'closed' ? closedOnTime(r) : null,
    photos,
  };
}

function visitView(v: VisitDoc, names: Map<string, string>, photos: string[]) {
  return {
    id: String(v._id),
    areaCode: v.areaCode,
    areaName: names.get(v.areaCode) ?? v.areaCode,
    on: v.on,
    inspectors: v.inspectors,
    checked: v.checked,
    findings: v.findings,
    photos,
  };
}

async function insertRectification(app: AppContext, caller: Caller, visit: VisitDoc, input: { title: string; ownerCode?: string; dueOn: string }) {
  const owner = await areaInScope(app, caller.staff, input.ownerCode ?? visit.areaCode, 'ownerCode');
  if (!owner.path.includes(visit.areaCode) && !visit.areaPath.includes(owner.code)) throw validationError('ownerCode', '整改责任单位应是被督导的镇街或其村居');
  if (input.dueOn < visit.on) throw validationError('dueOn', '整改期限不能早于督导日期');
  const id = new Types.ObjectId();
  const now = app.clock.now();
  await workflow.open(app, id, 'open', caller.actor, now);
  const doc = await Rectifications(app.db).create({
    _id: id,
    visitId: visit._id,
    ownerCode: owner.code,
    areaPath: owner.path,
    title: input.title,
    dueOn: input.dueOn,
    status: 'open',
    seq: 0,
    createdBy: caller.staff.id,
    createdAt: now,
    updatedAt: now,
  });
  await caller.audit(
    'supervision.rectification_open',
    { type: 'rectification', id: String(id) },
    { visitId: String(visit._id), ownerCode: owner.code, dueOn: input.dueOn },
  );
  return doc.toObject();
}

export interface VisitInput {
  areaCode: string;
  on: string;
  inspectors: string;
  checked: string;
  findings: string;
  rectifications: Array<{ title: string; ownerCode?: string; dueOn: string }>;
}

/** The district records a supervision visit and, from its findings, the rectification items. */
export async function recordVisit(app: AppContext, caller: Caller, input: VisitInput) {
  requireDistrict(caller.staff);
  const area = await areaInScope(app, caller.staff, input.areaCode, 'areaCode');
  const now = app.clock.now();
  if (input.on > shanghaiDay(now)) throw validationError('on', '督导日期不能晚于今天');
  const v = (
    await SupervisionVisits(app.db).create({
      areaCode: area.code,
      areaPath: area.path,
      on: input.on,
      inspectors: input.inspectors,
      checked: input.checked,
      findings: input.findings,
      createdBy: caller.staff.id,
      createdAt: now,
    })
  ).toObject();
  await caller.audit('supervision.visit_record', { type: 'supervision_visit', id: String(v._id) }, { areaCode: area.code, on: input.on });
  for (const r of input.rectifications) await insertRectification(app, caller, v, r);
  return visitDetail(app, caller.staff, String(v._id));
}

async function visitFor(app: AppContext, staff: StaffPrincipal, id: string): Promise<VisitDoc> {
  const v = Types.ObjectId.isValid(id) ? await SupervisionVisits(app.db).findById(id).lean() : null;
  if (!v || !inScope(staff, v.areaPath)) throw notFound('督导检查');
  return v;
}

export async function addRectification(app: AppContext, caller: Caller, visitId: string, input: { title: string; ownerCode?: string; dueOn: string }) {
  requireDistrict(caller.staff);
  const v = await visitFor(app, caller.staff, visitId);
  const r = await insertRectification(app, caller, v, input);
  return rectificationView(r, await areaNames(app, [r.ownerCode]), app.clock.now(), []);
}

/** A visit with its rectification items and photo ids; staff of the visited area (and above) see it. */
export async function visitDetail(app: AppContext, staff: StaffPrincipal, id: string) {
  const v = await visitFor(app, staff, id);
  const items = await Rectifications(app.db).find({ visitId: v._id }).sort({ _id: 1 }).lean();
  const photos = await taskbookPhotos.ids(app, [v._id, ...items.map((r) => r._id)]);
  const names = await areaNames(app, [v.areaCode, ...items.map((r) => r.ownerCode)]);
  const now = app.clock.now();
  return {
    ...visitView(v, names, photos.get(id) ?? []),
    rectifications: items.map((r) => rectificationView(r, names, now, photos.get(String(r._id)) ?? [])),
  };
}

export async function listVisits(app: AppContext, staff: StaffPrincipal) {
  const rows = await SupervisionVisits(app.db).find(scopeFilter(staff)).sort({ on: -1, _id: -1 }).limit(200).lean();
  const names = await areaNames(
    app,
    rows.map((v) => v.areaCode),
  );
  const counts = new Map<string, { total: number; open: number }>();
  const items = rows.length
    ? await Rectifications(app.db)
        .find({ visitId: { $in: rows.map((v) => v._id) } }, { visitId: 1, status: 1 })
        .lean()
    : [];
  for (const r of items) {
    const c = counts.get(String(r.visitId)) ?? { total: 0, open: 0 };
    c.total++;
    if (r.status !== 'closed') c.open++;
    counts.set(String(r.visitId), c);
  }
  return {
    items: rows.map((v) => ({
      ...visitView(v, names, []),
      rectificationCount: counts.get(String(v._id))?.total ?? 0,
      openCount: counts.get(String(v._id))?.open ?? 0,
    })),
  };
}

/** Rectification items in the staff member's area; `open=true`: not yet closed. */
export async function listRectifications(app: AppContext, staff: StaffPrincipal, q: { open?: boolean }) {
  const rows = await Rectifications(app.db)
    .find({ ...scopeFilter(staff), ...(q.open ? { status: { $ne: 'closed' } } : {}) })
    .sort({ dueOn: 1, _id: 1 })
    .limit(300)
    .lean();
  const names = await areaNames(app, [...new Set(rows.map((r) => r.ownerCode))]);
  const photos = await taskbookPhotos.ids(
    app,
    rows.map((r) => r._id),
  );
  const now = app.clock.now();
  return { items: rows.map((r) => rectificationView(r, names, now, photos.get(String(r._id)) ?? [])) };
}

export async function rectificationFor(app: AppContext, staff: StaffPrincipal, id: string): Promise<RectificationDoc> {
  const r = Types.ObjectId.isValid(id) ? await Rectifications(app.db).findById(id).lean() : null;
  if (!r || !inScope(staff, r.areaPath)) throw notFound('整改事项');
  return r;
}

/**
 * The owner answers (what was done; photos beside it); the district closes the item or returns it. The owner is
 * staff of the owner area (a town admin also for its villages); closing and returning are the district's.
 */
export async function moveRectification(app: AppContext, caller: Caller, id: string, to: RectificationStatus, text?: string) {
  const r = await rectificationFor(app, caller.staff, id);
  if (to === 'answered' && caller.staff.role === 'district_admin') throw forbidden('整改情况由责任单位反馈');
  if (to !== 'answered') requireDistrict(caller.staff);
  const extra: Extra = to === 'answered' ? { answer: text } : { note: text };
  workflow.checkRequired(to, extra);
  const moved = await workflow.apply(app, r._id, to, caller.actor, text ? extra : {});
  if (to === 'closed') await Rectifications(app.db).updateOne({ _id: r._id }, { $set: { closedOnTime: closedOnTime(moved) } });
  await caller.audit(`supervision.rectification_${to as Exclude<RectificationStatus, 'open'>}`, { type: 'rectification', id }, { note: text ?? null });
  const names = await areaNames(app, [r.ownerCode]);
  const photos = await taskbookPhotos.ids(app, [r._id]);
  return {
    ...rectificationView(moved, names, app.clock.now(), photos.get(id) ?? []),
    history: workflow.historyView(await workflow.history(app, r._id)),
  };
}

// ---- coordination meetings ----

function meetingView(m: MeetingDoc, tasks: Map<number, string>) {
  return {
    id: String(m._id),
    on: m.on,
    title: m.title,
    attendees: m.attendees,
    minutes: m.minutes,
    decisions: m.decisions.map((text, i) => ({ index: i, text, taskId: tasks.get(i) ?? null })),
  };
}

export async function recordMeeting(
  app: AppContext,
  caller: Caller,
  input: { on: string; title: string; attendees: string[]; minutes: string; decisions: string[] },
) {
  requireDistrict(caller.staff);
  const m = await Meetings(app.db).create({ ...input, createdBy: caller.staff.id, createdAt: app.clock.now() });
  await caller.audit('meeting.record', { type: 'meeting', id: String(m._id) }, { on: input.on, decisions: input.decisions.length });
  return meetingView(m.toObject(), new Map());
}

export async function listMeetings(app: AppContext, staff: StaffPrincipal, decisionTasks: (ids: Types.ObjectId[]) => Promise<TaskDoc[]>) {
  requireDistrict(staff);
  const rows = await Meetings(app.db).find().sort({ on: -1, _id: -1 }).limit(100).lean();
  const tasks = await decisionTasks(rows.map((m) => m._id));
  return {
    items: rows.map((m) =>
      meetingView(m, new Map(tasks.filter((t) => String(t.source!.meetingId) === String(m._id)).map((t) => [t.source!.decision, String(t._id)]))),
    ),
  };
}

/** A meeting's decision becomes a task for a town, with its deadline, tracked like the book's own. */
export async function decisionToTask(
  app: AppContext,
  caller: Caller,
  meetingId: string,
  index: number,
  input: { townCode: string; group: TaskDoc['group']; startOn?: string; dueOn: string },
) {
  requireDistrict(caller.staff);
  const m = Types.ObjectId.isValid(meetingId) ? await Meetings(app.db).findById(meetingId).lean() : null;
  if (!m) throw notFound('会商记录');
  const text = m.decisions[index];
  if (text === undefined) throw notFound('会商决定');
  const task = await addDecisionTask(
    app,
    caller,
    { group: input.group, title: text, kind: 'evidence', towns: [input.townCode], startOn: input.startOn ?? m.on, dueOn: input.dueOn },
    { meetingId: m._id, decision: index },
  );
  await caller.audit('meeting.decision_task', { type: 'meeting', id: meetingId }, { decision: index, taskId: task.id });
  return task;
}
