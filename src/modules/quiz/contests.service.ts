import { Types } from 'mongoose';
import { assertInScope, type Caller, type StaffPrincipal } from '../../access';
import { openContestAttempt } from './drafts.service';
import type { AppContext } from '../../context';
import { insertShared } from '../../db/model';
import { collectionOf, removeHeld } from '../../db/coordination';
import { AppError, notFound, validationError } from '../../http/errors';
import { copyTitle, datesAhead } from '../../lib/copy-dates';
import { shanghaiDay } from '../../lib/shanghai';
import { getArea } from '../areas';
import { getResident } from '../residents';
import { findPage, type PageQuery } from '../../lib/pagination';
import { escapeRegex } from '../../lib/regex';
import { Attempts, Contests, QuizKeys, type ContestDoc, type ContestKind, type ContestStatus, type DrawRule, type QuizKeyDoc } from './quiz.model';
import { activeQuestions } from './pool';
import { contestPaper, STANDARD_PAPER_SIZE } from './blueprint';
import { attemptView, newAttempt } from './attempts.service';
import { forgetReserved, reservePool } from './reserved';
import { certificateFor } from './rewards.service';
import { cachedContest, forgetContest } from './contest-cache';

interface ContestInput {
  kind?: ContestKind;
  title: string;
  description?: string;
  startAt: string;
  endAt: string;
  areaCode: string;
  drawRules?: DrawRule[];
  timeLimitSec: number;
  attemptsPerDay?: number;
  attemptsTotal?: number;
  passScore?: number;
  reserveQuestions?: boolean;
}

/** An assessment is the standard paper, one attempt, literate from 80 points; a contest states its own rules. */
const ASSESSMENT_RULES = { drawRules: [] as DrawRule[], attemptsPerDay: 1, attemptsTotal: 1, passScore: 80, reserveQuestions: true };

function contestRules(input: ContestInput) {
  if (input.kind === 'assessment') {
    if (input.drawRules?.length) throw validationError('drawRules', '健康素养测评使用标准试卷，不能自定抽题规则');
    return ASSESSMENT_RULES;
  }
  const { drawRules, attemptsPerDay, attemptsTotal, passScore } = input;
  if (!drawRules?.length) throw validationError('drawRules', '请设置抽题规则');
  if (attemptsPerDay === undefined) throw validationError('attemptsPerDay', '请填写每日答题次数');
  if (attemptsTotal === undefined) throw validationError('attemptsTotal', '请填写总答题次数');
  if (passScore === undefined) throw validationError('passScore', '请填写及格分');
  return { drawRules, attemptsPerDay, attemptsTotal, passScore };
}

export const contestView = (c: ContestDoc) => ({
  id: String(c._id),
  kind: c.kind ?? 'contest',
  title: c.title,
  description: c.description,
  startAt: c.startAt.toISOString(),
  endAt: c.endAt.toISOString(),
  areaCode: c.areaCode,
  questionCount: c.kind === 'assessment' ? STANDARD_PAPER_SIZE : c.drawRules.reduce((s, r) => s + r.count, 0),
  drawRules: c.drawRules.map((r) => ({ tags: r.tags, ...(r.difficulty !== undefined ? { difficulty: r.difficulty } : {}), count: r.count })),
  timeLimitSec: c.timeLimitSec,
  attemptsPerDay: c.attemptsPerDay,
  attemptsTotal: c.attemptsTotal,
  passScore: c.passScore,
  reserveQuestions: c.reserveQuestions ?? false,
  status: c.status,
});

function checkWindow(input: Pick<ContestInput, 'startAt' | 'endAt'> & { attemptsPerDay: number; attemptsTotal: number }) {
  if (new Date(input.endAt) <= new Date(input.startAt)) throw validationError('endAt', '结束时间要晚于开始时间');
  if (input.attemptsPerDay > input.attemptsTotal) throw validationError('attemptsPerDay', '每日次数不能超过总次数');
}

async function scopeArea(app: AppContext, staff: StaffPrincipal, areaCode: string) {
  const area = await getArea(app, areaCode);
  if (!area) throw validationError('areaCode', `地区编码 ${areaCode} 不存在`, { code: 'INVALID_AREA' });
  assertInScope(staff, area.path);
  return area;
}

export async function createContest(app: AppContext, caller: Caller, input: ContestInput) {
  const rules = contestRules(input);
  checkWindow({ ...input, ...rules });
  const area = await scopeArea(app, caller.staff, input.areaCode);
  const now = app.clock.now();
  const doc = await Contests(app.db).create({
    ...input,
    ...rules,
    kind: input.kind ?? 'contest',
    description: input.description ?? '',
    startAt: new Date(input.startAt),
    endAt: new Date(input.endAt),
    areaCode: area.code,
    areaPath: area.path,
    status: 'draft',
    createdBy: caller.staff.id,
    createdAt: now,
    updatedAt: now,
  });
  await caller.audit('quiz.contest.create', { type: 'quiz-contest', id: String(doc._id) }, { title: input.title });
  return contestView(doc.toObject());
}

/** A contest staff may manage: its scope lies within theirs. */
export async function managedContest(app: AppContext, staff: StaffPrincipal, id: string): Promise<ContestDoc> {
  const c = Types.ObjectId.isValid(id) ? await Contests(app.db).findById(id).lean() : null;
  if (!c) throw notFound('竞赛');
  assertInScope(staff, c.areaPath);
  return c;
}

/** A contest staff may look at: within their scope, or covering their area (a village worker in a district contest). */
export async function visibleContest(app: AppContext, staff: StaffPrincipal, id: string): Promise<ContestDoc> {
  const c = Types.ObjectId.isValid(id) ? await Contests(app.db).findById(id).lean() : null;
  if (!c || !(c.areaPath.includes(staff.areaCode) || staff.areaPath.includes(c.areaCode))) throw notFound('竞赛');
  return c;
}

export interface StaffContestQuery extends PageQuery {
  status?: ContestStatus;
  kind?: ContestKind;
  q?: string;
}

/** Contests within the staff member's scope or covering their area, newest first, by status, kind and title words. */
export async function listContestsForStaff(app: AppContext, staff: StaffPrincipal, q: StaffContestQuery) {
  const filter: Record<string, unknown> = {
    $or: [{ areaPath: staff.areaCode }, { areaCode: { $in: staff.areaPath } }],
    ...(q.status ? { status: q.status } : {}),
    ...(q.kind ? { kind: q.kind } : {}),
    ...(q.q ? { title: { $regex: escapeRegex(q.q) } } : {}),
  };
  return findPage(Contests(app.db), filter, q, (rows) => rows.map(contestView));
}

export async function updateContest(app: AppContext, caller: Caller, id: string, patch: Partial<ContestInput>) {
  const c = await managedContest(app, caller.staff, id);
  if (c.status !== 'draft') throw new AppError('CONTEST_NOT_EDITABLE', 409, '竞赛已发布，不能再修改规则');
  const merged = { ...contestView(c), ...patch };
  const rules = contestRules({ ...merged, drawRules: merged.kind === 'assessment' ? patch.drawRules : merged.drawRules });
  checkWindow({ ...merged, ...rules });
  const set: Record<string, unknown> = { ...patch, ...rules, updatedAt: app.clock.now() };
  if (patch.startAt) set.startAt = new Date(patch.startAt);
  if (patch.endAt) set.endAt = new Date(patch.endAt);
  if (patch.areaCode) set.areaPath = (await scopeArea(app, caller.staff, patch.areaCode)).path;
  const updated = await Contests(app.db).findOneAndUpdate({ _id: c._id, status: 'draft' }, { $set: set }, { new: true }).lean();
  if (!updated) throw new AppError('CONTEST_NOT_EDITABLE', 409, '竞赛已发布，不能再修改规则');
  forgetContest(app, c._id);
  await caller.audit('quiz.contest.update', { type: 'quiz-contest', id }, { fields: Object.keys(patch) });
  return contestView(updated);
}

/** Delete a contest that is still a draft (no resident has seen it); audited with its title. */
export async function deleteContest(app: AppContext, caller: Caller, id: string): Promise<void> {
  const c = await managedContest(app, caller.staff, id);
  if (c.status !== 'draft') throw new AppError('CONTEST_NOT_EDITABLE', 409, '只有草稿可以删除');
  const gone = await Contests(app.db).findOneAndDelete({ _id: c._id, status: 'draft' }).lean();
  if (!gone) throw new AppError('CONTEST_NOT_EDITABLE', 409, '只有草稿可以删除');
  forgetContest(app, c._id);
  await caller.audit('quiz.contest.delete', { type: 'quiz-contest', id }, { title: c.title });
}

/**
 * Copy a contest (any status) into a new draft in the same area: its rules and texts, not its attempts or its
 * reserved pool; dates already past move on by whole days so the copy starts after now.
 */
export async function copyContest(app: AppContext, caller: Caller, id: string) {
  const c = await managedContest(app, caller.staff, id);
  const now = app.clock.now();
  const dates = datesAhead(c.startAt, c.endAt, now);
  const doc = await Contests(app.db).create({
    kind: c.kind ?? 'contest',
    title: copyTitle(c.title, 60),
    description: c.description,
    startAt: dates.startAt,
    endAt: dates.endAt,
    areaCode: c.areaCode,
    areaPath: c.areaPath,
    drawRules: c.drawRules,
    timeLimitSec: c.timeLimitSec,
    attemptsPerDay: c.attemptsPerDay,
    attemptsTotal: c.attemptsTotal,
    passScore: c.passScore,
    reserveQuestions: c.reserveQuestions ?? false,
    status: 'draft',
    createdBy: caller.staff.id,
    createdAt: now,
    updatedAt: now,
  });
  await caller.audit('quiz.contest.copy', { type: 'quiz-contest', id: String(doc._id) }, { from: id, title: doc.title });
  return contestView(doc.toObject());
}

export async function setContestStatus(app: AppContext, caller: Caller, id: string, to: 'published' | 'closed') {
  const c = await managedContest(app, caller.staff, id);
  const from = to === 'published' ? 'draft' : 'published';
  if (c.status !== from) throw new AppError('CONTEST_STATUS', 409, to === 'published' ? '只有草稿可以发布' : '只有已发布的竞赛可以结束');
  const set: Record<string, unknown> = { status: to, updatedAt: app.clock.now() };
  if (to === 'published') {
    const active = await activeQuestions(app);
    if (contestPaper(active, c).length === 0) throw new AppError('NO_QUESTIONS', 409, '抽题规则选不出任何题目');
    if (c.reserveQuestions) set.reservedQuestionIds = reservePool(active, c);
  }
  const updated = await Contests(app.db).findOneAndUpdate({ _id: c._id, status: from }, { $set: set }, { new: true }).lean();
  forgetContest(app, c._id);
  if (!updated) throw new AppError('CONTEST_STATUS', 409, '竞赛状态已变化，请刷新');
  if (updated.reserveQuestions) forgetReserved(app);
  await caller.audit(`quiz.contest.${to === 'published' ? 'publish' : 'close'}`, { type: 'quiz-contest', id });
  return contestView(updated);
}

// ---- resident side ----

const residentArea = async (app: AppContext, residentId: Types.ObjectId) => {
  const r = await getResident(app, residentId);
  if (!r.villageCode) throw new AppError('VILLAGE_REQUIRED', 403, '请先在“我的”里选择所在的村或社区');
  return r;
};

/** Published contests open to the resident's area, newest first, with what the resident has used. */
export async function listContestsForResident(app: AppContext, residentId: Types.ObjectId) {
  const r = await getResident(app, residentId);
  if (!r.areaPath.length) return { items: [] };
  const now = app.clock.now();
  const rows = await Contests(app.db)
    .find({ status: { $in: ['published', 'closed'] }, areaCode: { $in: r.areaPath } })
    .sort({ endAt: -1 })
    .limit(50)
    .lean();
  const items = await Promise.all(
    rows.map(async (c) => {
      const cert = await certificateFor(app, c._id, residentId);
      const state = c.status === 'closed' || now > c.endAt ? 'ended' : now < c.startAt ? 'upcoming' : 'open';
      const openAttemptId = state === 'open' ? await openContestAttempt(app, residentId, c._id) : null;
      return {
        ...contestView(c),
        state,
        attemptsUsed: await Attempts(app.db).countDocuments({ residentId, contestId: c._id }),
        certificateCode: cert?.code ?? null,
        openAttemptId,
      };
    }),
  );
  return { items };
}

/** The slot number each scope is expected to take next, as far as this process has seen. */
const nextSlot = new Map<string, number>();

/**
 * Take, per scope, the first free slot `<scope>:<n>` with n ≤ its limit, and the request's claim when it has
 * one — inserted together, and with the inserts of concurrent starts (`insertShared`). Inserting is taking; a
 * refused claim is a retry of a start under way (what else was taken is given back); a refused slot means
 * that number is held (by an earlier attempt or a concurrent request), so the next one is tried from there on.
 * Never more than `limit` succeed. Starts at the number this process expects to be free, so the k-th attempt costs no failed inserts.
 */
async function takeSlots(
  app: AppContext,
  attemptId: Types.ObjectId,
  claim: QuizKeyDoc | null,
  scopes: Array<{ scope: string; limit: number }>,
): Promise<'replay' | { full: number } | { taken: string[] }> {
  const coll = collectionOf(QuizKeys(app.db));
  const at = app.clock.now();
  const n = scopes.map((s) => Math.min(nextSlot.get(s.scope) ?? 1, s.limit));
  const tried = scopes.map(() => 1);
  const taken: string[] = [];
  let pending: Array<number | 'claim'> = [...(claim ? ['claim' as const] : []), ...scopes.map((_, i) => i)];
  const giveBack = async () => {
    if (taken.length) await coll.deleteMany({ _id: { $in: taken } });
  };
  while (pending.length) {
    // the inserts of concurrent starts go in together (insertShared); each document is decided on its own
    const docs = pending.map((p) => (p === 'claim' ? claim! : { _id: `${scopes[p]!.scope}:${n[p]}`, scope: scopes[p]!.scope, attemptId, at }));
    const ok = await Promise.all(docs.map((d) => insertShared(coll, d)));
    taken.push(...docs.filter((_, i) => ok[i]).map((d) => d._id));
    const refused = pending.filter((_, i) => !ok[i]);
    if (refused.includes('claim')) {
      // a retry of a start already under way: give back what this one took
      await giveBack();
      return 'replay';
    }
    for (const p of refused as number[]) {
      if (tried[p]! >= scopes[p]!.limit) {
        await giveBack();
        return { full: p };
      }
      tried[p]!++;
      n[p] = (n[p]! % scopes[p]!.limit) + 1;
    }
    pending = refused;
  }
  if (nextSlot.size >= 50_000) nextSlot.clear();
  scopes.forEach((s, i) => nextSlot.set(s.scope, n[i]! + 1));
  return { taken };
}

/**
 * Start a contest attempt: the day's and the total slot (and the request's Idempotency-Key claim) in one
 * insert, the attempt in another. A retry with the same key is answered from the attempt its claim names.
 */
export async function startContestAttempt(app: AppContext, residentId: Types.ObjectId, contestId: string, idempotencyKey?: string) {
  const c = Types.ObjectId.isValid(contestId) ? await cachedContest(app, contestId) : null;
  if (!c || c.status === 'draft') throw notFound('竞赛');
  const now = app.clock.now();
  if (c.status === 'closed' || now > c.endAt) throw new AppError('CONTEST_ENDED', 409, '竞赛已经结束');
  if (now < c.startAt) throw new AppError('CONTEST_NOT_STARTED', 409, '竞赛还没有开始');
  const r = await residentArea(app, residentId);
  if (!r.areaPath.includes(c.areaCode)) throw new AppError('OUT_OF_AREA', 403, '这个竞赛不面向您所在的村');
  const attemptId = new Types.ObjectId();
  const base = `contest:${String(c._id)}:${String(residentId)}`;
  const claimScope = `start:${String(c._id)}:${String(residentId)}`;
  const claim = idempotencyKey ? { _id: `${claimScope}:${idempotencyKey}`, scope: claimScope, attemptId, at: now } : null;
  const got = await takeSlots(app, attemptId, claim, [
    { scope: `${base}:day:${shanghaiDay(now)}`, limit: c.attemptsPerDay },
    { scope: `${base}:total`, limit: c.attemptsTotal },
  ]);
  if (got === 'replay') return replayStart(app, claim!._id, c);
  const release = async () => {
    if (claim) await removeHeld(collectionOf(QuizKeys(app.db)), claim, 'attemptId');
  };
  if ('full' in got) {
    await release();
    if (got.full === 0) throw new AppError('DAILY_ATTEMPTS_USED', 409, `今天的 ${c.attemptsPerDay} 次机会已用完，明天再来吧`);
    throw new AppError('ATTEMPTS_USED', 409, `${c.attemptsTotal} 次答题机会已全部用完`);
  }
  try {
    // An assessment has attemptsTotal 1: the slot key `contest:<c>:<r>:total:1` is its one scored attempt.
    const active = await activeQuestions(app);
    const reserved = c.reservedQuestionIds ? new Set(c.reservedQuestionIds.map(String)) : null;
    const items = contestPaper(reserved ? active.filter((q) => reserved.has(String(q._id))) : active, c);
    const deadline = new Date(now.getTime() + c.timeLimitSec * 1000);
    const a = await newAttempt(app, residentId, 'contest', items, deadline, { contestId: c._id }, attemptId);
    return attemptView(app, a, c);
  } catch (err) {
    // nothing was given out
    await collectionOf(QuizKeys(app.db)).deleteMany({ _id: { $in: got.taken.filter((k) => k !== claim?._id) } });
    await release();
    throw err;
  }
}

/** A retry of a start: the attempt its claim names, once it exists. */
async function replayStart(app: AppContext, claimId: string, c: ContestDoc) {
  const k = await QuizKeys(app.db).findById(claimId).lean();
  const a = k ? await Attempts(app.db).findById(k.attemptId).lean() : null;
  if (!a) throw new AppError('REQUEST_IN_PROGRESS', 409, '上一次提交还在处理中，请稍候');
  return attemptView(app, a, c);
}
