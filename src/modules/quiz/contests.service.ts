import { Types } from 'mongoose';
import { openContestAttempt } from './drafts.service';
import type { AppContext } from '../../context';
import { isDuplicateKey } from '../../db/model';
import { AppError, notFound, validationError } from '../../http/errors';
import { shanghaiDay } from '../../lib/shanghai';
import { getArea } from '../areas';
import { audit, type Actor } from '../audit';
import { getResident } from '../residents';
import { assertInScope, type StaffPrincipal } from '../staff';
import { findPage, type PageQuery } from '../../lib/pagination';
import { escapeRegex } from '../../lib/regex';
import { Attempts, Contests, QuizKeys, type ContestDoc, type ContestKind, type ContestStatus, type DrawRule } from './quiz.model';
import { activeQuestions } from './pool';
import { contestPaper, STANDARD_PAPER_SIZE } from './blueprint';
import { attemptView, newAttempt } from './attempts.service';
import { forgetReserved, reservePool } from './reserved';
import { certificateFor } from './rewards.service';

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

export async function createContest(app: AppContext, actor: Actor, staff: StaffPrincipal, input: ContestInput) {
  const rules = contestRules(input);
  checkWindow({ ...input, ...rules });
  const area = await scopeArea(app, staff, input.areaCode);
  const now = app.clock.now();
  const doc = await Contests(app.db).create({
    ...input, ...rules, kind: input.kind ?? 'contest', description: input.description ?? '', startAt: new Date(input.startAt), endAt: new Date(input.endAt),
    areaCode: area.code, areaPath: area.path, status: 'draft', createdBy: staff.id, createdAt: now, updatedAt: now,
  });
  await audit(app, actor, 'quiz.contest.create', { type: 'quiz-contest', id: String(doc._id) }, { title: input.title });
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
    ...(q.status ? { status: q.status } : {}), ...(q.kind ? { kind: q.kind } : {}),
    ...(q.q ? { title: { $regex: escapeRegex(q.q) } } : {}),
  };
  return findPage(Contests(app.db), filter, q, (rows) => rows.map(contestView));
}

export async function updateContest(app: AppContext, actor: Actor, staff: StaffPrincipal, id: string, patch: Partial<ContestInput>) {
  const c = await managedContest(app, staff, id);
  if (c.status !== 'draft') throw new AppError('CONTEST_NOT_EDITABLE', 409, '竞赛已发布，不能再修改规则');
  const merged = { ...contestView(c), ...patch };
  const rules = contestRules({ ...merged, drawRules: merged.kind === 'assessment' ? patch.drawRules : merged.drawRules });
  checkWindow({ ...merged, ...rules });
  const set: Record<string, unknown> = { ...patch, ...rules, updatedAt: app.clock.now() };
  if (patch.startAt) set.startAt = new Date(patch.startAt);
  if (patch.endAt) set.endAt = new Date(patch.endAt);
  if (patch.areaCode) set.areaPath = (await scopeArea(app, staff, patch.areaCode)).path;
  const updated = await Contests(app.db).findOneAndUpdate({ _id: c._id, status: 'draft' }, { $set: set }, { new: true }).lean();
  if (!updated) throw new AppError('CONTEST_NOT_EDITABLE', 409, '竞赛已发布，不能再修改规则');
  await audit(app, actor, 'quiz.contest.update', { type: 'quiz-contest', id }, { fields: Object.keys(patch) });
  return contestView(updated);
}

export async function setContestStatus(app: AppContext, actor: Actor, staff: StaffPrincipal, id: string, to: 'published' | 'closed') {
  const c = await managedContest(app, staff, id);
  const from = to === 'published' ? 'draft' : 'published';
  if (c.status !== from) throw new AppError('CONTEST_STATUS', 409, to === 'published' ? '只有草稿可以发布' : '只有已发布的竞赛可以结束');
  const set: Record<string, unknown> = { status: to, updatedAt: app.clock.now() };
  if (to === 'published') {
    const active = await activeQuestions(app);
    if (contestPaper(active, c).length === 0) throw new AppError('NO_QUESTIONS', 409, '抽题规则选不出任何题目');
    if (c.reserveQuestions) set.reservedQuestionIds = reservePool(active, c);
  }
  const updated = await Contests(app.db).findOneAndUpdate({ _id: c._id, status: from }, { $set: set }, { new: true }).lean();
  if (!updated) throw new AppError('CONTEST_STATUS', 409, '竞赛状态已变化，请刷新');
  if (updated.reserveQuestions) forgetReserved(app);
  await audit(app, actor, `quiz.contest.${to === 'published' ? 'publish' : 'close'}`, { type: 'quiz-contest', id });
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
  const rows = await Contests(app.db).find({ status: { $in: ['published', 'closed'] }, areaCode: { $in: r.areaPath } }).sort({ endAt: -1 }).limit(50).lean();
  const items = await Promise.all(rows.map(async (c) => {
    const cert = await certificateFor(app, c._id, residentId);
    const state = c.status === 'closed' || now > c.endAt ? 'ended' : now < c.startAt ? 'upcoming' : 'open';
    const openAttemptId = state === 'open' ? await openContestAttempt(app, residentId, c._id) : null;
    return { ...contestView(c), state, attemptsUsed: await Attempts(app.db).countDocuments({ residentId, contestId: c._id }), certificateCode: cert?.code ?? null, openAttemptId };
  }));
  return { items };
}

/**
 * Take the first free slot `<scope>:<n>` with n ≤ limit. Inserting is taking; a duplicate key means the
 * number is held (by an earlier attempt or a concurrent request), so the next one is tried. Never more than
 * `limit` succeed. Only inserts by `_id`: no query that FerretDB's SQLite backend would have to scan.
 */
async function takeSlot(app: AppContext, scope: string, limit: number, attemptId: Types.ObjectId): Promise<string | null> {
  const now = app.clock.now();
  // start at the number this process expects to be free (no probing past the k−1 taken ones), then wrap
  const hint = Math.min(nextSlot.get(scope) ?? 1, limit);
  for (let i = 0; i < limit; i++) {
    const n = ((hint - 1 + i) % limit) + 1;
    try {
      await QuizKeys(app.db).collection.insertOne({ _id: `${scope}:${n}`, scope, attemptId, at: now } as never);
      if (nextSlot.size >= 50_000) nextSlot.clear();
      nextSlot.set(scope, n + 1);
      return `${scope}:${n}`;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
  }
  return null;
}

/** The slot number each scope is expected to take next, as far as this process has seen. */
const nextSlot = new Map<string, number>();

export async function startContestAttempt(app: AppContext, residentId: Types.ObjectId, contestId: string) {
  const c = Types.ObjectId.isValid(contestId) ? await Contests(app.db).findById(contestId).lean() : null;
  if (!c || c.status === 'draft') throw notFound('竞赛');
  const now = app.clock.now();
  if (c.status === 'closed' || now > c.endAt) throw new AppError('CONTEST_ENDED', 409, '竞赛已经结束');
  if (now < c.startAt) throw new AppError('CONTEST_NOT_STARTED', 409, '竞赛还没有开始');
  const r = await residentArea(app, residentId);
  if (!r.areaPath.includes(c.areaCode)) throw new AppError('OUT_OF_AREA', 403, '这个竞赛不面向您所在的村');
  const attemptId = new Types.ObjectId();
  const base = `contest:${String(c._id)}:${String(residentId)}`;
  const daySlot = await takeSlot(app, `${base}:day:${shanghaiDay(now)}`, c.attemptsPerDay, attemptId);
  if (!daySlot) throw new AppError('DAILY_ATTEMPTS_USED', 409, `今天的 ${c.attemptsPerDay} 次机会已用完，明天再来吧`);
  const totalSlot = await takeSlot(app, `${base}:total`, c.attemptsTotal, attemptId);
  if (!totalSlot) {
    await QuizKeys(app.db).deleteOne({ _id: daySlot });
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
    await QuizKeys(app.db).deleteMany({ _id: { $in: [daySlot, totalSlot] } }); // nothing was given out
    throw err;
  }
}
