import { Types } from 'mongoose';
import { assertInScope, type Caller, inScope, scopeFilter, type StaffPrincipal } from '../../access';
import type { AppContext } from '../../context';
import { cachePerDatabase, collectionOf } from '../../db/coordination';
import { isDuplicateKey } from '../../db/model';
import { AppError, forbidden, notFound, validationError } from '../../http/errors';
import { shanghaiDay } from '../../lib/shanghai';
import { findPage, type PageQuery } from '../../lib/pagination';
import { MAINLAND_MOBILE, maskName, maskPhone } from '../../lib/pii';
import { getArea } from '../areas';
import { createBroadcast } from '../campaigns';
import { requireConsent } from '../residents';
import { photoIds, readNominationPhoto } from './selections.photos';
import {
  KIND_LABELS,
  Nominations,
  SelectionSteps,
  Selections,
  Votes,
  type NominationDoc,
  type NomineePersonal,
  type RoundStatus,
  type SelectionDoc,
  type SelectionKind,
  type VoteDoc,
} from './selections.model';
import { selectionStatus } from '../../dictionaries';

/** Each status has one next step; a step is recorded once (unique `<round>:<status>`), so publicity is queued once. */
const NEXT: Readonly<Record<RoundStatus, RoundStatus | null>> = {
  draft: 'nominating',
  nominating: 'reviewing',
  reviewing: 'voting',
  voting: 'closed',
  closed: 'published',
  published: null,
};
const STATUS_LABELS = selectionStatus.labels;
/** The status each review decision gives a nomination. */
const DECIDED = { approve: 'approved', reject: 'rejected', merge: 'merged' } as const;
/** A second vote within this many seconds of the resident's previous one is flagged as a burst. */
const BURST_SECONDS = 5;

/**
 * The areas whose rounds a resident takes part in: their village's path, or only the district without a village
 * (a resident who never chose a village has no stored path).
 */
const areasOf = (r: { areaPath?: string[] }): string[] => (r.areaPath?.length ? r.areaPath : ['370303']);

const oid = (s: string): Types.ObjectId | null => (Types.ObjectId.isValid(s) ? new Types.ObjectId(s) : null);

interface RoundInput {
  kind: SelectionKind;
  title: string;
  rules: string;
  areaCode: string;
  nominateFrom: string;
  nominateTo: string;
  voteFrom: string;
  voteTo: string;
  winners: number;
  votesPerDay: number;
  residentNominations: boolean;
}

export const roundView = (s: SelectionDoc) => ({
  id: String(s._id),
  kind: s.kind,
  kindLabel: KIND_LABELS[s.kind],
  title: s.title,
  rules: s.rules,
  areaCode: s.areaCode,
  nominateFrom: s.nominateFrom.toISOString(),
  nominateTo: s.nominateTo.toISOString(),
  voteFrom: s.voteFrom.toISOString(),
  voteTo: s.voteTo.toISOString(),
  winners: s.winners,
  votesPerDay: s.votesPerDay,
  residentNominations: s.residentNominations,
  status: s.status,
  statusLabel: STATUS_LABELS[s.status],
});

// ---- rounds (staff) ----

/** The round's area: the district or one town, in the staff member's scope. */
async function roundArea(staff: StaffPrincipal, app: AppContext, areaCode: string) {
  const area = await getArea(app, areaCode);
  if (!area || !['district', 'town', 'subdistrict'].includes(area.level)) throw validationError('areaCode', '评选范围应为全区或一个镇街');
  assertInScope(staff, area.path);
  return area;
}

type Times = Pick<SelectionDoc, 'nominateFrom' | 'nominateTo' | 'voteFrom' | 'voteTo'>;
function checkTimes(t: Times): void {
  if (!(t.nominateFrom < t.nominateTo && t.nominateTo <= t.voteFrom && t.voteFrom < t.voteTo)) {
    throw validationError('voteFrom', '时间顺序应为：推荐开始 < 推荐截止 ≤ 投票开始 < 投票截止');
  }
}

export async function createRound(app: AppContext, caller: Caller, input: RoundInput): Promise<SelectionDoc> {
  const area = await roundArea(caller.staff, app, input.areaCode);
  const times = {
    nominateFrom: new Date(input.nominateFrom),
    nominateTo: new Date(input.nominateTo),
    voteFrom: new Date(input.voteFrom),
    voteTo: new Date(input.voteTo),
  };
  checkTimes(times);
  const now = app.clock.now();
  const doc = await Selections(app.db).create({
    ...input,
    ...times,
    areaPath: area.path,
    status: 'draft',
    createdBy: caller.staff.id,
    createdAt: now,
    updatedAt: now,
    publicity: {},
  });
  await caller.audit('selection.create', { type: 'selection', id: String(doc._id) }, { title: input.title });
  return doc.toObject();
}

/** A round is changed only while it is a draft: once nominations open, residents and villages rely on it. */
export async function updateRound(app: AppContext, caller: Caller, id: string, patch: Partial<RoundInput>): Promise<SelectionDoc> {
  const s = await roundInScope(app, caller.staff, id);
  if (caller.staff.role === 'village_worker' || !inScope(caller.staff, s.areaPath)) throw forbidden('只有本活动范围的镇街或区管理员可以修改评选');
  if (s.status !== 'draft') throw new AppError('ROUND_LOCKED', 409, '评选已开始推荐，不能再修改');
  const set: Partial<SelectionDoc> = { updatedAt: app.clock.now() };
  for (const k of ['kind', 'title', 'rules', 'winners', 'votesPerDay', 'residentNominations'] as const)
    if (patch[k] !== undefined) Object.assign(set, { [k]: patch[k] });
  for (const k of ['nominateFrom', 'nominateTo', 'voteFrom', 'voteTo'] as const) if (patch[k]) set[k] = new Date(patch[k]);
  checkTimes({ ...s, ...set } as Times);
  if (patch.areaCode && patch.areaCode !== s.areaCode)
    Object.assign(set, { areaCode: patch.areaCode, areaPath: (await roundArea(caller.staff, app, patch.areaCode)).path });
  await Selections(app.db).updateOne({ _id: s._id }, { $set: set });
  invalidate(app, String(s._id));
  await caller.audit('selection.update', { type: 'selection', id }, { fields: Object.keys(patch) });
  return { ...s, ...set };
}

export async function roundInScope(app: AppContext, staff: StaffPrincipal, id: string): Promise<SelectionDoc> {
  const s = oid(id) ? await Selections(app.db).findById(oid(id)).lean() : null;
  if (!s || !(inScope(staff, s.areaPath) || staff.areaPath.includes(s.areaCode))) throw notFound('评选活动');
  return s;
}

/** Staff see rounds of their area and the rounds above it that cover their villages. */
export async function listRounds(app: AppContext, staff: StaffPrincipal, q: PageQuery) {
  const filter = { $or: [scopeFilter(staff), { areaCode: { $in: staff.areaPath } }] };
  return findPage(Selections(app.db), filter, q, (rows) => rows.map(roundView));
}

/**
 * Move a round to its next status. The step is an insert under a unique `_id`, so of two staff pressing at once
 * one moves it; opening the vote posts the candidate list and publishing posts the winners to the round's
 * village groups as broadcasts under the campaign approval rules.
 */
export async function advanceRound(app: AppContext, caller: Caller, id: string, to: RoundStatus): Promise<SelectionDoc> {
  const s = await roundInScope(app, caller.staff, id);
  if (caller.staff.role === 'village_worker' || !inScope(caller.staff, s.areaPath)) throw forbidden('只有本活动范围的镇街或区管理员可以推进评选');
  if (to === 'draft' || NEXT[s.status] !== to) throw new AppError('INVALID_STATUS', 409, `当前状态“${STATUS_LABELS[s.status]}”不能改为“${STATUS_LABELS[to]}”`);
  const candidates = to === 'voting' || to === 'published' ? await approvedCandidates(app, s._id) : [];
  if (to === 'voting' && !candidates.length) throw new AppError('NO_CANDIDATES', 409, '还没有审核通过的候选人，不能开始投票');
  try {
    await SelectionSteps(app.db).create({ _id: `${s._id}:${to}`, selectionId: s._id, to, by: caller.staff.id, at: app.clock.now() });
  } catch (err) {
    if (isDuplicateKey(err)) throw new AppError('CONFLICT', 409, '评选状态刚被其他人更改，请刷新后再试');
    throw err;
  }
  const set: Partial<SelectionDoc> = { status: to, updatedAt: app.clock.now() };
  if (to === 'published')
    set.result = (
      await tally(
        app,
        s._id,
        candidates.map((c) => c._id),
      )
    ).slice(0, s.winners);
  await Selections(app.db).updateOne({ _id: s._id }, { $set: set });
  invalidate(app, String(s._id));
  await caller.audit(`selection.${to}`, { type: 'selection', id: String(s._id) }, { from: s.status });
  const round = { ...s, ...set } as SelectionDoc;
  if (to === 'voting') await publicise(app, caller, round, votingText(round, candidates), 'votingCampaignId');
  if (to === 'published') await publicise(app, caller, round, await winnersText(app, round, candidates), 'resultsCampaignId');
  return (await Selections(app.db).findById(s._id).lean())!;
}

async function publicise(app: AppContext, caller: Caller, s: SelectionDoc, text: string, field: 'votingCampaignId' | 'resultsCampaignId') {
  let c: Awaited<ReturnType<typeof createBroadcast>>;
  try {
    c = await createBroadcast(app, caller, {
      title: `${KIND_LABELS[s.kind]}评选`,
      text,
      targets: { areaCodes: [s.areaCode] },
      card: { title: s.title, pagePath: `pages/selections/round/index?id=${s._id}` },
    });
  } catch (err) {
    // No group is bound in the round's area yet: the round goes on; there is nobody to post to.
    if (err instanceof AppError && err.code === 'NO_GROUPS')
      return app.logger.info({ event: 'selection.no_groups', selectionId: String(s._id) }, 'no bound group to post to');
    throw err;
  }
  await Selections(app.db).updateOne({ _id: s._id }, { $set: { [`publicity.${field}`]: String(c._id) } });
}

const candidateLabel = (app: AppContext, n: NominationDoc): string => `${n.villageName} ${(JSON.parse(app.pii.open(n.personalEnc)) as NomineePersonal).name}`;

function votingText(s: SelectionDoc, candidates: NominationDoc[]): string {
  const villages = [...new Set(candidates.map((c) => c.villageName))];
  return (
    `【${s.title}】投票开始啦！共 ${candidates.length} 位候选（${villages.slice(0, 10).join('、')}${villages.length > 10 ? '等' : ''}），` +
    `每人每天可投 ${s.votesPerDay} 票，${shanghaiDay(s.voteTo)} 截止。打开小程序「评选」看看他们的故事，为身边的榜样投一票。`
  );
}

async function winnersText(app: AppContext, s: SelectionDoc, candidates: NominationDoc[]): Promise<string> {
  const byId = new Map(candidates.map((c) => [String(c._id), c]));
  const names = (s.result ?? []).map((r, i) => `${i + 1}. ${candidateLabel(app, byId.get(r.nominationId)!)}`);
  return `【${s.title}】评选结果公布：\n${names.join('\n')}\n感谢大家参与投票！`;
}

// ---- nominations ----

interface NominationInput {
  subject: 'family' | 'person';
  name: string;
  phone?: string;
  villageCode: string;
  story: string;
  consent?: { method: 'signed_form' | 'in_person' };
}

async function nominate(app: AppContext, s: SelectionDoc, by: NominationDoc['nominatedBy'], input: NominationInput, consent?: NominationDoc['consent']) {
  if (s.status !== 'nominating') throw new AppError('NOT_NOMINATING', 409, '现在不在推荐时间内');
  const village = await getArea(app, input.villageCode);
  if (!village || !['village', 'community'].includes(village.level) || !village.path.includes(s.areaCode))
    throw validationError('villageCode', '请选择本次评选范围内的村（社区）');
  if (input.phone && !MAINLAND_MOBILE.test(input.phone)) throw validationError('phone', '手机号格式不正确');
  const personal: NomineePersonal = { name: input.name.trim(), ...(input.phone ? { phone: input.phone } : {}) };
  const now = app.clock.now();
  const doc = await Nominations(app.db).create({
    selectionId: s._id,
    subject: input.subject,
    villageCode: village.code,
    villageName: village.name,
    areaPath: village.path,
    personalEnc: app.pii.seal(JSON.stringify(personal)),
    story: input.story.trim(),
    consent,
    nominatedBy: by,
    status: 'pending',
    createdAt: now,
    updatedAt: now,
  });
  return doc.toObject();
}

export async function staffNominate(app: AppContext, caller: Caller, id: string, input: NominationInput) {
  const s = await roundInScope(app, caller.staff, id);
  const village = await getArea(app, input.villageCode);
  if (village && !inScope(caller.staff, village.path)) throw forbidden('只能推荐本辖区的村（社区）');
  const n = await nominate(
    app,
    s,
    { type: 'staff', id: caller.staff.id },
    input,
    input.consent && { method: input.consent.method, recordedBy: caller.staff.id, at: app.clock.now() },
  );
  await caller.audit('selection.nominate', { type: 'nomination', id: String(n._id) }, { selectionId: id });
  return staffNominationView(app, n, []);
}

export async function residentNominate(app: AppContext, residentId: Types.ObjectId, id: string, input: Omit<NominationInput, 'consent'>) {
  await requireConsent(app, residentId, 'basic');
  const s = oid(id) ? await Selections(app.db).findById(oid(id)).lean() : null;
  if (!s || s.status === 'draft') throw notFound('评选活动');
  if (!s.residentNominations) throw new AppError('RESIDENT_NOMINATIONS_CLOSED', 403, '本次评选由村里推荐，居民不能直接推荐');
  const n = await nominate(app, s, { type: 'resident', id: String(residentId) }, input);
  return { id: String(n._id), status: n.status, message: '推荐已提交，村里核实并征得本人同意后才会公开' };
}

function staffNominationView(app: AppContext, n: NominationDoc, photos: string[], full = false) {
  const p = JSON.parse(app.pii.open(n.personalEnc)) as NomineePersonal;
  return {
    id: String(n._id),
    selectionId: String(n.selectionId),
    subject: n.subject,
    villageCode: n.villageCode,
    villageName: n.villageName,
    name: full ? p.name : maskName(p.name),
    phone: p.phone ? (full ? p.phone : maskPhone(p.phone)) : null,
    story: n.story,
    consent: n.consent ? { method: n.consent.method, at: n.consent.at.toISOString() } : null,
    nominatedBy: n.nominatedBy.type,
    status: n.status,
    rejectReason: n.rejectReason ?? null,
    mergedInto: n.mergedInto ? String(n.mergedInto) : null,
    photoIds: photos,
  };
}

export async function nominationInScope(app: AppContext, staff: StaffPrincipal, selectionId: string, nid: string): Promise<NominationDoc> {
  const n = oid(nid) ? await Nominations(app.db).findById(oid(nid)).lean() : null;
  if (!n || String(n.selectionId) !== selectionId || !inScope(staff, n.areaPath)) throw notFound('推荐');
  return n;
}

export async function listNominations(app: AppContext, staff: StaffPrincipal, id: string, q: PageQuery & { status?: string }) {
  const s = await roundInScope(app, staff, id);
  const filter = { selectionId: s._id, ...scopeFilter(staff), ...(q.status ? { status: q.status } : {}) };
  return findPage(Nominations(app.db), filter, q, async (rows) => {
    const photos = await photoIds(
      app,
      rows.map((r) => r._id),
    );
    return rows.map((n) => staffNominationView(app, n, photos.get(String(n._id)) ?? []));
  });
}

export async function viewNomination(app: AppContext, caller: Caller, id: string, nid: string) {
  const n = await nominationInScope(app, caller.staff, id, nid);
  await caller.audit('selection.nomination_view', { type: 'nomination', id: nid });
  return staffNominationView(app, n, (await photoIds(app, [n._id])).get(nid) ?? [], true);
}

/** A staff member views one photo of a nomination in their area; every view is audited. */
export async function viewNominationPhoto(app: AppContext, caller: Caller, id: string, nid: string, photoId: string) {
  const n = await nominationInScope(app, caller.staff, id, nid);
  const photo = await readNominationPhoto(app, n._id, new Types.ObjectId(photoId));
  await caller.audit('selection.photo_view', { type: 'nomination', id: nid }, { photoId });
  return photo;
}

export async function recordConsent(app: AppContext, caller: Caller, id: string, nid: string, method: 'signed_form' | 'in_person') {
  const n = await nominationInScope(app, caller.staff, id, nid);
  const consent = { method, recordedBy: caller.staff.id, at: app.clock.now() };
  await Nominations(app.db).updateOne({ _id: n._id }, { $set: { consent, updatedAt: app.clock.now() } });
  await caller.audit('selection.nominee_consent', { type: 'nomination', id: nid }, { method });
  return staffNominationView(app, { ...n, consent }, []);
}

interface ReviewInput {
  decision: 'approve' | 'reject' | 'merge';
  reason?: string;
  mergeInto?: string;
}

/** Town review: approve (needs the nominee's consent), reject with a reason, or merge a duplicate into another. */
export async function reviewNomination(app: AppContext, caller: Caller, id: string, nid: string, input: ReviewInput) {
  if (caller.staff.role === 'village_worker') throw forbidden('推荐由镇街或区管理员审核');
  const s = await roundInScope(app, caller.staff, id);
  if (!['nominating', 'reviewing'].includes(s.status)) throw new AppError('NOT_REVIEWING', 409, '现在不能审核推荐');
  const n = await nominationInScope(app, caller.staff, id, nid);
  if (n.status !== 'pending' && !(n.status === 'approved' && input.decision !== 'approve')) throw new AppError('ALREADY_REVIEWED', 409, '该推荐已审核');
  const set: Partial<NominationDoc> = { updatedAt: app.clock.now() };
  if (input.decision === 'approve') {
    if (!n.consent) throw new AppError('NOMINEE_CONSENT_REQUIRED', 409, '请先记录被推荐人的同意，才能公开其姓名和照片');
    set.status = 'approved';
  } else if (input.decision === 'reject') {
    if (!input.reason?.trim()) throw validationError('reason', '请填写不通过的原因');
    Object.assign(set, { status: 'rejected', rejectReason: input.reason.trim() });
  } else {
    const target = input.mergeInto ? await nominationInScope(app, caller.staff, id, input.mergeInto).catch(() => null) : null;
    if (!target || String(target._id) === nid || target.status === 'merged' || target.status === 'rejected')
      throw validationError('mergeInto', '请选择要合并到的另一条推荐');
    Object.assign(set, { status: 'merged', mergedInto: target._id });
  }
  await Nominations(app.db).updateOne({ _id: n._id }, { $set: set });
  await caller.audit(`selection.nomination_${DECIDED[input.decision]}`, { type: 'nomination', id: nid }, { reason: input.reason, mergeInto: input.mergeInto });
  invalidate(app, String(s._id));
  return staffNominationView(app, { ...n, ...set } as NominationDoc, []);
}

// ---- voting ----

async function approvedCandidates(app: AppContext, selectionId: Types.ObjectId): Promise<NominationDoc[]> {
  return Nominations(app.db)
    .find({ selectionId, status: 'approved', consent: { $exists: true } })
    .sort({ villageCode: 1, _id: 1 })
    .lean();
}

/** Round and public candidates, kept a few seconds: every vote and list read needs them and they rarely change. */
const CACHE_MS = 5000;
/** Rounds kept per connection; a few hundred are open at most. */
const CACHE_MAX = 1_000;
const roundCache = cachePerDatabase<{ round: SelectionDoc; candidates: Map<string, NominationDoc> }>(CACHE_MS, CACHE_MAX);
function invalidate(app: AppContext, id: string): void {
  roundCache(app).delete(id);
  totalsCache(app).delete(id);
}

async function publicRound(app: AppContext, id: string) {
  const hit = roundCache(app).get(id);
  if (hit) return hit;
  const round = oid(id) ? await Selections(app.db).findById(oid(id)).lean() : null;
  if (!round || round.status === 'draft') throw notFound('评选活动');
  const candidates = new Map((await approvedCandidates(app, round._id)).map((c) => [String(c._id), c]));
  const entry = { round, candidates };
  roundCache(app).set(id, entry);
  return entry;
}

/**
 * One vote: read the resident's vote slots of the day (by `_id`), then insert the vote into the first free
 * slot. The insert is the decision: the slot `_id` caps the day at `votesPerDay` and `dayKey` allows one vote per
 * candidate; losing a race re-reads and tries again. Votes from accounts made after voting opened, and a vote
 * within a few seconds of the resident's previous one, are flagged.
 */
export async function vote(app: AppContext, residentId: Types.ObjectId, id: string, nid: string) {
  const { round, candidates } = await publicRound(app, id);
  const now = app.clock.now();
  if (round.status !== 'voting' || now < round.voteFrom || now >= round.voteTo) throw new AppError('NOT_VOTING', 409, '现在不在投票时间内');
  const candidate = candidates.get(nid);
  if (!candidate) throw notFound('候选人');
  const resident = await requireConsent(app, residentId, 'basic');
  if (!areasOf(resident).includes(round.areaCode)) throw new AppError('OUT_OF_AREA', 403, '本次评选只限活动范围内的村（社区）居民投票');
  const day = shanghaiDay(now);
  const base = `${round._id}:${residentId}:${day}`;
  const slots = Array.from({ length: round.votesPerDay }, (_, i) => `${base}:${i + 1}`);
  for (let attempt = 0; attempt <= round.votesPerDay; attempt++) {
    // One lookup by `_id` per slot (FerretDB's SQLite backend serves `_id` equality from its primary index).
    const mine = (await Promise.all(slots.map((slot) => Votes(app.db).findById(slot, { nominationId: 1, at: 1 }).lean()))).filter((v) => v !== null);
    if (mine.some((v) => String(v.nominationId) === nid)) throw new AppError('ALREADY_VOTED_TODAY', 409, '今天已经给TA投过票了，明天再来吧');
    const taken = new Set(mine.map((v) => v._id));
    const free = slots.findIndex((s) => !taken.has(s));
    if (free < 0) throw new AppError('DAILY_VOTE_LIMIT', 409, `每人每天最多投 ${round.votesPerDay} 票，今天的票已经投完了`);
    const flags = [
      ...(resident.createdAt > round.voteFrom ? ['new_account'] : []),
      ...(mine.some((v) => now.getTime() - v.at.getTime() < BURST_SECONDS * 1000) ? ['burst'] : []),
    ];
    const doc: VoteDoc = {
      _id: slots[free]!,
      dayKey: `${base}:${nid}`,
      selectionId: round._id,
      nominationId: candidate._id,
      residentId,
      day,
      at: now,
      flags,
      flagged: flags.length > 0,
    };
    try {
      await collectionOf(Votes(app.db)).insertOne(doc);
      return { voted: true as const, remainingToday: round.votesPerDay - mine.length - 1, flagged: doc.flagged };
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
  }
  throw new AppError('CONFLICT', 409, '投票的人太多了，请稍后再试');
}

/** Votes per candidate, counted from the vote documents; flagged ones apart. Highest clean count first. */
async function tally(app: AppContext, selectionId: Types.ObjectId, ids: Types.ObjectId[]) {
  const rows = await Votes(app.db).aggregate<{ _id: { n: Types.ObjectId; f: boolean }; c: number }>([
    { $match: { selectionId } },
    { $group: { _id: { n: '$nominationId', f: '$flagged' }, c: { $sum: 1 } } },
  ]);
  const totals = new Map(ids.map((id) => [String(id), { nominationId: String(id), votes: 0, flagged: 0 }]));
  for (const r of rows) {
    const t = totals.get(String(r._id.n));
    if (t) t[r._id.f ? 'flagged' : 'votes'] += r.c;
  }
  return [...totals.values()].sort((a, b) => b.votes - a.votes || a.nominationId.localeCompare(b.nominationId));
}

const totalsCache = cachePerDatabase<{ totals: Awaited<ReturnType<typeof tally>> }>(CACHE_MS, CACHE_MAX);
async function cachedTotals(app: AppContext, round: SelectionDoc, candidates: Map<string, NominationDoc>) {
  const id = String(round._id);
  const hit = totalsCache(app).get(id);
  if (hit) return hit.totals;
  const totals = await tally(
    app,
    round._id,
    [...candidates.values()].map((c) => c._id),
  );
  totalsCache(app).set(id, { totals });
  return totals;
}

function publicCandidate(app: AppContext, n: NominationDoc, photos: string[], votes?: number) {
  const p = JSON.parse(app.pii.open(n.personalEnc)) as NomineePersonal;
  return {
    id: String(n._id),
    subject: n.subject,
    name: p.name,
    villageCode: n.villageCode,
    villageName: n.villageName,
    story: n.story,
    photoIds: photos,
    votes: votes ?? null,
  };
}

/** Rounds a resident can see: their district's and their town's, once past draft. */
export async function residentRounds(app: AppContext, residentId: Types.ObjectId) {
  const r = await requireConsent(app, residentId, 'basic');
  const codes = areasOf(r);
  const rows = await Selections(app.db)
    .find({ areaCode: { $in: codes }, status: { $ne: 'draft' } })
    .sort({ _id: -1 })
    .limit(50)
    .lean();
  return { items: rows.map(roundView) };
}

/** The round with its candidates by village, the running totals, and what this resident voted today. */
export async function residentRound(app: AppContext, residentId: Types.ObjectId, id: string) {
  await requireConsent(app, residentId, 'basic');
  const { round, candidates } = await publicRound(app, id);
  const list = [...candidates.values()];
  const photos = await photoIds(
    app,
    list.map((c) => c._id),
  );
  const showTotals = ['voting', 'closed', 'published'].includes(round.status);
  const totals = showTotals
    ? new Map((await cachedTotals(app, round, candidates)).map((t) => [t.nominationId, t.votes + t.flagged]))
    : new Map<string, number>();
  const day = shanghaiDay(app.clock.now());
  const slots = Array.from({ length: round.votesPerDay }, (_, i) => `${round._id}:${residentId}:${day}:${i + 1}`);
  const mine = (await Promise.all(slots.map((slot) => Votes(app.db).findById(slot, { nominationId: 1 }).lean()))).filter((v) => v !== null);
  const villages = new Map<string, { villageCode: string; villageName: string; candidates: ReturnType<typeof publicCandidate>[] }>();
  for (const c of list) {
    const v = villages.get(c.villageCode) ?? { villageCode: c.villageCode, villageName: c.villageName, candidates: [] };
    v.candidates.push(publicCandidate(app, c, photos.get(String(c._id)) ?? [], showTotals ? (totals.get(String(c._id)) ?? 0) : undefined));
    villages.set(c.villageCode, v);
  }
  return {
    round: roundView(round),
    villages: [...villages.values()],
    today: { day, votedFor: mine.map((v) => String(v.nominationId)), remaining: Math.max(0, round.votesPerDay - mine.length) },
  };
}

export async function residentCandidate(app: AppContext, residentId: Types.ObjectId, id: string, nid: string) {
  await requireConsent(app, residentId, 'basic');
  const { candidates } = await publicRound(app, id);
  const c = candidates.get(nid);
  if (!c) throw notFound('候选人');
  return publicCandidate(app, c, (await photoIds(app, [c._id])).get(nid) ?? []);
}

/** A public photo: only of an approved candidate whose consent is recorded. */
export async function publicPhotoOwner(app: AppContext, id: string, nid: string): Promise<Types.ObjectId> {
  const { candidates } = await publicRound(app, id);
  const c = candidates.get(nid);
  if (!c) throw notFound('照片');
  return c._id;
}

/** Published results: winners in order, then every candidate with clean and flagged votes shown apart. */
export async function results(app: AppContext, id: string, staff?: StaffPrincipal) {
  const { round, candidates } = staff ? { round: await roundInScope(app, staff, id), candidates: null } : await publicRound(app, id);
  if (!staff && round.status !== 'published') throw new AppError('NOT_PUBLISHED', 409, '评选结果还没有公布');
  const all = candidates ?? new Map((await approvedCandidates(app, round._id)).map((c) => [String(c._id), c]));
  const totals = await tally(
    app,
    round._id,
    [...all.values()].map((c) => c._id),
  );
  const label = (nid: string) => {
    const c = all.get(nid)!;
    return { name: (JSON.parse(app.pii.open(c.personalEnc)) as NomineePersonal).name, villageName: c.villageName };
  };
  const winners = (round.result ?? []).map((r, i) => ({ rank: i + 1, ...r, ...label(r.nominationId) }));
  return { round: roundView(round), winners, totals: totals.map((t) => ({ ...t, ...label(t.nominationId) })) };
}

export async function flaggedVotes(app: AppContext, staff: StaffPrincipal, id: string, q: PageQuery) {
  const s = await roundInScope(app, staff, id);
  const rows = await Votes(app.db).find({ selectionId: s._id, flagged: true }).sort({ at: -1 }).limit(q.limit).lean();
  return {
    items: rows.map((v) => ({
      id: v._id.split(':').slice(2).join(':'),
      nominationId: String(v.nominationId),
      resident: `${String(v.residentId).slice(0, 4)}…${String(v.residentId).slice(-4)}`,
      day: v.day,
      at: v.at.toISOString(),
      flags: v.flags,
    })),
  };
}

export async function winnerCertificate(app: AppContext, id: string, nid: string): Promise<string> {
  const r = await results(app, id);
  const w = r.winners.find((x) => x.nominationId === nid);
  if (!w) throw notFound('获奖证书');
  const { round } = await publicRound(app, id);
  return certificateSvg({
    name: w.name,
    villageName: w.villageName,
    title: round.title,
    kindLabel: KIND_LABELS[round.kind],
    day: shanghaiDay(round.updatedAt),
  });
}

const esc = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

function certificateSvg(c: { name: string; villageName: string; title: string; kindLabel: string; day: string }): string {
  const [y, m, d] = c.day.split('-');
  return `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="850" viewBox="0 0 1200 850">
  <rect width="1200" height="850" fill="#fffaf0"/>
  <rect x="30" y="30" width="1140" height="790" fill="none" stroke="#b8860b" stroke-width="12"/>
  <rect x="55" y="55" width="1090" height="740" fill="none" stroke="#c0392b" stroke-width="3"/>
  <text x="600" y="190" text-anchor="middle" font-size="88" font-weight="bold" fill="#c0392b" font-family="serif">荣 誉 证 书</text>
  <text x="600" y="330" text-anchor="middle" font-size="60" font-weight="bold" fill="#222" font-family="serif">${esc(c.villageName)} ${esc(c.name)}</text>
  <text x="600" y="440" text-anchor="middle" font-size="40" fill="#333" font-family="serif">在“${esc(c.title)}”中被评为</text>
  <text x="600" y="540" text-anchor="middle" font-size="72" font-weight="bold" fill="#c0392b" font-family="serif">${esc(c.kindLabel)}</text>
  <text x="600" y="640" text-anchor="middle" font-size="34" fill="#333" font-family="serif">特发此证，以资鼓励。</text>
  <text x="1050" y="730" text-anchor="end" font-size="32" fill="#333" font-family="serif">张店区卫生健康局  张店区计划生育协会</text>
  <text x="1050" y="775" text-anchor="end" font-size="30" fill="#333" font-family="serif">${y}年${Number(m)}月${Number(d)}日</text>
</svg>
`;
}

// ---- resident data ----

export async function exportVotes(app: AppContext, residentId: Types.ObjectId) {
  const rows = await Votes(app.db).find({ residentId }).sort({ at: 1 }).lean();
  return rows.map((v) => ({ selectionId: String(v.selectionId), nominationId: String(v.nominationId), day: v.day, at: v.at.toISOString() }));
}

/**
 * Votes stay counted (anonymous totals) and lose their resident field; their keys keep only the id of the erased
 * resident record, which no longer holds anything personal.
 */
export async function eraseVotes(app: AppContext, residentId: Types.ObjectId) {
  await Votes(app.db).updateMany({ residentId }, { $set: { residentId: new Types.ObjectId('000000000000000000000000') } });
}
