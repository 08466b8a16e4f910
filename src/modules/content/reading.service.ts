import { Types } from 'mongoose';
import type { AppContext } from '../../context';
import { isDuplicateKey } from '../../db/model';
import { notFound } from '../../http/errors';
import type { z } from '../../http/zod';
import { awardStudyPoints, pointsSummary, recentMistakeTags } from '../quiz';
import { residentById } from '../residents';
import { Articles, Reads, Readers, type ArticleDoc } from './content.model';
import type { ArticleListQuery } from './content.schemas';
import { articleFilter, articlePage, fileUrl, textOf } from './content.service';
import { findPage } from '../../lib/pagination';
import { contentTopic } from '../../dictionaries';

/** Points for an article read or heard to the end, once per article, within the quiz's daily cap. */
export const POINTS_PER_ARTICLE = 10;

const excerptOf = (a: ArticleDoc): string => {
  const first = a.blocks.find((b) => b.text)?.text ?? '';
  return first.length > 40 ? `${first.slice(0, 40)}…` : first;
};

export const summaryOf = (a: ArticleDoc) => ({
  id: String(a._id),
  kind: a.kind,
  title: a.title,
  excerpt: excerptOf(a),
  cover: a.cover ? fileUrl(a.cover) : null,
  topics: a.topics,
  items: a.items,
  hasAudio: Boolean(a.audio),
});

/** Published articles by topic, health-literacy item or words of the title and text. */
export async function listArticles(app: AppContext, q: z.infer<typeof ArticleListQuery>) {
  return findPage(Articles(app.db), articleFilter(q), q, (rows) => rows.map(summaryOf));
}

async function publishedArticle(app: AppContext, id: string): Promise<ArticleDoc> {
  const a = Types.ObjectId.isValid(id) ? await Articles(app.db).findById(id).lean() : null;
  if (!a || a.status !== 'published') throw notFound('文章');
  return a;
}

const readId = (residentId: Types.ObjectId, articleId: Types.ObjectId) => `${String(residentId)}:${String(articleId)}`;
const yearOf = (d: Date): number => Number(new Intl.DateTimeFormat('en', { timeZone: 'Asia/Shanghai', year: 'numeric' }).format(d));

/** The resident opened the article: their reading of it (first time: counted for the figures, once a year as a reader). */
async function noteOpened(app: AppContext, residentId: Types.ObjectId, a: ArticleDoc) {
  const _id = readId(residentId, a._id);
  const existing = await Reads(app.db).findById(_id).lean();
  if (existing) return existing;
  const r = await residentById(app, residentId, ['areaPath']);
  const now = app.clock.now();
  const doc = { _id, residentId, articleId: a._id, topic: a.topics[0] ?? 'hl66', areaPath: r?.areaPath ?? [], year: yearOf(now), openedAt: now };
  try {
    await Reads(app.db).create(doc);
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
  try {
    await Readers(app.db).create({ _id: `${doc.year}:${String(residentId)}`, residentId, areaPath: doc.areaPath, year: doc.year });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
  return doc;
}

/** An article to read and hear: its text, the words read aloud, a recorded reading when there is one, the share card. */
export async function openArticle(app: AppContext, residentId: Types.ObjectId, id: string) {
  const a = await publishedArticle(app, id);
  const read = await noteOpened(app, residentId, a);
  return {
    id: String(a._id),
    version: a.version,
    publishedAt: a.publishedAt.toISOString(),
    kind: a.kind,
    title: a.title,
    cover: a.cover ?? null,
    coverUrl: a.cover ? fileUrl(a.cover) : null,
    blocks: a.blocks.map((b) => (b.image ? { image: fileUrl(b.image) } : { text: b.text! })),
    audio: a.audio ?? null,
    audioUrl: a.audio ? fileUrl(a.audio) : null,
    video: a.video ?? null,
    topics: a.topics,
    items: a.items,
    source: a.source,
    audience: a.audience ?? null,
    speech: textOf(a),
    share: { title: a.title, path: `/${articlePage(String(a._id))}` },
    mine: { completed: Boolean((read as { completedAt?: Date }).completedAt), points: (read as { points?: number }).points ?? 0 },
  };
}

/** The resident started listening (the figures count listens). */
export async function noteListened(app: AppContext, residentId: Types.ObjectId, id: string): Promise<{ ok: true }> {
  const a = await publishedArticle(app, id);
  await noteOpened(app, residentId, a);
  await Reads(app.db).updateOne({ _id: readId(residentId, a._id), listenedAt: { $exists: false } }, { $set: { listenedAt: app.clock.now() } });
  return { ok: true };
}

/**
 * Read or heard to the end: the first time for this article earns points under the quiz's daily cap. The
 * reading's conditional update decides the first time; the points' ledger entry is once per article as well.
 */
export async function completeArticle(app: AppContext, residentId: Types.ObjectId, id: string, how: 'read' | 'listen') {
  const a = await publishedArticle(app, id);
  await noteOpened(app, residentId, a);
  const now = app.clock.now();
  const r = await Reads(app.db).updateOne(
    { _id: readId(residentId, a._id), completedAt: { $exists: false } },
    { $set: { completedAt: now, completedBy: how, ...(how === 'listen' ? { listenedAt: now } : {}) } },
  );
  let pointsEarned = 0;
  if (r.modifiedCount) {
    pointsEarned = await awardStudyPoints(app, residentId, `article:${String(a._id)}`, POINTS_PER_ARTICLE);
    if (pointsEarned) await Reads(app.db).updateOne({ _id: readId(residentId, a._id) }, { $set: { points: pointsEarned } });
  }
  const sum = await pointsSummary(app, residentId);
  return { pointsEarned, alreadyCompleted: !r.modifiedCount, today: sum.today, dailyCap: sum.dailyCap };
}

/** Quiz topics (their labels in the bank) and the library's topics that explain them. */
const QUIZ_TOPICS: Record<string, string> = {
  三减四健: 'sjsj',
  意外伤害: 'injury',
  食品安全: 'laws',
  婴幼儿照护: 'yysy',
  传染病防治法: 'laws',
  合理膳食: 'diet',
  心理健康: 'mental',
  婚孕检: 'yysy',
  生殖健康: 'yysy',
  青春健康: 'qcjk',
  两癌筛查: 'lafz',
  适量运动: 'exercise',
};
const libraryTopic = (t: string): string => QUIZ_TOPICS[t] ?? (contentTopic.values as readonly string[]).find((k) => k === t) ?? t;

const bigrams = (s: string): Set<string> => new Set(Array.from({ length: Math.max(0, s.length - 1) }, (_, i) => s.slice(i, i + 2)));
const overlap = (a: Set<string>, text: string): number => [...bigrams(text)].filter((g) => a.has(g)).length;

/**
 * The article that explains a quiz question: one covering its health-literacy item, else one of its topics,
 * the closest in words to the question when several fit.
 */
export async function articleForQuestion(app: AppContext, q: { item?: number; topic?: string; text?: string }) {
  const rows = q.item
    ? await Articles(app.db).find({ status: 'published', items: q.item }, { title: 1, blocks: 1 }).lean()
    : await Articles(app.db)
        .find({ status: 'published', topics: libraryTopic(q.topic ?? '') }, { title: 1, blocks: 1 })
        .lean();
  if (!rows.length) return { id: null, title: null };
  const words = bigrams(q.text ?? '');
  const best = rows
    .map((a) => ({ a, score: overlap(words, `${a.title}${a.blocks.map((b) => b.text ?? '').join('')}`) }))
    .sort((x, y) => y.score - x.score || x.a.title.length - y.a.title.length)[0]!.a;
  return { id: String(best._id), title: best.title };
}

const ageBand = (age: number): string => (age < 18 ? '青少年' : age < 45 ? '青年' : age < 65 ? '中年' : '老年');

/**
 * "Recommended for me" from three things only: the resident's sex, their age band, and the items and topics of
 * their recent quiz mistakes (the privacy text says so). Nothing is stored about what was recommended.
 */
export async function recommended(app: AppContext, residentId: Types.ObjectId) {
  const [resident, mistakes, done] = await Promise.all([
    residentById(app, residentId, ['sex', 'birthYear']),
    recentMistakeTags(app, residentId),
    Reads(app.db)
      .find({ residentId, completedAt: { $exists: true } }, { articleId: 1 })
      .lean(),
  ]);
  const finished = new Set(done.map((d) => String(d.articleId)));
  const age = resident?.birthYear ? Number(yearOf(app.clock.now())) - resident.birthYear : null;
  const sex = resident?.sex ?? null;
  const mistakeTopics = new Set(mistakes.topics.map(libraryTopic));
  const rows = await Articles(app.db).find({ status: 'published' }).lean();
  const picks = rows
    .filter((a) => !finished.has(String(a._id)))
    .map((a) => {
      const item = a.items.find((n) => mistakes.items.includes(n));
      const mistake = item
        ? { score: 2, reason: `您最近答错过第 ${item} 条的题` }
        : a.topics.some((t) => mistakeTopics.has(t))
          ? { score: 1, reason: '和您最近答错的题有关' }
          : null;
      const aud = a.audience;
      const targeted = Boolean(aud && (aud.sex || aud.minAge !== undefined || aud.maxAge !== undefined));
      const fits =
        targeted &&
        (!aud!.sex || aud!.sex === sex) &&
        (aud!.minAge === undefined || (age !== null && age >= aud!.minAge)) &&
        (aud!.maxAge === undefined || (age !== null && age <= aud!.maxAge));
      return { a, mistake, fits };
    });
  const newest = (x: { a: ArticleDoc }, y: { a: ArticleDoc }) => y.a.publishedAt.getTime() - x.a.publishedAt.getTime();
  // Up to four for the mistakes, the rest for the age band and sex, so neither crowds the other out.
  const fromMistakes = picks
    .filter((p) => p.mistake)
    .sort((x, y) => y.mistake!.score - x.mistake!.score || newest(x, y))
    .slice(0, 4)
    .map((p) => ({ a: p.a, reason: p.mistake!.reason }));
  const taken = new Set(fromMistakes.map((p) => String(p.a._id)));
  const forMe = picks
    .filter((p) => p.fits && !taken.has(String(p.a._id)))
    .sort(newest)
    .slice(0, 6 - Math.min(fromMistakes.length, 3))
    .map((p) => ({ a: p.a, reason: `适合${age !== null ? ageBand(age) : ''}${sex === 'female' ? '女性' : sex === 'male' ? '男性' : '您'}读` }));
  const scored = [...fromMistakes.slice(0, 6 - forMe.length), ...forMe].slice(0, 6);
  const basis = ['性别', '年龄段', '最近答错的题'].join('、');
  return { items: scored.map((x) => ({ ...summaryOf(x.a), reason: x.reason })), basis: `按您的${basis}推荐` };
}

/** The resident's readings for "export my data". */
export async function exportReads(app: AppContext, residentId: Types.ObjectId) {
  const rows = await Reads(app.db).find({ residentId }).lean();
  return rows.map((r) => ({
    articleId: String(r.articleId),
    openedAt: r.openedAt.toISOString(),
    listenedAt: r.listenedAt?.toISOString() ?? null,
    completedAt: r.completedAt?.toISOString() ?? null,
    points: r.points ?? 0,
  }));
}

/** Erase: the readings lose the person (kept under a new key, without them, for the area's figures). */
export async function eraseReads(app: AppContext, residentId: Types.ObjectId): Promise<void> {
  const anon = () => `erased:${new Types.ObjectId().toHexString()}`;
  const reads = await Reads(app.db).find({ residentId }).lean();
  if (reads.length) {
    await Reads(app.db).insertMany(reads.map(({ residentId: _r, ...r }) => ({ ...r, _id: anon() })));
    await Reads(app.db).deleteMany({ residentId });
  }
  const readers = await Readers(app.db).find({ residentId }).lean();
  if (readers.length) {
    await Readers(app.db).insertMany(readers.map(({ residentId: _r, ...r }) => ({ ...r, _id: anon() })));
    await Readers(app.db).deleteMany({ residentId });
  }
}
