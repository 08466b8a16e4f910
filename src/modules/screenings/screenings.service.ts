import { Types } from 'mongoose';
import { inScope, type Caller, type StaffPrincipal } from '../../access';
import type { AppContext } from '../../context';
import { screeningCaseStatus, screeningConsent, screeningProgramme } from '../../dictionaries';
import { isDuplicateKey } from '../../db/model';
import { AppError, forbidden, notFound, validationError } from '../../http/errors';
import { maskName } from '../../lib/pii';
import { shanghaiDay } from '../../lib/shanghai';
import { enqueueMany } from '../../notify/outbox.service';
import { areaNames } from '../areas';
import { residentsByIds } from '../residents';
import { getPublicTalk, screeningRoster, talkAccess, type ScreeningRosterLine, type TalkDoc } from '../talks';
import { codeBooks, findCode, programmesOf, worst } from './screenings.codes';
import { confirmWent, eraseCaseNotes, hospitalChoices, openCase, requestCallback, resultDetailView, withdrawCase } from './screenings.cases';
import { ScreeningCases, ScreeningConsents, ScreeningResults, type ConsentDoc, type Programme, type ResultDoc } from './screenings.model';

/** What the resident agrees to, shown beside the checkbox at sign-up and on her results page. */
export const CONSENT_TEXT =
  '我同意：本次检查的结果由检查医院或组织单位的工作人员录入本平台，仅本人和负责随访的村（社区）工作人员可见，用于告知结果和随访转诊。不同意也可以参加检查，结果只给纸质报告。可随时撤回。';

const consentKey = (talkId: Types.ObjectId | string, residentId: Types.ObjectId | string) => `${String(talkId)}:${String(residentId)}`;

/** A screening or check-up session the staff member may work on; `within` limits a village worker to their residents. */
async function screeningFor(app: AppContext, staff: StaffPrincipal, talkId: string): Promise<{ talk: TalkDoc; within?: string }> {
  const access = await talkAccess(app, staff, talkId);
  if (!programmesOf(access.talk.kind).length) throw new AppError('NOT_A_SCREENING', 409, '这个活动不是筛查或查体，没有检查结果');
  return { talk: access.talk, within: access.within };
}

// ---- consent (resident) ----

async function screeningTalkForResident(app: AppContext, talkId: string): Promise<TalkDoc> {
  const talk = await getPublicTalk(app, talkId);
  if (!programmesOf(talk.kind).length) throw new AppError('NOT_A_SCREENING', 409, '这个活动不是筛查或查体');
  return talk;
}

export async function myConsent(app: AppContext, residentId: Types.ObjectId, talkId: string) {
  const talk = await screeningTalkForResident(app, talkId);
  const c = await ScreeningConsents(app.db).findById(consentKey(talk._id, residentId)).lean();
  return consentView(c);
}

function consentView(c: ConsentDoc | null) {
  const state = !c ? 'none' : c.given ? 'given' : 'withdrawn';
  return { state, stateLabel: screeningConsent.labels[state], given: Boolean(c?.given), text: CONSENT_TEXT, updatedAt: c?.updatedAt.toISOString() ?? null };
}

/**
 * Give or withdraw the consent for one session. A withdrawal erases the results already entered (their codes
 * and remark; the level stays, unlinked from any view, for the counts) and ends their follow-up cases.
 */
export async function setConsent(app: AppContext, residentId: Types.ObjectId, talkId: string, given: boolean) {
  const talk = await screeningTalkForResident(app, talkId);
  const now = app.clock.now();
  const c = await ScreeningConsents(app.db)
    .findOneAndUpdate(
      { _id: consentKey(talk._id, residentId) },
      { $set: { given, updatedAt: now, talkId: talk._id, residentId }, $push: { history: { given, at: now } } },
      { upsert: true, new: true },
    )
    .lean();
  if (!given) {
    const results = await ScreeningResults(app.db).find({ talkId: talk._id, residentId }).lean();
    for (const r of results) await eraseResult(app, r);
  }
  return consentView(c);
}

/** Remove a result's codes and remark and end its case (consent withdrawn, resident erased, retention). */
export async function eraseResult(app: AppContext, r: Pick<ResultDoc, '_id' | 'caseId'>): Promise<void> {
  if (r.caseId) {
    await withdrawCase(app, r.caseId);
    await eraseCaseNotes(app, r.caseId);
  }
  const now = app.clock.now();
  await ScreeningResults(app.db).updateOne({ _id: r._id }, { $unset: { detailEnc: 1 }, $set: { erasedAt: now, closedAt: now } });
}

// ---- participants and results (staff) ----

/** The attendance list of a session with each person's consent and which results are in: names masked, no results shown. */
export async function participants(app: AppContext, staff: StaffPrincipal, talkId: string) {
  const { talk, within } = await screeningFor(app, staff, talkId);
  const [roster, consents, results] = await Promise.all([
    screeningRoster(app, talk._id),
    ScreeningConsents(app.db).find({ talkId: talk._id }, { residentId: 1, given: 1 }).lean(),
    ScreeningResults(app.db).find({ talkId: talk._id }, { residentId: 1, programme: 1, releasedAt: 1, erasedAt: 1 }).lean(),
  ]);
  const lines = roster.map((l, i) => ({ ...l, no: i + 1 })).filter((l) => !within || l.areaPath.includes(within));
  const [residents, villages] = await Promise.all([
    residentsByIds(
      app,
      lines.map((l) => l.residentId),
      ['nameEnc', 'villageCode'],
    ),
    areaNames(app, [...new Set(lines.map((l) => l.areaPath.at(-1)!))]),
  ]);
  const byId = new Map(residents.map((r) => [String(r._id), r]));
  const consentOf = new Map(consents.map((c) => [String(c.residentId), c.given ? 'given' : 'withdrawn']));
  const resultsOf = new Map<string, typeof results>();
  for (const r of results) resultsOf.set(String(r.residentId), [...(resultsOf.get(String(r.residentId)) ?? []), r]);
  const programmes = programmesOf(talk.kind);
  return {
    talk: { id: String(talk._id), title: talk.title, kind: talk.kind, startAt: talk.startAt.toISOString() },
    programmes: programmes.map((p) => ({ programme: p, label: screeningProgramme.labels[p] })),
    items: lines.map((l) => {
      const r = byId.get(String(l.residentId));
      const consent = (consentOf.get(String(l.residentId)) ?? 'none') as keyof typeof screeningConsent.labels;
      const mine = resultsOf.get(String(l.residentId)) ?? [];
      return {
        no: l.no,
        residentId: String(l.residentId),
        nameMasked: r?.nameEnc ? maskName(app.pii.open(r.nameEnc)) : '（已注销）',
        village: villages.get(l.areaPath.at(-1)!) ?? l.areaPath.at(-1) ?? '',
        attended: l.attended,
        consent,
        consentLabel: screeningConsent.labels[consent],
        results: programmes.map((p) => {
          const x = mine.find((m) => m.programme === p);
          return { programme: p, entered: Boolean(x && !x.erasedAt), released: Boolean(x?.releasedAt) };
        }),
      };
    }),
  };
}

export interface ResultInput {
  programme: Programme;
  items: Array<{ test: string; code: string }>;
  remark?: string;
}

/** What an entry checks against, read once per request (one entry, or a whole import). */
interface EntryContext {
  talk: TalkDoc;
  within?: string;
  roster: Map<string, ScreeningRosterLine>;
  consent: Map<string, boolean>;
  books: Awaited<ReturnType<typeof codeBooks>>;
}

async function entryContext(app: AppContext, staff: StaffPrincipal, talkId: string, residentIds?: Types.ObjectId[]): Promise<EntryContext> {
  const { talk, within } = await screeningFor(app, staff, talkId);
  const [roster, consents, books] = await Promise.all([
    screeningRoster(app, talk._id),
    residentIds
      ? ScreeningConsents(app.db)
          .find({ _id: { $in: residentIds.map((r) => consentKey(talk._id, r)) } })
          .lean()
      : ScreeningConsents(app.db).find({ talkId: talk._id }).lean(),
    codeBooks(app),
  ]);
  return {
    talk,
    within,
    roster: new Map(roster.map((l) => [String(l.residentId), l])),
    consent: new Map(consents.map((c) => [String(c.residentId), c.given])),
    books,
  };
}

/** Why a result cannot be entered for this person, or null. Field errors name `path` for the form or the import. */
function entryProblem(
  ctx: EntryContext,
  residentId: string,
  input: ResultInput,
): { path: string; message: string; code?: 'SCREENING_CONSENT_MISSING' | 'NOT_A_PARTICIPANT' | 'UNKNOWN_RESULT_CODE' } | null {
  const line = ctx.roster.get(residentId);
  if (!line || (ctx.within && !line.areaPath.includes(ctx.within))) return { path: 'residentId', message: '不是本次活动的报名人员', code: 'NOT_A_PARTICIPANT' };
  if (!line.attended) return { path: 'residentId', message: '请先在签到名单上标记到场，再录入结果', code: 'NOT_A_PARTICIPANT' };
  if (!ctx.consent.get(residentId))
    return { path: 'residentId', message: '本人未同意（或已撤回）录入检查结果：结果只给纸质报告，不录入系统', code: 'SCREENING_CONSENT_MISSING' };
  if (!programmesOf(ctx.talk.kind).includes(input.programme)) return { path: 'programme', message: '本次活动没有这个检查项目' };
  const tests = ctx.books.get(input.programme) ?? [];
  if (!input.items.length) return { path: 'items', message: '请至少填写一项检查结果' };
  const seen = new Set<string>();
  for (const [i, it] of input.items.entries()) {
    if (seen.has(it.test)) return { path: `items.${i}.test`, message: '同一项检查填了两次' };
    seen.add(it.test);
    if (!findCode(tests, it.test, it.code)) return { path: `items.${i}.code`, message: `“${it.code}”不是${it.test}的结果代码`, code: 'UNKNOWN_RESULT_CODE' };
  }
  return null;
}

/** Store one checked result (replacing an earlier entry) and open its follow-up case when it needs one. */
async function storeResult(app: AppContext, caller: Caller, ctx: EntryContext, residentId: string, input: ResultInput): Promise<ResultDoc> {
  const line = ctx.roster.get(residentId)!;
  const tests = ctx.books.get(input.programme)!;
  const items = input.items.map((it) => {
    const f = findCode(tests, it.test, it.code)!;
    return { test: f.test.test, code: f.code.code, level: f.code.level };
  });
  const level = worst(items.map((i) => i.level));
  const now = app.clock.now();
  const key = `${String(ctx.talk._id)}:${residentId}:${input.programme}`;
  const set = {
    level,
    detailEnc: app.pii.seal(JSON.stringify({ items: items.map(({ test, code }) => ({ test, code })), ...(input.remark ? { remark: input.remark } : {}) })),
    enteredBy: caller.staff.id,
    updatedAt: now,
  };
  const upsert = () =>
    ScreeningResults(app.db)
      .findOneAndUpdate(
        { key },
        {
          $set: set,
          $unset: { erasedAt: 1 },
          $setOnInsert: {
            talkId: ctx.talk._id,
            residentId: line.residentId,
            programme: input.programme,
            villageCode: line.areaPath.at(-1)!,
            areaPath: line.areaPath,
            talkAreaPath: ctx.talk.areaPath,
            enteredAt: now,
          },
        },
        { upsert: true, new: true },
      )
      .lean();
  let r = await upsert().catch(async (err) => {
    if (isDuplicateKey(err)) return upsert(); // two entries of the same result at once: the second updates
    throw err;
  });
  r = r!;
  if (level !== 'normal' && !r.caseId) r = { ...r, caseId: await openCase(app, r, caller.actor) };
  else if (level === 'normal' && !r.caseId) await ScreeningResults(app.db).updateOne({ _id: r._id }, { $set: { closedAt: r.enteredAt } });
  return r;
}

export async function enterResult(app: AppContext, caller: Caller, talkId: string, residentId: string, input: ResultInput) {
  if (!Types.ObjectId.isValid(residentId)) throw notFound('居民');
  const ctx = await entryContext(app, caller.staff, talkId, [new Types.ObjectId(residentId)]);
  const problem = entryProblem(ctx, residentId, input);
  if (problem) {
    const status = problem.code === 'SCREENING_CONSENT_MISSING' ? 409 : problem.code === 'NOT_A_PARTICIPANT' ? 409 : 400;
    throw validationError(problem.path, problem.message, { code: problem.code ?? 'VALIDATION_FAILED', status });
  }
  const r = await storeResult(app, caller, ctx, residentId, input);
  await caller.audit('screening.result_enter', { type: 'screening_result', id: String(r._id) }, { talkId, programme: input.programme });
  return { id: String(r._id), programme: r.programme, level: r.level, caseId: r.caseId ? String(r.caseId) : null, released: Boolean(r.releasedAt) };
}

export { entryContext, entryProblem, storeResult };

/** One result in full (codes, advice, remark): organisers of the session and staff of her area; audited. */
export async function viewResult(app: AppContext, caller: Caller, id: string) {
  const r = Types.ObjectId.isValid(id) ? await ScreeningResults(app.db).findById(id).lean() : null;
  if (!r) throw notFound('检查结果');
  if (!inScope(caller.staff, r.areaPath) && !inScope(caller.staff, r.talkAreaPath)) throw forbidden('不在您的管辖范围内');
  const books = await codeBooks(app);
  await caller.audit('screening.result_view', { type: 'screening_result', id });
  return { ...resultDetailView(app, r, books.get(r.programme) ?? []), residentId: String(r.residentId), caseId: r.caseId ? String(r.caseId) : null };
}

/** The results of a session for one participant, by programme (the entry form of a phone), audited. */
export async function participantResults(app: AppContext, caller: Caller, talkId: string, residentId: string) {
  const { talk, within } = await screeningFor(app, caller.staff, talkId);
  if (!Types.ObjectId.isValid(residentId)) throw notFound('居民');
  const rows = await ScreeningResults(app.db)
    .find({ talkId: talk._id, residentId: new Types.ObjectId(residentId) })
    .lean();
  const mine = rows.filter((r) => !within || r.areaPath.includes(within));
  const books = await codeBooks(app);
  if (mine.length) await caller.audit('screening.result_view', { type: 'screening_result', id: String(mine[0]!._id) }, { talkId, residentId });
  return {
    items: mine.map((r) => ({ ...resultDetailView(app, r, books.get(r.programme) ?? []), caseId: r.caseId ? String(r.caseId) : null })),
  };
}

/**
 * Release the entered results of a session to their residents (all not yet released, or those of the residents
 * named). Each resident gets one subscribe notice that a result is ready — never what it is.
 */
export async function releaseResults(app: AppContext, caller: Caller, talkId: string, residentIds?: string[]) {
  const { talk, within } = await screeningFor(app, caller.staff, talkId);
  const filter: Record<string, unknown> = {
    talkId: talk._id,
    releasedAt: { $exists: false },
    erasedAt: { $exists: false },
    ...(residentIds?.length ? { residentId: { $in: residentIds.filter((x) => Types.ObjectId.isValid(x)).map((x) => new Types.ObjectId(x)) } } : {}),
    ...(within ? { areaPath: within } : {}),
  };
  const due = await ScreeningResults(app.db).find(filter, { residentId: 1, areaPath: 1 }).lean();
  if (!due.length) return { released: 0, notified: 0 };
  const now = app.clock.now();
  await ScreeningResults(app.db).updateMany({ _id: { $in: due.map((r) => r._id) } }, { $set: { releasedAt: now } });
  const residents = new Map(due.map((r) => [String(r.residentId), r.areaPath]));
  const notified = await enqueueMany(
    app,
    [...residents].map(([residentId, areaPath]) => ({
      key: `screening:${String(talk._id)}:${residentId}:released`,
      channel: 'subscribe' as const,
      payload: {
        residentId,
        templateKey: 'screening_result',
        page: 'pages/screenings/index',
        data: { thing1: '健康检查结果', phrase2: '结果已出', time3: shanghaiDay(now) },
      },
      source: { talkId: String(talk._id) },
      areaPath,
    })),
  );
  await caller.audit('screening.results_release', { type: 'talk', id: String(talk._id) }, { released: due.length, residents: residents.size });
  return { released: due.length, notified };
}

// ---- the resident's own results ----

/**
 * "我的检查结果": every screening she gave consent for, with its results once released (level, what each test
 * found, the advice, and the next step of her follow-up with the referral hospital's address and phone).
 */
export async function myResults(app: AppContext, residentId: Types.ObjectId) {
  const [consents, results, cases] = await Promise.all([
    ScreeningConsents(app.db).find({ residentId }).lean(),
    ScreeningResults(app.db)
      .find({ residentId, erasedAt: { $exists: false } })
      .lean(),
    ScreeningCases(app.db).find({ residentId }).lean(),
  ]);
  const talkIds = [...new Set([...consents.map((c) => String(c.talkId)), ...results.map((r) => String(r.talkId))])];
  const talks = new Map(
    (await Promise.all(talkIds.map((id) => getPublicTalk(app, id).catch(() => null)))).filter((t): t is TalkDoc => t !== null).map((t) => [String(t._id), t]),
  );
  const books = await codeBooks(app);
  const needHospitals = cases.some((c) => c.hospital);
  const hospitals = needHospitals
    ? new Map((await hospitalChoices(app)).map((h) => [h.name, h]))
    : new Map<string, { name: string; address: string; phone: string }>();
  const caseOf = new Map(cases.map((c) => [String(c._id), c]));
  const items = [...talks.values()]
    .sort((a, b) => b.startAt.getTime() - a.startAt.getTime())
    .map((t) => {
      const consent = consents.find((c) => String(c.talkId) === String(t._id)) ?? null;
      const mine = results.filter((r) => String(r.talkId) === String(t._id));
      return {
        talkId: String(t._id),
        title: t.title,
        day: shanghaiDay(t.startAt),
        consent: consentView(consent),
        results: mine.map((r) => {
          if (!r.releasedAt)
            return { id: String(r._id), programme: r.programme, programmeLabel: screeningProgramme.label(r.programme), released: false as const };
          const v = resultDetailView(app, r, books.get(r.programme) ?? []);
          const c = r.caseId ? caseOf.get(String(r.caseId)) : undefined;
          return {
            id: v.id,
            programme: v.programme,
            programmeLabel: v.programmeLabel,
            released: true as const,
            level: v.level,
            levelLabel: v.levelLabel,
            items: v.items.map((i) => ({ testLabel: i.testLabel, codeLabel: i.codeLabel, level: i.level })),
            advice: v.advice,
            followUp: c
              ? {
                  status: c.status,
                  statusLabel: screeningCaseStatus.label(c.status),
                  nextStep: nextStepText(c.status, Boolean(c.hospital)),
                  hospital: c.hospital ? (hospitals.get(c.hospital) ?? { name: c.hospital, address: '', phone: '' }) : null,
                  callbackRequested: Boolean(c.callbackAt),
                  canCallBack: !['closed', 'lost', 'withdrawn'].includes(c.status) && !c.callbackAt,
                  canConfirmWent: c.status === 'referred',
                }
              : null,
          };
        }),
      };
    });
  return { items };
}

function nextStepText(status: string, referred: boolean): string {
  switch (status) {
    case 'open':
      return '村里的随访员会在 7 天内联系您，请保持电话畅通。';
    case 'contacted':
      return '随访员已和您联系，请按约定的时间去复查或就诊。';
    case 'referred':
      return referred ? '请带上身份证和这次的检查报告，到下面的医院就诊。看完后请点“我已去就诊”。' : '请按约定去医院就诊。';
    case 'attended':
    case 'diagnosed':
      return '您已就诊，请按医生的建议治疗和复查。';
    case 'closed':
      return '随访已完成。请按建议定期复查。';
    default:
      return '如有疑问，请联系村卫生室。';
  }
}

async function myResult(app: AppContext, residentId: Types.ObjectId, id: string): Promise<ResultDoc> {
  const r = Types.ObjectId.isValid(id)
    ? await ScreeningResults(app.db)
        .findOne({ _id: new Types.ObjectId(id), residentId })
        .lean()
    : null;
  if (!r || !r.releasedAt || r.erasedAt) throw notFound('检查结果');
  return r;
}

async function myCase(app: AppContext, residentId: Types.ObjectId, id: string) {
  const r = await myResult(app, residentId, id);
  const c = r.caseId ? await ScreeningCases(app.db).findById(r.caseId).lean() : null;
  if (!c) throw new AppError('INVALID_TRANSITION', 409, '这项结果不需要随访');
  return c;
}

export async function askCallback(app: AppContext, residentId: Types.ObjectId, id: string) {
  await requestCallback(app, await myCase(app, residentId, id));
  return { callbackRequested: true };
}

export async function iWent(app: AppContext, residentId: Types.ObjectId, id: string) {
  const c = await confirmWent(app, await myCase(app, residentId, id));
  return { status: c.status, statusLabel: screeningCaseStatus.label(c.status) };
}
