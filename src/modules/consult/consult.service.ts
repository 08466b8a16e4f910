import crypto from 'node:crypto';
import { Types } from 'mongoose';
import type { Caller, StaffPrincipal } from '../../access';
import type { AppContext } from '../../context';
import { insertWins } from '../../db/coordination';
import { AppError, forbidden, notFound, validationError } from '../../http/errors';
import { escapeRegex } from '../../lib/regex';
import { findPage } from '../../lib/pagination';
import { MAINLAND_MOBILE } from '../../lib/pii';
import { sealedPhotos } from '../../lib/sealed-photos';
import { addWorkingDays, shanghaiDay } from '../../lib/shanghai';
import { enqueue } from '../../notify/outbox.service';
import { DISTRICT_CODE } from '../areas';
import { getResident } from '../residents';
import { activeAdmins, getActiveStaff, linkedWechatIds } from '../staff';
import { getExpert } from '../talks';
import {
  type CallBack,
  ConsultExperts,
  type ConsultExpertDoc,
  type FaqDoc,
  Faqs,
  MAX_QUESTION_PHOTOS,
  QuestionPhotos,
  type QuestionPhotoDoc,
  Questions,
  type QuestionDoc,
  QuestionSteps,
  STATUS_LABELS,
  type Topic,
  TOPIC_LABELS,
} from './consult.model';

const HOUR = 3600_000;
/** A photo whose image check has not come back after this long is left out, and the question goes on without it. */
const PHOTO_CHECK_WAIT_MS = HOUR;

export const photos = sealedPhotos<QuestionPhotoDoc>({ model: QuestionPhotos, ownerField: 'questionId', bucket: 'consultPhotos', max: MAX_QUESTION_PHOTOS });

const open = (app: AppContext, sealed?: string) => (sealed ? app.pii.open(sealed) : null);
const openCallBack = (app: AppContext, q: QuestionDoc): CallBack | null => (q.callBackEnc ? (JSON.parse(app.pii.open(q.callBackEnc)) as CallBack) : null);

// ---- content check ----

/** WeChat's text check: `risky` is refused; `review`, or a check that could not run, holds the text for a district admin. */
async function checkText(app: AppContext, openid: string, text: string): Promise<'pass' | 'held'> {
  try {
    const r = await app.wechat.msgSecCheck(openid, text, 2);
    if (r.suggest === 'risky') throw new AppError('CONTENT_REFUSED', 400, '内容含有不适宜发布的信息，请修改后再提交');
    return r.suggest === 'pass' ? 'pass' : 'held';
  } catch (err) {
    if (err instanceof AppError) throw err;
    app.logger.warn({ event: 'consult.seccheck_failed', err }, 'msg_sec_check failed; holding the text for review');
    return 'held';
  }
}

const mediaBase = (app: AppContext) => app.config.PUBLIC_BASE_URL ?? `http://127.0.0.1:${app.config.PORT}`;

// ---- experts and routing ----

async function expertsOf(app: AppContext, topic: Topic): Promise<ConsultExpertDoc[]> {
  return ConsultExperts(app.db).find({ topics: topic, active: true }).sort({ rank: 1, _id: 1 }).lean();
}

export async function expertProfile(app: AppContext, staff: StaffPrincipal): Promise<ConsultExpertDoc | null> {
  return staff.role === 'expert' ? ConsultExperts(app.db).findOne({ staffId: staff.id }).lean() : null;
}

/** The first routing goes to the expert of the topic with the fewest questions waiting, in rank order when equal. */
async function firstExpert(app: AppContext, topic: Topic): Promise<ConsultExpertDoc | null> {
  const list = await expertsOf(app, topic);
  let best: { e: ConsultExpertDoc; n: number } | null = null;
  for (const e of list) {
    const n = await Questions(app.db).countDocuments({ expertStaffId: e.staffId, status: { $in: ['open', 'follow_up'] } });
    if (!best || n < best.n) best = { e, n };
  }
  return best?.e ?? null;
}

/** After the current expert in the topic's order (round), or the first; null when the topic has none. */
async function nextExpert(app: AppContext, topic: Topic, current?: string): Promise<ConsultExpertDoc | null> {
  const list = await expertsOf(app, topic);
  if (!list.length) return null;
  const i = list.findIndex((e) => e.staffId === current);
  return list[(i + 1) % list.length]!;
}

/** A private bot message to staff members with a linked WeChat, once per key. */
async function remind(app: AppContext, staffIds: string[], key: string, text: string): Promise<void> {
  const linked = await linkedWechatIds(app, staffIds);
  const now = app.clock.now();
  for (const [staffId, contactId] of linked) {
    await enqueue(app, {
      key: `${key}:${staffId}`,
      channel: 'room',
      payload: { contactId, text, expiresAt: new Date(now.getTime() + 24 * HOUR).toISOString() },
      source: { task: 'consult' },
      areaPath: [],
    });
  }
}

/**
 * Route a question to an expert as hop `hops + 1`: the insert of the hop's key decides when two processes try at
 * once (a photo check coming back, the overdue sweep). The question follows the winning step.
 */
async function route(app: AppContext, q: QuestionDoc, to: ConsultExpertDoc | null, reason: 'new' | 'overdue' | 'handover', byName?: string): Promise<boolean> {
  const hop = q.hops + 1;
  const now = app.clock.now();
  const won = await insertWins(() =>
    QuestionSteps(app.db).create({ _id: `${String(q._id)}:${hop}`, questionId: q._id, kind: 'routed', expertStaffId: to?.staffId, reason, byName, at: now }),
  );
  if (!won) return false;
  const dueAt = reason === 'handover' && q.dueAt ? q.dueAt : addWorkingDays(now, app.config.CONSULT_ANSWER_WORKING_DAYS);
  await Questions(app.db).updateOne(
    { _id: q._id, hops: q.hops },
    {
      $set: {
        hops: hop,
        dueAt,
        updatedAt: now,
        ...(q.status === 'checking' ? { status: 'open', routedAt: now } : {}),
        ...(to ? { expertStaffId: to.staffId } : {}),
        ...(reason === 'overdue' ? { overdueCount: q.overdueCount + 1 } : {}),
      },
      ...(to ? {} : { $unset: { expertStaffId: 1 } }),
    },
  );
  const topic = TOPIC_LABELS[q.topic];
  if (to)
    await remind(
      app,
      [to.staffId],
      `consult:${String(q._id)}:hop:${hop}`,
      `您好，有一条“${topic}”咨询请您回复（${shanghaiDay(dueAt)} 前），请在工作台“专家咨询”中查看。`,
    );
  if (reason === 'overdue' || !to) {
    const admins = (await activeAdmins(app, 'district_admin')).map((a) => a.id);
    const why = to ? `已超过 ${app.config.CONSULT_ANSWER_WORKING_DAYS} 个工作日未回复，已转给下一位专家` : '暂时没有负责这个主题的专家';
    await remind(app, admins, `consult:${String(q._id)}:admin:${hop}`, `您好，一条“${topic}”咨询${why}，请在工作台“专家咨询”中关注。`);
  }
  return true;
}

/** A question whose text passed and whose photos are all checked (or given up on) goes to an expert. */
async function routeWhenChecked(app: AppContext, id: Types.ObjectId): Promise<void> {
  const q = await Questions(app.db).findById(id).lean();
  if (!q || q.status !== 'checking' || q.textHeld) return;
  const rows = await QuestionPhotos(app.db).find({ questionId: id }, { check: 1 }).lean();
  const uploaded = rows.length;
  if (rows.some((p) => p.check === 'pending')) return;
  const given = await QuestionSteps(app.db).exists({ _id: `${String(id)}:photos-done` });
  if (uploaded < q.photoCount && !given) return;
  await route(app, q, await firstExpert(app, q.topic), 'new');
}

// ---- residents ----

interface AskInput {
  topic: Topic;
  text: string;
  photoCount: number;
  callBack?: CallBack;
}

export async function ask(app: AppContext, residentId: Types.ObjectId, input: AskInput) {
  const resident = await getResident(app, residentId);
  if (input.callBack && !MAINLAND_MOBILE.test(input.callBack.phone)) throw validationError('callBack.phone', '请填写 11 位手机号码');
  const check = await checkText(app, resident.openid, input.text);
  const now = app.clock.now();
  const doc = await Questions(app.db).create({
    residentId,
    topic: input.topic,
    areaPath: resident.areaPath.length ? resident.areaPath : [DISTRICT_CODE],
    textEnc: app.pii.seal(input.text),
    ...(input.callBack ? { callBackEnc: app.pii.seal(JSON.stringify(input.callBack)) } : {}),
    callBack: Boolean(input.callBack),
    photoCount: input.photoCount,
    status: 'checking',
    ...(check === 'held' ? { textHeld: true } : {}),
    hops: 0,
    overdueCount: 0,
    createdAt: now,
    updatedAt: now,
  });
  if (input.photoCount === 0) await routeWhenChecked(app, doc._id);
  return residentView(app, (await Questions(app.db).findById(doc._id).lean())!);
}

async function mine(app: AppContext, residentId: Types.ObjectId, id: Types.ObjectId): Promise<QuestionDoc> {
  const q = await Questions(app.db).findOne({ _id: id, residentId }).lean();
  if (!q) throw notFound('咨询');
  return q;
}

/** A photo of one's own question while it waits for its photos; the image check is asked for at once. */
export async function addPhoto(app: AppContext, residentId: Types.ObjectId, id: Types.ObjectId, dataBase64: string) {
  const q = await mine(app, residentId, id);
  if (q.status !== 'checking') throw new AppError('PHOTOS_COMPLETE', 409, '问题已经提交，不能再加照片');
  if ((await QuestionPhotos(app.db).countDocuments({ questionId: id })) >= q.photoCount) throw new AppError('PHOTOS_COMPLETE', 409, '照片已经传完');
  const mediaToken = crypto.randomBytes(18).toString('base64url');
  const added = await photos.add(app, id, dataBase64, { check: 'pending', mediaToken });
  const resident = await getResident(app, residentId);
  try {
    const { traceId } = await app.wechat.mediaCheckAsync(resident.openid, `${mediaBase(app)}/api/v1/consult/media/${mediaToken}`, 2);
    await QuestionPhotos(app.db).updateOne({ _id: new Types.ObjectId(added.id) }, { $set: { traceId } });
  } catch (err) {
    // Without a check the photo is never shown: the sweep leaves it out after an hour.
    app.logger.warn({ event: 'consult.media_check_failed', err }, 'media_check_async failed');
  }
  return { id: added.id, slot: added.slot, check: 'pending' as const };
}

/** The photo WeChat fetches for its check, by the one-time address; gone once the result is in. */
export async function mediaForCheck(app: AppContext, token: string) {
  const p = await QuestionPhotos(app.db).findOne({ mediaToken: token, check: 'pending' }).lean();
  if (!p) throw notFound('照片');
  return photos.read(app, p.questionId, p._id);
}

/** WeChat's push with an image check result (`wxa_media_check`): a refused photo is removed at once. */
export async function mediaCheckResult(app: AppContext, traceId: string, suggest: string): Promise<void> {
  const p = await QuestionPhotos(app.db).findOne({ traceId }).lean();
  if (!p || p.check !== 'pending') return;
  if (suggest === 'pass') await QuestionPhotos(app.db).updateOne({ _id: p._id }, { $set: { check: 'pass' }, $unset: { mediaToken: 1 } });
  else {
    await photos.remove(app, p.questionId, { _id: p._id });
    await insertWins(() =>
      QuestionSteps(app.db).create({ _id: `${String(p.questionId)}:photos-done`, questionId: p.questionId, kind: 'routed', at: app.clock.now() }),
    );
  }
  await routeWhenChecked(app, p.questionId);
}

const expertCard = (e: ConsultExpertDoc | null | undefined) => (e ? { name: e.name, title: e.title, hospital: e.hospital } : null);

async function answersOf(app: AppContext, id: Types.ObjectId) {
  const rows = await QuestionSteps(app.db).find({ questionId: id, kind: 'answer' }).sort({ _id: 1 }).lean();
  return rows.map((s) => ({ n: Number(s._id.split(':').pop()), text: open(app, s.textEnc), expertStaffId: s.expertStaffId, at: s.at.toISOString() }));
}

async function residentView(app: AppContext, q: QuestionDoc) {
  const answers = await answersOf(app, q._id);
  const staffIds = [...new Set(answers.map((a) => a.expertStaffId).filter((x): x is string => !!x))];
  const experts = new Map(
    (
      await ConsultExperts(app.db)
        .find({ staffId: { $in: staffIds } })
        .lean()
    ).map((e) => [e.staffId, e]),
  );
  const a1 = answers.find((a) => a.n === 1);
  const a2 = answers.find((a) => a.n === 2);
  const checked = await QuestionPhotos(app.db).countDocuments({ questionId: q._id });
  return {
    id: String(q._id),
    topic: q.topic,
    topicLabel: TOPIC_LABELS[q.topic],
    status: q.status,
    statusLabel: STATUS_LABELS[q.status],
    text: open(app, q.textEnc),
    callBack: q.callBack,
    photoCount: q.photoCount,
    photosUploaded: checked,
    createdAt: q.createdAt.toISOString(),
    dueDay: q.dueAt && (q.status === 'open' || q.status === 'follow_up') ? shanghaiDay(q.dueAt) : null,
    answer: a1 ? { text: a1.text, at: a1.at, expert: expertCard(experts.get(a1.expertStaffId ?? '')) } : null,
    followUp: q.followUpAt ? { text: open(app, q.followUpEnc), at: q.followUpAt.toISOString() } : null,
    followUpAnswer: a2 ? { text: a2.text, at: a2.at, expert: expertCard(experts.get(a2.expertStaffId ?? '')) } : null,
    canFollowUp: q.status === 'answered' && !q.followUpAt,
    canRate: Boolean(a1) && q.rating === undefined,
    rating: q.rating ?? null,
    allowPublish: q.allowPublish ?? false,
    published: Boolean(q.faqId),
    personalErased: Boolean(q.personalErasedAt),
  };
}

export async function listMine(app: AppContext, residentId: Types.ObjectId) {
  const rows = await Questions(app.db).find({ residentId }).sort({ _id: -1 }).limit(50).lean();
  return { items: await Promise.all(rows.map((q) => residentView(app, q))) };
}

export async function getMine(app: AppContext, residentId: Types.ObjectId, id: Types.ObjectId) {
  return residentView(app, await mine(app, residentId, id));
}

/** One follow-up, once answered: checked like the question, back to the expert who answered, due again. */
export async function followUp(app: AppContext, residentId: Types.ObjectId, id: Types.ObjectId, text: string) {
  const q = await mine(app, residentId, id);
  if (q.followUpAt) throw new AppError('FOLLOW_UP_USED', 409, '每个问题只能追问一次');
  if (q.status !== 'answered') throw new AppError('NOT_ANSWERED', 409, '专家回复后才能追问');
  const resident = await getResident(app, residentId);
  if ((await checkText(app, resident.openid, text)) === 'held') throw new AppError('CONTENT_REFUSED', 400, '追问内容暂时无法提交，请换个说法再试');
  const now = app.clock.now();
  await Questions(app.db).updateOne(
    { _id: q._id, status: 'answered' },
    {
      $set: {
        followUpEnc: app.pii.seal(text),
        followUpAt: now,
        status: 'follow_up',
        dueAt: addWorkingDays(now, app.config.CONSULT_ANSWER_WORKING_DAYS),
        updatedAt: now,
      },
    },
  );
  if (q.expertStaffId)
    await remind(app, [q.expertStaffId], `consult:${String(q._id)}:follow-up`, `您好，您回复过的一条“${TOPIC_LABELS[q.topic]}”咨询有追问，请在工作台查看。`);
  return residentView(app, await mine(app, residentId, id));
}

export async function rate(app: AppContext, residentId: Types.ObjectId, id: Types.ObjectId, input: { rating: number; allowPublish: boolean }) {
  const q = await mine(app, residentId, id);
  if (!q.answeredAt) throw new AppError('NOT_ANSWERED', 409, '专家回复后才能评价');
  if (q.rating !== undefined) throw new AppError('ALREADY_RATED', 409, '您已经评价过了，谢谢！');
  const now = app.clock.now();
  await Questions(app.db).updateOne({ _id: q._id }, { $set: { rating: input.rating, ratedAt: now, allowPublish: input.allowPublish, updatedAt: now } });
  return residentView(app, await mine(app, residentId, id));
}

// ---- staff ----

/** Experts see the questions of their topics; district admins all. Anyone else has no access (their routes refuse them). */
async function visible(app: AppContext, staff: StaffPrincipal, id: Types.ObjectId): Promise<{ q: QuestionDoc; me: ConsultExpertDoc | null }> {
  const q = await Questions(app.db).findById(id).lean();
  if (!q || q.status === 'refused') throw notFound('咨询');
  const me = await expertProfile(app, staff);
  if (staff.role === 'expert') {
    if (!me?.active || !me.topics.includes(q.topic) || q.status === 'checking') throw notFound('咨询');
  } else if (staff.role !== 'district_admin') throw forbidden();
  return { q, me };
}

function staffListItem(app: AppContext, q: QuestionDoc, me: StaffPrincipal, names: Map<string, string>) {
  const now = app.clock.now();
  return {
    id: String(q._id),
    topic: q.topic,
    topicLabel: TOPIC_LABELS[q.topic],
    status: q.status,
    statusLabel: STATUS_LABELS[q.status],
    textHeld: Boolean(q.textHeld),
    mine: q.expertStaffId === me.id,
    expertName: q.expertStaffId ? (names.get(q.expertStaffId) ?? null) : null,
    callBack: q.callBack,
    photoCount: q.photoCount,
    overdue: Boolean(q.dueAt && q.dueAt < now && (q.status === 'open' || q.status === 'follow_up')),
    overdueCount: q.overdueCount,
    dueAt: q.dueAt?.toISOString() ?? null,
    rating: q.rating ?? null,
    allowPublish: q.allowPublish ?? false,
    published: Boolean(q.faqId),
    createdAt: q.createdAt.toISOString(),
  };
}

async function expertNames(app: AppContext, staffIds: string[]): Promise<Map<string, string>> {
  const rows = await ConsultExperts(app.db)
    .find({ staffId: { $in: [...new Set(staffIds)] } }, { staffId: 1, name: 1 })
    .lean();
  return new Map(rows.map((e) => [e.staffId, e.name]));
}

/** A page of questions without their text: the topic, where it stands, whose it is, when it is due. */
export async function staffList(
  app: AppContext,
  staff: StaffPrincipal,
  q: { status?: QuestionDoc['status']; topic?: Topic; mine?: boolean; limit: number; cursor?: string },
) {
  const filter: Record<string, unknown> = {};
  if (staff.role === 'expert') {
    const me = await expertProfile(app, staff);
    const topics = me?.active ? me.topics.filter((t) => !q.topic || t === q.topic) : [];
    filter.topic = { $in: topics };
    filter.status = q.status && q.status !== 'checking' && q.status !== 'refused' ? q.status : { $in: ['open', 'follow_up', 'answered', 'closed'] };
  } else {
    if (q.topic) filter.topic = q.topic;
    filter.status = q.status ?? { $ne: 'refused' };
  }
  if (q.mine) filter.expertStaffId = staff.id;
  return findPage(Questions(app.db), filter, q, async (rows) => {
    const names = await expertNames(
      app,
      rows.flatMap((r) => (r.expertStaffId ? [r.expertStaffId] : [])),
    );
    return rows.map((r) => staffListItem(app, r, staff, names));
  });
}

/** The question in full for an expert of its topic or a district admin; audited. Name and phone only for a call back. */
export async function staffView(app: AppContext, caller: Caller, id: Types.ObjectId) {
  const { q } = await visible(app, caller.staff, id);
  await caller.audit('consult.view_full', { type: 'consult_question', id: String(id) });
  return fullView(app, caller.staff, q);
}

async function fullView(app: AppContext, staff: StaffPrincipal, q: QuestionDoc) {
  const names = await expertNames(app, q.expertStaffId ? [q.expertStaffId] : []);
  const answers = await answersOf(app, q._id);
  const routed = await QuestionSteps(app.db)
    .find({ questionId: q._id, kind: 'routed', expertStaffId: { $exists: true } })
    .sort({ at: 1 })
    .lean();
  const allNames = await expertNames(app, [...routed.map((r) => r.expertStaffId!), ...answers.map((a) => a.expertStaffId ?? '')]);
  const shown = await QuestionPhotos(app.db).find({ questionId: q._id, check: 'pass' }).sort({ slot: 1 }).lean();
  const cb = openCallBack(app, q);
  return {
    ...staffListItem(app, q, staff, names),
    text: open(app, q.textEnc),
    callBackContact: cb ? { name: cb.name, phone: cb.phone } : null,
    photos: shown.map((p) => ({ id: String(p._id), contentType: p.contentType, size: p.size })),
    followUp: q.followUpAt ? { text: open(app, q.followUpEnc), at: q.followUpAt.toISOString() } : null,
    answers: answers.map((a) => ({ n: a.n, text: a.text, at: a.at, expertName: allNames.get(a.expertStaffId ?? '') ?? null })),
    routing: routed.map((r) => ({
      expertName: allNames.get(r.expertStaffId!) ?? null,
      reason: r.reason ?? 'new',
      byName: r.byName ?? null,
      at: r.at.toISOString(),
    })),
    canAnswer: staff.role === 'expert' && (q.status === 'open' || q.status === 'follow_up'),
  };
}

export async function viewPhoto(app: AppContext, caller: Caller, id: Types.ObjectId, photoId: Types.ObjectId) {
  const { q } = await visible(app, caller.staff, id);
  const photo = await photos.read(app, q._id, photoId, { check: 'pass' });
  await caller.audit('consult.photo_view', { type: 'consult_question', id: String(id) }, { photoId: String(photoId) });
  return photo;
}

/** An expert of the topic answers (the question or its follow-up); the key of the answer decides between two experts. */
export async function answer(app: AppContext, caller: Caller, id: Types.ObjectId, text: string) {
  const { q, me } = await visible(app, caller.staff, id);
  if (!me) throw forbidden('只有咨询专家可以回复');
  if (q.status !== 'open' && q.status !== 'follow_up') throw new AppError('QUESTION_NOT_OPEN', 409, '这条咨询现在不需要回复');
  const n = q.status === 'open' ? 1 : 2;
  const now = app.clock.now();
  const won = await insertWins(() =>
    QuestionSteps(app.db).create({
      _id: `${String(q._id)}:answer:${n}`,
      questionId: q._id,
      kind: 'answer',
      expertStaffId: me.staffId,
      byName: me.name,
      textEnc: app.pii.seal(text),
      at: now,
    }),
  );
  if (!won) throw new AppError('CONCURRENT_CHANGE', 409, '这条咨询刚被其他专家回复了，请刷新后查看');
  const set: Record<string, unknown> = { status: 'answered', expertStaffId: me.staffId, updatedAt: now };
  if (n === 1) Object.assign(set, { answeredAt: now, answerHours: (now.getTime() - q.createdAt.getTime()) / HOUR, onTime: !q.dueAt || now <= q.dueAt });
  await Questions(app.db).updateOne({ _id: q._id }, { $set: set, $unset: { dueAt: 1 } });
  await caller.audit('consult.answer', { type: 'consult_question', id: String(id) }, { n });
  await enqueue(app, {
    key: `consult:${String(q._id)}:answered:${n}`,
    channel: 'subscribe',
    payload: {
      residentId: String(q.residentId),
      templateKey: 'consult_answered',
      page: 'pages/consult/mine',
      data: { thing1: `${TOPIC_LABELS[q.topic]}咨询`, phrase2: '专家已回复', time3: shanghaiDay(now) },
    },
    source: { questionId: String(q._id) },
    areaPath: q.areaPath,
  });
  return fullView(app, caller.staff, (await Questions(app.db).findById(q._id).lean())!);
}

/** Hand a waiting question to another expert of its topic (an expert of the topic, or a district admin). */
export async function handover(app: AppContext, caller: Caller, id: Types.ObjectId, toStaffId: string) {
  const { q } = await visible(app, caller.staff, id);
  if (q.status !== 'open' && q.status !== 'follow_up') throw new AppError('QUESTION_NOT_OPEN', 409, '这条咨询现在不能转交');
  const to = await ConsultExperts(app.db).findOne({ staffId: toStaffId, active: true }).lean();
  if (!to || !to.topics.includes(q.topic)) throw new AppError('NOT_YOUR_TOPIC', 400, '请选择负责这个主题的专家');
  if (to.staffId === q.expertStaffId) throw validationError('toStaffId', '这条咨询已经在这位专家那里');
  if (!(await route(app, q, to, 'handover', caller.staff.displayName ?? caller.staff.username)))
    throw new AppError('CONCURRENT_CHANGE', 409, '这条咨询刚被转交了，请刷新后再试');
  await caller.audit('consult.handover', { type: 'consult_question', id: String(id) }, { to: toStaffId });
  return fullView(app, caller.staff, (await Questions(app.db).findById(q._id).lean())!);
}

/** A district admin decides a text the check held: released to an expert, or refused. */
export async function releaseHeld(app: AppContext, caller: Caller, id: Types.ObjectId, pass: boolean) {
  const q = await Questions(app.db).findById(id).lean();
  if (!q || q.status !== 'checking' || !q.textHeld) throw notFound('待审核的咨询');
  const now = app.clock.now();
  if (pass) {
    await Questions(app.db).updateOne({ _id: id }, { $unset: { textHeld: 1 }, $set: { updatedAt: now } });
    await routeWhenChecked(app, id);
  } else {
    await photos.remove(app, id);
    await Questions(app.db).updateOne({ _id: id }, { $set: { status: 'refused', updatedAt: now }, $unset: { textEnc: 1, callBackEnc: 1, textHeld: 1 } });
  }
  await caller.audit('consult.check_release', { type: 'consult_question', id: String(id) }, { pass });
  const after = (await Questions(app.db).findById(id).lean())!;
  return { id: String(id), status: after.status, statusLabel: STATUS_LABELS[after.status] };
}

/** Questions held by the text check, for a district admin to decide (the text is shown: audited). */
export async function heldQuestions(app: AppContext, caller: Caller) {
  const rows = await Questions(app.db).find({ status: 'checking', textHeld: true }).sort({ _id: 1 }).limit(50).lean();
  if (rows.length) await caller.audit('consult.view_full', { type: 'consult_question', id: 'held' }, { rows: rows.length });
  return {
    items: rows.map((q) => ({
      id: String(q._id),
      topic: q.topic,
      topicLabel: TOPIC_LABELS[q.topic],
      text: open(app, q.textEnc),
      createdAt: q.createdAt.toISOString(),
    })),
  };
}

// ---- 常见问题 ----

const PHONE_LIKE = /1[3-9]\d{9}/;
const ID_LIKE = /\d{17}[\dXx]/;

/** Publish an answered question with the resident's consent; the texts are given again, names and numbers taken out. */
export async function publish(app: AppContext, caller: Caller, id: Types.ObjectId, input: { question: string; answer: string }) {
  const { q, me } = await visible(app, caller.staff, id);
  if (!q.answeredAt) throw new AppError('NOT_ANSWERED', 409, '回复后才能公开');
  if (!q.allowPublish) throw new AppError('PUBLISH_CONSENT_REQUIRED', 409, '提问人没有同意公开这条咨询');
  for (const [field, text] of Object.entries(input)) {
    if (PHONE_LIKE.test(text) || ID_LIKE.test(text)) throw validationError(field, '请去掉手机号、身份证号等能认出本人的信息');
  }
  const resident = await Promise.resolve(getResident(app, q.residentId)).catch(() => null);
  const realName = resident?.nameEnc ? app.pii.open(resident.nameEnc) : null;
  const cb = openCallBack(app, q);
  for (const name of [realName, cb?.name].filter((n): n is string => !!n && n.length >= 2)) {
    for (const [field, text] of Object.entries(input)) if (text.includes(name)) throw validationError(field, '请去掉提问人的姓名');
  }
  const firstAnswer = await QuestionSteps(app.db)
    .findById(`${String(q._id)}:answer:1`)
    .lean();
  const expert = firstAnswer?.expertStaffId ? await ConsultExperts(app.db).findOne({ staffId: firstAnswer.expertStaffId }).lean() : me;
  const now = app.clock.now();
  const faqId = new Types.ObjectId();
  const created = await insertWins(() =>
    Faqs(app.db).create({
      _id: faqId,
      questionId: q._id,
      topic: q.topic,
      question: input.question,
      answer: input.answer,
      expertName: expert ? `${expert.name}${expert.title ? ` ${expert.title}` : ''}` : '',
      publishedBy: caller.staff.id,
      publishedAt: now,
    }),
  );
  if (!created) throw new AppError('CONFLICT', 409, '这条咨询已经公开过了');
  await Questions(app.db).updateOne({ _id: q._id }, { $set: { faqId, updatedAt: now } });
  await caller.audit('consult.publish', { type: 'consult_faq', id: String(faqId) }, { questionId: String(q._id) });
  return faqView((await Faqs(app.db).findById(faqId).lean())!);
}

export async function unpublish(app: AppContext, caller: Caller, faqId: Types.ObjectId) {
  const f = await Faqs(app.db).findByIdAndDelete(faqId).lean();
  if (!f) throw notFound('常见问题');
  await Questions(app.db).updateOne({ _id: f.questionId }, { $unset: { faqId: 1 } });
  await caller.audit('consult.unpublish', { type: 'consult_faq', id: String(faqId) });
}

const faqView = (f: FaqDoc) => ({
  id: String(f._id),
  topic: f.topic,
  topicLabel: TOPIC_LABELS[f.topic],
  question: f.question,
  answer: f.answer,
  expertName: f.expertName,
  publishedAt: f.publishedAt.toISOString(),
});

/** Public: 常见问题 by topic, newest first; words are matched in the question and the answer. */
export async function searchFaq(app: AppContext, q: { topic?: Topic; q?: string; limit: number; cursor?: string }) {
  const filter: Record<string, unknown> = {};
  if (q.topic) filter.topic = q.topic;
  const words = (q.q ?? '').trim().split(/\s+/).filter(Boolean).slice(0, 5);
  if (words.length)
    filter.$and = words.map((w) => {
      const re = new RegExp(escapeRegex(w), 'i');
      return { $or: [{ question: re }, { answer: re }] };
    });
  return findPage(Faqs(app.db), filter, q, (rows) => rows.map(faqView));
}

// ---- expert accounts ----

/** A district admin links an `expert` staff account to a pool entry and gives it its topics. */
export async function linkExpert(
  app: AppContext,
  caller: Caller,
  staffId: string,
  input: { expertId: string; topics: Topic[]; rank?: number; active?: boolean },
) {
  const staff = Types.ObjectId.isValid(staffId) ? await getActiveStaff(app, new Types.ObjectId(staffId)) : null;
  if (!staff || staff.role !== 'expert') throw validationError('staffId', '请选择角色为“咨询专家”的账号');
  const pool = await getExpert(app, new Types.ObjectId(input.expertId));
  if (!pool) throw validationError('expertId', '专家库中没有这位专家');
  const now = app.clock.now();
  await ConsultExperts(app.db).updateOne(
    { staffId },
    {
      $set: {
        expertId: pool._id,
        name: pool.name,
        title: pool.title,
        hospital: pool.hospital,
        topics: [...new Set(input.topics)],
        rank: input.rank ?? 100,
        active: input.active ?? true,
        updatedAt: now,
      },
    },
    { upsert: true },
  );
  await caller.audit('consult.expert_link', { type: 'consult_expert', id: staffId }, { expertId: input.expertId, topics: input.topics });
  return expertView((await ConsultExperts(app.db).findOne({ staffId }).lean())!);
}

export const expertView = (e: ConsultExpertDoc) => ({
  staffId: e.staffId,
  expertId: String(e.expertId),
  name: e.name,
  title: e.title,
  hospital: e.hospital,
  topics: e.topics,
  topicLabels: e.topics.map((t) => TOPIC_LABELS[t]),
  rank: e.rank,
  active: e.active,
});

export async function listExperts(app: AppContext, staff: StaffPrincipal, topic?: Topic) {
  const filter: Record<string, unknown> = topic ? { topics: topic } : {};
  if (staff.role === 'expert') filter.active = true;
  const rows = await ConsultExperts(app.db).find(filter).sort({ rank: 1, name: 1 }).limit(200).lean();
  return { items: rows.map(expertView) };
}

export async function myProfile(app: AppContext, staff: StaffPrincipal) {
  const me = await expertProfile(app, staff);
  const waiting = me
    ? await Questions(app.db).countDocuments({ expertStaffId: me.staffId, status: { $in: ['open', 'follow_up'] } })
    : await Questions(app.db).countDocuments({ status: { $in: ['open', 'follow_up'] } });
  return { expert: me ? expertView(me) : null, waiting };
}

// ---- scheduled ----

/**
 * Every quarter hour: a question past its due time goes to the next expert of its topic and the district admins
 * are told; a photo whose check never came back is left out after an hour, so its question goes on.
 */
export async function sweepQuestions(app: AppContext): Promise<{ rerouted: number; photosDropped: number }> {
  const now = app.clock.now();
  let photosDropped = 0;
  const stale = await QuestionPhotos(app.db)
    .find({ check: 'pending', createdAt: { $lt: new Date(now.getTime() - PHOTO_CHECK_WAIT_MS) } }, { questionId: 1 })
    .lean();
  for (const p of stale) {
    photosDropped += await photos.remove(app, p.questionId, { _id: p._id });
    await insertWins(() => QuestionSteps(app.db).create({ _id: `${String(p.questionId)}:photos-done`, questionId: p.questionId, kind: 'routed', at: now }));
    await routeWhenChecked(app, p.questionId);
  }
  // Questions whose photos never all arrived: after an hour they go on with what came.
  const waiting = await Questions(app.db)
    .find({ status: 'checking', textHeld: { $exists: false }, createdAt: { $lt: new Date(now.getTime() - PHOTO_CHECK_WAIT_MS) } }, { _id: 1 })
    .lean();
  for (const w of waiting) {
    await insertWins(() => QuestionSteps(app.db).create({ _id: `${String(w._id)}:photos-done`, questionId: w._id, kind: 'routed', at: now }));
    await routeWhenChecked(app, w._id);
  }
  let rerouted = 0;
  const due = await Questions(app.db)
    .find({ status: { $in: ['open', 'follow_up'] }, dueAt: { $lt: now } })
    .limit(500)
    .lean();
  for (const q of due) {
    if (await route(app, q, await nextExpert(app, q.topic, q.expertStaffId), 'overdue')) rerouted++;
  }
  return { rerouted, photosDropped };
}

// ---- resident data ----

export async function exportQuestions(app: AppContext, residentId: Types.ObjectId) {
  return (await listMine(app, residentId)).items;
}

/** Texts, call-back details, answers and photos go; topic, dates and rating stay for the figures. */
export async function eraseQuestions(app: AppContext, residentId: Types.ObjectId): Promise<void> {
  const rows = await Questions(app.db).find({ residentId }, { _id: 1 }).lean();
  const now = app.clock.now();
  for (const q of rows) {
    await photos.remove(app, q._id);
    await QuestionSteps(app.db).updateMany({ questionId: q._id }, { $unset: { textEnc: 1 } });
    await Questions(app.db).updateOne(
      { _id: q._id },
      { $unset: { textEnc: 1, callBackEnc: 1, followUpEnc: 1 }, $set: { personalErasedAt: now, updatedAt: now } },
    );
  }
}
