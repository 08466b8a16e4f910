import { Types } from 'mongoose';
import { inScope, scopeFilter, type Actor, type Caller, type StaffPrincipal } from '../../access';
import type { AppContext } from '../../context';
import {
  screeningCaseStatus,
  screeningContactKind,
  screeningLevel,
  screeningLostReason,
  screeningNextStep,
  screeningProgramme,
  screeningTopic,
} from '../../dictionaries';
import { isDuplicateKey } from '../../db/model';
import { AppError, notFound, validationError } from '../../http/errors';
import { caseWorkflow } from '../../lib/case-workflow';
import { maskName } from '../../lib/pii';
import { shanghaiDay } from '../../lib/shanghai';
import { isTerminal, type Edges } from '../../lib/workflow';
import { enqueue } from '../../notify/outbox.service';
import { areaNames } from '../areas';
import { residentById, residentsByIds } from '../residents';
import { activeAdmins, linkedWechatIds, villageWorkers } from '../staff';
import { expertHospitals } from '../talks';
import { codeBooks } from './screenings.codes';
import {
  ScreeningCases,
  ScreeningCaseTransitions,
  ScreeningContacts,
  ScreeningHospitals,
  ScreeningResults,
  type CaseDoc,
  type CaseStatus,
  type CaseTransitionDoc,
  type ContactDoc,
  type ResultDetail,
  type ResultDoc,
} from './screenings.model';

const DAY = 86_400_000;
export const CASE_LABELS = screeningCaseStatus.labels;

/**
 * open → contacted → referred → attended → diagnosed → closed; lost to follow-up (with a reason) from any open
 * step; closed straight after a contact when no referral is needed (a recheck came back normal); withdrawn when
 * the resident withdraws her consent or is erased.
 */
export const CASE_EDGES: Edges<CaseStatus> = {
  open: ['contacted', 'closed', 'lost', 'withdrawn'],
  contacted: ['referred', 'closed', 'lost', 'withdrawn'],
  referred: ['attended', 'lost', 'withdrawn'],
  attended: ['diagnosed', 'closed', 'lost', 'withdrawn'],
  diagnosed: ['closed', 'withdrawn'],
  closed: [],
  lost: [],
  withdrawn: [],
};

const ACTIVE: CaseStatus[] = ['open', 'contacted', 'referred', 'attended', 'diagnosed'];
const ENDED: CaseStatus[] = ['closed', 'lost', 'withdrawn'];

type Extra = { hospital?: string; lostReason?: string; noteEnc?: string };

const STAMP: Partial<Record<CaseStatus, keyof CaseDoc>> = {
  contacted: 'contactedAt',
  referred: 'referredAt',
  attended: 'attendedAt',
  diagnosed: 'diagnosedAt',
};

const workflow = caseWorkflow<CaseStatus, CaseDoc, CaseTransitionDoc, Extra>({
  noun: '随访个案',
  cases: ScreeningCases,
  transitions: ScreeningCaseTransitions,
  caseField: 'caseId',
  edges: CASE_EDGES,
  labels: CASE_LABELS,
  required: { referred: ['hospital', '请选择转诊医院'], lost: ['lostReason', '请选择失访原因'] },
  carry: ['hospital', 'lostReason'],
  stamp: (t, terminal) => ({ ...(STAMP[t.to] ? { [STAMP[t.to]!]: t.at } : {}), ...(terminal ? { closedAt: t.at } : {}) }),
  // The result's retention counts from the day its case ended.
  afterApply: async (app, c, t, terminal) => {
    if (terminal) await ScreeningResults(app.db).updateOne({ _id: c.resultId }, { $set: { closedAt: t.at } });
  },
  // No notice per step: a message saying "referred" would tell what the result was. The resident reads her page.
});

/** Open the follow-up case of an abnormal or needs-review result (once: unique resultId), assigned to the village worker. */
export async function openCase(app: AppContext, r: ResultDoc, actor: Actor): Promise<Types.ObjectId> {
  const now = app.clock.now();
  const id = new Types.ObjectId();
  const worker = (await villageWorkers(app, [r.villageCode])).get(r.villageCode);
  await workflow.open(app, id, 'open', actor, now);
  try {
    await ScreeningCases(app.db).create({
      _id: id,
      residentId: r.residentId,
      resultId: r._id,
      talkId: r.talkId,
      programme: r.programme,
      level: r.level,
      villageCode: r.villageCode,
      areaPath: r.areaPath,
      ...(worker ? { assigneeId: worker.id } : {}),
      status: 'open',
      seq: 0,
      contactDue: new Date(now.getTime() + app.config.SCREENING_CONTACT_DAYS * DAY),
      referralDue: new Date(now.getTime() + app.config.SCREENING_REFERRAL_DAYS * DAY),
      createdAt: now,
      updatedAt: now,
    });
  } catch (err) {
    await ScreeningCaseTransitions(app.db).deleteOne({ caseId: id, seq: 0 });
    if (!isDuplicateKey(err)) throw err;
    const existing = await ScreeningCases(app.db).findOne({ resultId: r._id }, { _id: 1 }).lean();
    return existing!._id;
  }
  await ScreeningResults(app.db).updateOne({ _id: r._id }, { $set: { caseId: id }, $unset: { closedAt: 1 } });
  return id;
}

/** The deadline of a case's current step, or null when it has none (referred and later, or ended). */
export function dueOf(c: Pick<CaseDoc, 'status' | 'contactDue' | 'referralDue'>): Date | null {
  return c.status === 'open' ? c.contactDue : c.status === 'contacted' ? c.referralDue : null;
}

const isOverdue = (c: CaseDoc, now: Date) => {
  const due = dueOf(c);
  return due !== null && due < now;
};

/** A village worker sees the cases of their village (scope) — the assigned ones are theirs; admins their area's. */
async function caseFor(app: AppContext, staff: StaffPrincipal, id: string): Promise<CaseDoc> {
  if (!Types.ObjectId.isValid(id)) throw notFound('随访个案');
  return workflow.inScope(app, staff, new Types.ObjectId(id));
}

/** The board: open cases in scope (mine only on request), overdue first, then by their next deadline; names masked. */
export async function listCases(app: AppContext, staff: StaffPrincipal, q: { mine?: boolean; state?: 'active' | 'overdue' | 'ended' }) {
  const now = app.clock.now();
  const filter: Record<string, unknown> = {
    ...scopeFilter(staff),
    ...(q.mine ? { assigneeId: staff.id } : {}),
    status: { $in: q.state === 'ended' ? ENDED : ACTIVE },
  };
  let rows = await ScreeningCases(app.db).find(filter).sort({ _id: -1 }).limit(300).lean();
  if (q.state === 'overdue') rows = rows.filter((c) => isOverdue(c, now));
  rows.sort((a, b) => {
    const oa = isOverdue(a, now) ? 0 : 1;
    const ob = isOverdue(b, now) ? 0 : 1;
    if (oa !== ob) return oa - ob;
    return (dueOf(a)?.getTime() ?? Infinity) - (dueOf(b)?.getTime() ?? Infinity) || b._id.getTimestamp().getTime() - a._id.getTimestamp().getTime();
  });
  const [residents, villages] = await Promise.all([
    residentsByIds(
      app,
      rows.map((c) => c.residentId),
      ['nameEnc'],
    ),
    areaNames(app, [...new Set(rows.map((c) => c.villageCode))]),
  ]);
  const names = new Map(residents.map((r) => [String(r._id), r.nameEnc ? maskName(app.pii.open(r.nameEnc)) : '（已注销）']));
  return {
    items: rows.map((c) => ({
      ...caseSummary(c, now),
      nameMasked: names.get(String(c.residentId)) ?? '（已注销）',
      village: villages.get(c.villageCode) ?? c.villageCode,
    })),
  };
}

function caseSummary(c: CaseDoc, now: Date) {
  const due = dueOf(c);
  return {
    id: String(c._id),
    programme: c.programme,
    programmeLabel: screeningProgramme.label(c.programme),
    level: c.level,
    levelLabel: screeningLevel.label(c.level),
    status: c.status,
    statusLabel: CASE_LABELS[c.status],
    villageCode: c.villageCode,
    assigneeId: c.assigneeId ?? null,
    dueAt: due?.toISOString() ?? null,
    overdue: due !== null && due < now,
    callbackRequested: Boolean(c.callbackAt),
    escalated: c.escalatedSeq === c.seq,
    residentWent: Boolean(c.residentWentAt),
    hospital: c.hospital ?? null,
    lostReason: c.lostReason ?? null,
    allowedNext: CASE_EDGES[c.status].filter((s) => s !== 'withdrawn'),
    createdAt: c.createdAt.toISOString(),
  };
}

const openNote = (app: AppContext, enc?: string) => (enc ? app.pii.open(enc) : null);

/** Everything about one case for the worker who calls her: name and phone, the result, the steps and notes. Audited. */
export async function viewCase(app: AppContext, caller: Caller, id: string) {
  const c = await caseFor(app, caller.staff, id);
  const [resident, result, steps, contacts, books, hospitals] = await Promise.all([
    residentById(app, c.residentId, ['nameEnc', 'phoneEnc']),
    ScreeningResults(app.db).findById(c.resultId).lean(),
    workflow.history(app, c._id),
    ScreeningContacts(app.db).find({ caseId: c._id }).sort({ at: -1 }).limit(100).lean(),
    codeBooks(app),
    hospitalChoices(app),
  ]);
  await caller.audit('screening.case_view', { type: 'screening_case', id });
  return {
    ...caseSummary(c, app.clock.now()),
    resident: {
      name: resident?.nameEnc ? app.pii.open(resident.nameEnc) : null,
      phone: resident?.phoneEnc ? app.pii.open(resident.phoneEnc) : null,
    },
    contactDue: c.contactDue.toISOString(),
    referralDue: c.referralDue.toISOString(),
    result: result ? resultDetailView(app, result, books.get(result.programme) ?? []) : null,
    history: steps.map((s) => ({
      seq: s.seq,
      from: s.from,
      to: s.to,
      toLabel: CASE_LABELS[s.to],
      actorType: s.actorType,
      actorName: s.actorName ?? null,
      at: s.at.toISOString(),
      hospital: s.hospital ?? null,
      lostReason: s.lostReason ?? null,
      note: openNote(app, s.noteEnc),
    })),
    contacts: contacts.map((v) => contactView(v, openNote(app, v.noteEnc))),
    hospitals,
  };
}

/** A result's tests with the labels of their codes and the advice that goes with them. */
export function resultDetailView(app: AppContext, r: ResultDoc, tests: Awaited<ReturnType<typeof codeBooks>> extends Map<any, infer T> ? T : never) {
  const d = r.detailEnc ? (JSON.parse(app.pii.open(r.detailEnc)) as ResultDetail) : null;
  const items = (d?.items ?? []).map((i) => {
    const t = tests.find((x) => x.test === i.test);
    const c = t?.codes.find((x) => x.code === i.code);
    return { test: i.test, testLabel: t?.label ?? i.test, code: i.code, codeLabel: c?.label ?? i.code, level: c?.level ?? 'review', advice: c?.advice ?? '' };
  });
  const worstLevel = r.level;
  const advice = [...new Set(items.filter((i) => i.level === worstLevel).map((i) => i.advice))].filter(Boolean);
  return {
    id: String(r._id),
    programme: r.programme,
    programmeLabel: screeningProgramme.label(r.programme),
    level: r.level,
    levelLabel: screeningLevel.label(r.level),
    items,
    advice,
    remark: d?.remark ?? null,
    erased: !d,
    enteredAt: r.enteredAt.toISOString(),
    releasedAt: r.releasedAt?.toISOString() ?? null,
  };
}

function contactView(v: ContactDoc, note: string | null | undefined) {
  return {
    id: String(v._id),
    caseId: v.caseId ? String(v.caseId) : null,
    on: v.on,
    kind: v.kind,
    kindLabel: screeningContactKind.label(v.kind),
    topic: v.topic,
    topicLabel: screeningTopic.label(v.topic),
    nextStep: v.nextStep,
    nextStepLabel: screeningNextStep.label(v.nextStep),
    by: v.byName,
    ...(note !== undefined ? { note } : {}),
  };
}

/** The institutions of the expert pool, with the address and phone the district gave each. */
export async function hospitalChoices(app: AppContext) {
  const [names, info] = await Promise.all([expertHospitals(app), ScreeningHospitals(app.db).find({}).lean()]);
  const byName = new Map(info.map((h) => [h._id, h]));
  return names.map((name) => ({ name, address: byName.get(name)?.address ?? '', phone: byName.get(name)?.phone ?? '' }));
}

export async function updateHospital(app: AppContext, caller: Caller, body: { name: string; address: string; phone: string }) {
  if (!(await expertHospitals(app)).includes(body.name)) throw new AppError('UNKNOWN_HOSPITAL', 400, '请先在专家库里添加这家医院的专家');
  await ScreeningHospitals(app.db).updateOne(
    { _id: body.name },
    { $set: { address: body.address, phone: body.phone, updatedAt: app.clock.now() } },
    { upsert: true },
  );
  await caller.audit('screening.hospital_update', { type: 'screening_hospital', id: body.name });
  return { items: await hospitalChoices(app) };
}

export interface MoveBody {
  to: Exclude<CaseStatus, 'open' | 'withdrawn'>;
  hospital?: string;
  lostReason?: (typeof screeningLostReason.values)[number];
  note?: string;
}

/** A staff step along the case; a referral names an institution of the expert pool. */
export async function moveCase(app: AppContext, caller: Caller, id: string, body: MoveBody) {
  const c = await caseFor(app, caller.staff, id);
  workflow.checkRequired(body.to, body);
  if (body.to === 'referred' && !(await expertHospitals(app)).includes(body.hospital!)) {
    throw new AppError('UNKNOWN_HOSPITAL', 400, '请从专家库的医院中选择转诊医院', [{ path: 'hospital', message: '请从列表中选择' }]);
  }
  const extra: Extra = {
    ...(body.to === 'referred' ? { hospital: body.hospital } : {}),
    ...(body.to === 'lost' ? { lostReason: body.lostReason } : {}),
    ...(body.note ? { noteEnc: app.pii.seal(body.note) } : {}),
  };
  const moved = await workflow.apply(app, c._id, body.to, caller.actor, extra);
  if (body.to === 'contacted' && c.callbackAt) await ScreeningCases(app.db).updateOne({ _id: c._id }, { $unset: { callbackAt: 1 } });
  await caller.audit(`screening.case_${body.to}`, { type: 'screening_case', id });
  return caseSummary({ ...moved, ...(body.to === 'contacted' ? { callbackAt: undefined } : {}) }, app.clock.now());
}

export interface ContactBody {
  kind: ContactDoc['kind'];
  topic?: ContactDoc['topic'];
  nextStep: ContactDoc['nextStep'];
  on?: string;
  note?: string;
}

/**
 * Log a follow-up contact on a case (the first one moves it to "contacted" and clears a call-back request), or
 * a counselling / 生育调节指导 visit of a resident in scope without a case.
 */
export async function addContact(app: AppContext, caller: Caller, target: { caseId: string } | { residentId: string }, body: ContactBody) {
  let c: CaseDoc | null = null;
  let residentId: Types.ObjectId;
  let villageCode: string;
  let areaPath: string[];
  if ('caseId' in target) {
    c = await caseFor(app, caller.staff, target.caseId);
    ({ residentId, villageCode, areaPath } = c);
  } else {
    const r = Types.ObjectId.isValid(target.residentId) ? await residentById(app, new Types.ObjectId(target.residentId), ['villageCode', 'areaPath']) : null;
    if (!r?.villageCode || !r.areaPath || !inScope(caller.staff, r.areaPath)) throw notFound('居民');
    residentId = r._id;
    villageCode = r.villageCode;
    areaPath = r.areaPath;
  }
  const now = app.clock.now();
  const on = body.on ?? shanghaiDay(now);
  if (on > shanghaiDay(now)) throw validationError('on', '日期不能晚于今天');
  const doc = await ScreeningContacts(app.db).create({
    residentId,
    ...(c ? { caseId: c._id } : {}),
    villageCode,
    areaPath,
    kind: body.kind,
    topic: body.topic ?? (c ? 'result_followup' : 'other'),
    nextStep: body.nextStep,
    on,
    at: now,
    byStaffId: caller.staff.id,
    byName: caller.staff.username,
    ...(body.note ? { noteEnc: app.pii.seal(body.note) } : {}),
    createdAt: now,
  });
  let status = c?.status ?? null;
  if (c && c.status === 'open') {
    status = (await workflow.apply(app, c._id, 'contacted', caller.actor, {})).status;
  }
  if (c?.callbackAt) await ScreeningCases(app.db).updateOne({ _id: c._id }, { $unset: { callbackAt: 1 } });
  await caller.audit(
    'screening.contact_add',
    { type: c ? 'screening_case' : 'resident', id: c ? String(c._id) : String(residentId) },
    { contactId: String(doc._id) },
  );
  return { contact: contactView(doc.toObject(), undefined), caseStatus: status, caseStatusLabel: status ? CASE_LABELS[status] : null };
}

/** Follow-up and counselling contacts in scope, newest first: who, when, how, topic, next step — never a note. */
export async function listContacts(app: AppContext, staff: StaffPrincipal, q: { limit: number; cursor?: string }) {
  const where = { ...scopeFilter(staff), ...(q.cursor ? { _id: { $lt: new Types.ObjectId(q.cursor) } } : {}) };
  const rows = await ScreeningContacts(app.db)
    .find(where)
    .sort({ _id: -1 })
    .limit(q.limit + 1)
    .lean();
  const page = rows.slice(0, q.limit);
  const residents = await residentsByIds(
    app,
    page.map((v) => v.residentId),
    ['nameEnc'],
  );
  const names = new Map(residents.map((r) => [String(r._id), r.nameEnc ? maskName(app.pii.open(r.nameEnc)) : '（已注销）']));
  return {
    items: page.map((v) => ({ ...contactView(v, undefined), nameMasked: names.get(String(v.residentId)) ?? '（已注销）' })),
    nextCursor: rows.length > q.limit ? String(page.at(-1)!._id) : null,
  };
}

/** For the console's start page: my open cases, how many are overdue, and call-backs asked for. */
export async function caseSummaryCounts(app: AppContext, staff: StaffPrincipal) {
  const now = app.clock.now();
  const rows = await ScreeningCases(app.db)
    .find(
      { ...scopeFilter(staff), ...(staff.role === 'village_worker' ? { assigneeId: staff.id } : {}), status: { $in: ACTIVE } },
      { status: 1, contactDue: 1, referralDue: 1, callbackAt: 1 },
    )
    .lean();
  return {
    open: rows.length,
    overdue: rows.filter((c) => isOverdue(c as CaseDoc, now)).length,
    callbacks: rows.filter((c) => c.callbackAt).length,
  };
}

// ---- resident side ----

/** The resident asks to be called back about her result: flagged on the board, and her worker gets a bot message. */
export async function requestCallback(app: AppContext, c: CaseDoc): Promise<void> {
  if (isTerminal(CASE_EDGES, c.status)) throw new AppError('INVALID_TRANSITION', 409, '随访已经结束，如有疑问请直接联系村卫生室');
  const now = app.clock.now();
  await ScreeningCases(app.db).updateOne({ _id: c._id }, { $set: { callbackAt: now, updatedAt: now } });
  if (!c.assigneeId) return;
  const linked = await linkedWechatIds(app, [c.assigneeId]);
  const wechatId = linked.get(c.assigneeId);
  if (!wechatId) return;
  await enqueue(app, {
    key: `screening:callback:${String(c._id)}:${shanghaiDay(now)}`,
    channel: 'room',
    payload: {
      contactId: wechatId,
      text: '您好，您负责随访的一位居民请您回电，请在工作台“筛查随访”中查看。',
      expiresAt: new Date(now.getTime() + 12 * 3600_000).toISOString(),
    },
    source: { task: 'screenings.callback' },
    areaPath: [],
  });
}

/** The resident says she went to the hospital she was referred to: the case moves to "attended". */
export async function confirmWent(app: AppContext, c: CaseDoc): Promise<CaseDoc> {
  const now = app.clock.now();
  await ScreeningCases(app.db).updateOne({ _id: c._id }, { $set: { residentWentAt: now } });
  if (c.status !== 'referred') {
    if (['attended', 'diagnosed', 'closed'].includes(c.status)) return c;
    throw new AppError('INVALID_TRANSITION', 409, '还没有转诊，不需要确认');
  }
  return workflow.apply(app, c._id, 'attended', { type: 'resident', id: String(c.residentId) }, { noteEnc: app.pii.seal('居民在小程序中确认已到医院就诊') });
}

/** End a case when the resident withdraws her consent or is erased (the system acts). */
export async function withdrawCase(app: AppContext, caseId: Types.ObjectId): Promise<void> {
  const c = await workflow.settle(app, caseId);
  if (isTerminal(CASE_EDGES, c.status)) return;
  await workflow.apply(app, caseId, 'withdrawn', { type: 'system', id: 'screenings' }, {});
}

/** Remove the free text of a case: step notes and contact notes. */
export async function eraseCaseNotes(app: AppContext, caseId: Types.ObjectId): Promise<void> {
  await ScreeningCaseTransitions(app.db).updateMany({ caseId }, { $unset: { noteEnc: 1 } });
  await ScreeningContacts(app.db).updateMany({ caseId }, { $unset: { noteEnc: 1 } });
}

// ---- the daily task ----

/**
 * Each morning: every village worker with overdue cases and a linked WeChat gets one private message (a count,
 * never a name), keyed per worker and day; a case past its deadline by SCREENING_ESCALATE_DAYS (or with nobody
 * assigned) is escalated once per step to the town admins of its town, one message per admin and day.
 */
export async function queueOverdue(app: AppContext): Promise<{ reminded: number; escalated: number }> {
  const now = app.clock.now();
  const rows = await ScreeningCases(app.db)
    .find({ status: { $in: ['open', 'contacted'] } }, { status: 1, seq: 1, contactDue: 1, referralDue: 1, assigneeId: 1, areaPath: 1, escalatedSeq: 1 })
    .lean();
  const late = rows.filter((c) => dueOf(c)! < now);
  const perWorker = new Map<string, number>();
  for (const c of late) if (c.assigneeId) perWorker.set(c.assigneeId, (perWorker.get(c.assigneeId) ?? 0) + 1);
  const day = shanghaiDay(now);
  const expiresAt = new Date(now.getTime() + 12 * 3600_000).toISOString();
  let reminded = 0;
  const linked = perWorker.size ? await linkedWechatIds(app, [...perWorker.keys()]) : new Map<string, string>();
  for (const [staffId, wechatId] of linked) {
    const r = await enqueue(app, {
      key: `screening:overdue:${staffId}:${day}`,
      channel: 'room',
      payload: {
        contactId: wechatId,
        text: `您好，您负责的筛查随访中有 ${perWorker.get(staffId)} 人已超过随访期限，请尽快联系，并在工作台“筛查随访”中登记。`,
        expiresAt,
      },
      source: { task: 'screenings.overdue' },
      areaPath: [],
    });
    if (r.created) reminded++;
  }
  const escalate = late.filter(
    (c) => c.escalatedSeq !== c.seq && (!c.assigneeId || dueOf(c)!.getTime() + app.config.SCREENING_ESCALATE_DAYS * DAY < now.getTime()),
  );
  if (!escalate.length) return { reminded, escalated: 0 };
  const admins = await activeAdmins(app, 'town_admin');
  const perAdmin = new Map<string, { wechatId?: string; n: number }>();
  for (const c of escalate) {
    for (const a of admins.filter((x) => c.areaPath.includes(x.areaCode))) {
      const e = perAdmin.get(a.id) ?? { wechatId: a.wechatId, n: 0 };
      e.n++;
      perAdmin.set(a.id, e);
    }
  }
  for (const [adminId, e] of perAdmin) {
    if (!e.wechatId) continue;
    await enqueue(app, {
      key: `screening:escalate:${adminId}:${day}`,
      channel: 'room',
      payload: {
        contactId: e.wechatId,
        text: `您好，本镇街有 ${e.n} 个筛查随访个案超过期限仍未处理（或村里没有随访员），请在工作台“筛查随访”中查看并督促。`,
        expiresAt,
      },
      source: { task: 'screenings.escalate' },
      areaPath: [],
    });
  }
  for (const c of escalate) await ScreeningCases(app.db).updateOne({ _id: c._id, seq: c.seq }, { $set: { escalatedSeq: c.seq } });
  return { reminded, escalated: escalate.length };
}
