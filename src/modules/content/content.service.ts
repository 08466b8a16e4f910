import { mongo, Types } from 'mongoose';
import { type Caller, inScope, scopeFilter, type StaffPrincipal } from '../../access';
import type { AppContext } from '../../context';
import { isDuplicateKey } from '../../db/model';
import { AppError, forbidden, notFound, validationError } from '../../http/errors';
import { sniffImage } from '../../lib/blob-crypto';
import { findPage } from '../../lib/pagination';
import { escapeRegex } from '../../lib/regex';
import { WeChatError } from '../../wechat/errors';
import { boundOpenId } from '../staff';
import { Articles, ContentFiles, Versions, type ArticleContent, type ArticleDoc, type VersionDoc, type VersionStatus } from './content.model';
import type { ArticleListQuery, ContentBody, StaffArticleQuery, VersionListQuery } from './content.schemas';
import type { z } from '../../http/zod';

export type ContentInput = z.infer<typeof ContentBody>;

export const MAX_IMAGE_BYTES = 1024 * 1024;
export const MAX_AUDIO_BYTES = 5 * 1024 * 1024;
/** JSON body limit for one file: base64 is 4/3 of the bytes, plus the envelope. */
export const FILE_BODY_LIMIT_KB = Math.ceil((MAX_AUDIO_BYTES * 4) / 3 / 1024) + 16;
/** The mini-program page an article opens on (cards, shares, links). */
export const articlePage = (id: string): string => `pages/content/article/index?id=${id}`;
export const fileUrl = (id: string): string => `/api/v1/content/files/${id}`;

const nameOf = (staff: StaffPrincipal): string => staff.displayName || staff.username;
const bucket = (app: AppContext) => new mongo.GridFSBucket(app.db.db!, { bucketName: 'contentFiles' });

/** The words of an article, as searched and as checked: the title, then every paragraph. */
export const textOf = (c: Pick<ArticleContent, 'title' | 'blocks'>): string => [c.title, ...c.blocks.flatMap((b) => (b.text ? [b.text] : []))].join('\n');

function contentOf(input: ContentInput): ArticleContent {
  return {
    kind: input.kind,
    title: input.title,
    ...(input.cover ? { cover: input.cover } : {}),
    blocks: input.blocks.map((b) => (b.text ? { text: b.text } : { image: b.image! })),
    ...(input.audio ? { audio: input.audio } : {}),
    ...(input.video ? { video: input.video } : {}),
    topics: [...new Set(input.topics)],
    items: [...new Set(input.items)].sort((a, b) => a - b),
    source: input.source,
    ...(input.audience ? { audience: input.audience } : {}),
  };
}

const contentView = (c: ArticleContent) => ({
  kind: c.kind,
  title: c.title,
  cover: c.cover ?? null,
  blocks: c.blocks,
  audio: c.audio ?? null,
  video: c.video ?? null,
  topics: c.topics,
  items: c.items,
  source: c.source,
  audience: c.audience ?? null,
});

export const versionView = (v: VersionDoc) => ({
  ...contentView(v),
  id: String(v._id),
  articleId: String(v.articleId),
  version: v.version,
  status: v.status,
  areaCode: v.areaCode,
  createdBy: v.createdBy,
  createdByName: v.createdByName,
  reviewNote: v.reviewNote || null,
  reviewedByName: v.reviewedByName ?? null,
  publishedAt: v.publishedAt?.toISOString() ?? null,
  createdAt: v.createdAt.toISOString(),
  updatedAt: v.updatedAt.toISOString(),
});

const staffArticleView = (a: ArticleDoc) => ({
  ...contentView(a),
  id: String(a._id),
  key: a.key.startsWith('a-') ? null : a.key,
  status: a.status,
  version: a.version,
  publishedAt: a.publishedAt.toISOString(),
});

/** Every file an article names exists and is of its kind; refused before anything is stored. */
async function assertFiles(app: AppContext, c: ArticleContent): Promise<void> {
  const wanted = [
    ...(c.cover ? [{ id: c.cover, kind: 'image', path: 'cover' }] : []),
    ...c.blocks.flatMap((b, i) => (b.image ? [{ id: b.image, kind: 'image', path: `blocks.${i}.image` }] : [])),
    ...(c.audio ? [{ id: c.audio, kind: 'audio', path: 'audio' }] : []),
  ];
  if (!wanted.length) return;
  const files = new Map(
    (
      await ContentFiles(app.db)
        .find({ _id: { $in: wanted.map((w) => new Types.ObjectId(w.id)) } }, { kind: 1 })
        .lean()
    ).map((f) => [String(f._id), f.kind]),
  );
  for (const w of wanted)
    if (files.get(w.id) !== w.kind) throw validationError(w.path, w.kind === 'image' ? '图片不存在，请重新上传' : '录音不存在，请重新上传');
}

/** A new draft version of the caller's, in their area. */
const draftOf = (app: AppContext, caller: Caller, articleId: Types.ObjectId, version: number, content: ArticleContent) => {
  const now = app.clock.now();
  return {
    articleId,
    version,
    status: 'draft' as const,
    areaCode: caller.staff.areaCode,
    areaPath: caller.staff.areaPath,
    createdBy: caller.staff.id,
    createdByName: nameOf(caller.staff),
    createdAt: now,
    updatedAt: now,
    ...content,
  };
};

/** A new article: its first version, a draft of its author's. */
export async function createArticle(app: AppContext, caller: Caller, input: ContentInput): Promise<VersionDoc> {
  const content = contentOf(input);
  await assertFiles(app, content);
  const doc = await Versions(app.db).create(draftOf(app, caller, new Types.ObjectId(), 1, content));
  await caller.audit('content.create', { type: 'content_article', id: String(doc.articleId) }, { version: 1, title: content.title });
  return doc.toObject();
}

export async function getVersion(app: AppContext, staff: StaffPrincipal, id: string): Promise<VersionDoc> {
  const v = Types.ObjectId.isValid(id) ? await Versions(app.db).findById(id).lean() : null;
  if (!v || !inScope(staff, v.areaPath)) throw notFound('文章版本');
  return v;
}

/**
 * Edit a published article: a new draft version holding what is published now, for the caller to change and
 * send for review. One unpublished version at a time; the unique (article, version) settles two at once.
 */
export async function newVersion(app: AppContext, caller: Caller, articleId: string): Promise<VersionDoc> {
  const a = await getArticleDoc(app, articleId);
  const latest = await Versions(app.db).findOne({ articleId: a._id }).sort({ version: -1 }).lean();
  if (latest && (latest.status === 'draft' || latest.status === 'pending_review'))
    throw new AppError('VERSION_EXISTS', 409, `这篇文章已有未发布的第 ${latest.version} 版（${latest.createdByName}），请在那一版上修改`);
  const version = (latest?.version ?? a.version) + 1;
  try {
    const doc = await Versions(app.db).create(draftOf(app, caller, a._id, version, contentOf(a as unknown as ContentInput)));
    await caller.audit('content.new_version', { type: 'content_article', id: articleId }, { version, title: a.title });
    return doc.toObject();
  } catch (err) {
    if (isDuplicateKey(err)) throw new AppError('VERSION_EXISTS', 409, '这篇文章刚有人开始修改，请刷新后在那一版上修改');
    throw err;
  }
}

/** Rewrite a draft (its author only): before submitting it, or after the reviewer sent it back. */
export async function updateDraft(app: AppContext, caller: Caller, id: string, input: ContentInput): Promise<VersionDoc> {
  const v = await getVersion(app, caller.staff, id);
  if (v.createdBy !== caller.staff.id) throw forbidden('只有撰写人可以修改草稿');
  if (v.status !== 'draft') throw new AppError('INVALID_STATUS', 409, '只有草稿可以修改');
  const content = contentOf(input);
  await assertFiles(app, content);
  const unset = Object.fromEntries(['cover', 'audio', 'video', 'audience'].filter((k) => !(k in content)).map((k) => [k, 1]));
  const r = await Versions(app.db).updateOne(
    { _id: v._id, status: 'draft' },
    { $set: { ...content, updatedAt: app.clock.now() }, ...(Object.keys(unset).length ? { $unset: unset } : {}) },
  );
  if (!r.modifiedCount) throw new AppError('CONFLICT', 409, '草稿刚被更改，请刷新后再试');
  await caller.audit('content.update', { type: 'content_article', id: String(v.articleId) }, { version: v.version, title: content.title });
  return (await Versions(app.db).findById(v._id).lean())!;
}

async function move(app: AppContext, v: VersionDoc, from: VersionStatus, to: VersionStatus, extra: Record<string, unknown> = {}): Promise<VersionDoc> {
  if (v.status !== from) throw new AppError('INVALID_STATUS', 409, '这一版当前的状态不能这样操作，请刷新后再试');
  const set = { status: to, updatedAt: app.clock.now(), ...extra };
  const r = await Versions(app.db).updateOne({ _id: v._id, status: from }, { $set: set });
  if (!r.modifiedCount) throw new AppError('CONFLICT', 409, '这一版刚被其他人处理，请刷新后再试');
  return { ...v, ...set } as VersionDoc;
}

export async function submitVersion(app: AppContext, caller: Caller, id: string): Promise<VersionDoc> {
  const v = await getVersion(app, caller.staff, id);
  if (v.createdBy !== caller.staff.id) throw forbidden('只有撰写人可以提交审核');
  const moved = await move(app, v, 'draft', 'pending_review', { reviewNote: '' });
  await caller.audit('content.submit', { type: 'content_article', id: String(v.articleId) }, { version: v.version });
  return moved;
}

/** The district reviews and publishes; never the author (four eyes, as group campaigns). */
function assertReviewer(caller: Caller, v: VersionDoc): void {
  if (caller.staff.role !== 'district_admin') throw forbidden('健康知识由区级管理员审核发布');
  if (v.createdBy === caller.staff.id) throw new AppError('OWN_CONTENT', 403, '不能审核自己写的文章，请由另一位区级管理员审核');
}

/** Why WeChat refused a version, or null when its text and every picture pass. */
async function contentCheck(app: AppContext, v: VersionDoc, reviewer: StaffPrincipal): Promise<string | null> {
  const openid = (await boundOpenId(app, reviewer.id)) ?? (await boundOpenId(app, v.createdBy)) ?? '';
  try {
    const text = await app.wechat.msgSecCheck(openid, textOf(v), 3);
    if (text.suggest !== 'pass') return text.suggest === 'risky' ? '文字含有不适宜发布的内容' : '文字需要人工复核，暂不能发布';
    const images = [...(v.cover ? [v.cover] : []), ...v.blocks.flatMap((b) => (b.image ? [b.image] : []))];
    const unchecked = await ContentFiles(app.db)
      .find({ _id: { $in: images.map((id) => new Types.ObjectId(id)) }, check: 'unchecked' })
      .lean();
    for (const f of unchecked) {
      const bytes = await readBytes(app, f._id);
      if ((await app.wechat.imgSecCheck(bytes, f.contentType)).suggest === 'risky') return '有图片含有不适宜发布的内容';
      await ContentFiles(app.db).updateOne({ _id: f._id }, { $set: { check: 'pass' } });
    }
    return null;
  } catch (err) {
    if (!(err instanceof WeChatError)) throw err;
    app.logger.warn({ event: 'content.check_unavailable', err }, 'content check could not run');
    throw new AppError('CONTENT_CHECK_UNAVAILABLE', 503, '微信内容安全检测暂时不可用，请稍后再点发布');
  }
}

/**
 * Publish a version under review: WeChat's content check first (a refusal sends it back to its author with the
 * reason), then the version is published, the one before it superseded, and the article shows the new content.
 */
export async function approveVersion(app: AppContext, caller: Caller, id: string): Promise<VersionDoc> {
  const v = await getVersion(app, caller.staff, id);
  assertReviewer(caller, v);
  if (v.status !== 'pending_review') throw new AppError('INVALID_STATUS', 409, '只有待审核的版本可以发布');
  const refused = await contentCheck(app, v, caller.staff);
  if (refused) {
    await move(app, v, 'pending_review', 'draft', { reviewNote: `未通过微信内容安全检测：${refused}` });
    await caller.audit('content.check_refused', { type: 'content_article', id: String(v.articleId) }, { version: v.version, reason: refused });
    throw new AppError('CONTENT_CHECK_FAILED', 422, `未通过微信内容安全检测：${refused}。已退回撰写人修改。`);
  }
  const now = app.clock.now();
  const published = await move(app, v, 'pending_review', 'published', {
    reviewedBy: caller.staff.id,
    reviewedByName: nameOf(caller.staff),
    publishedAt: now,
  });
  await Versions(app.db).updateMany(
    { articleId: v.articleId, status: 'published', version: { $lt: v.version } },
    { $set: { status: 'superseded', updatedAt: now } },
  );
  await publishContent(app, v.articleId, `a-${String(v.articleId)}`, v.version, v, caller.staff.id, now);
  await caller.audit('content.publish', { type: 'content_article', id: String(v.articleId) }, { version: v.version, author: v.createdBy, title: v.title });
  return published;
}

/** The article shows a version's content (a later version already shown is kept). */
export async function publishContent(
  app: AppContext,
  articleId: Types.ObjectId,
  key: string,
  version: number,
  c: ArticleContent,
  by: string,
  now: Date,
): Promise<void> {
  const content = contentOf(c as ContentInput);
  const unset = Object.fromEntries(['cover', 'audio', 'video', 'audience'].filter((k) => !(k in content)).map((k) => [k, 1]));
  const set = { ...content, status: 'published', version, searchText: textOf(content), publishedAt: now, publishedBy: by, updatedAt: now };
  const r = await Articles(app.db).updateOne(
    { _id: articleId, version: { $lt: version } },
    { $set: set, ...(Object.keys(unset).length ? { $unset: unset } : {}) },
  );
  if (r.matchedCount) return;
  try {
    await Articles(app.db).create({ _id: articleId, key, ...set });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err; // already there with this version or a later one
  }
}

export async function rejectVersion(app: AppContext, caller: Caller, id: string, reason: string): Promise<VersionDoc> {
  const v = await getVersion(app, caller.staff, id);
  assertReviewer(caller, v);
  const moved = await move(app, v, 'pending_review', 'draft', { reviewNote: reason, reviewedBy: caller.staff.id, reviewedByName: nameOf(caller.staff) });
  await caller.audit('content.reject', { type: 'content_article', id: String(v.articleId) }, { version: v.version, reason });
  return moved;
}

/** Take an article down (district admins): residents no longer find or open it; its versions stay. */
export async function retireArticle(app: AppContext, caller: Caller, id: string): Promise<ArticleDoc> {
  if (caller.staff.role !== 'district_admin') throw forbidden('健康知识由区级管理员下架');
  const a = await getArticleDoc(app, id);
  const r = await Articles(app.db).updateOne({ _id: a._id, status: 'published' }, { $set: { status: 'retired', updatedAt: app.clock.now() } });
  if (!r.modifiedCount) throw new AppError('INVALID_STATUS', 409, '文章已经下架');
  await caller.audit('content.retire', { type: 'content_article', id }, { title: a.title });
  return (await Articles(app.db).findById(a._id).lean())!;
}

export async function getArticleDoc(app: AppContext, id: string): Promise<ArticleDoc> {
  const a = Types.ObjectId.isValid(id) ? await Articles(app.db).findById(id).lean() : null;
  if (!a) throw notFound('文章');
  return a;
}

export function articleFilter(q: z.infer<typeof ArticleListQuery> & { status?: string }): Record<string, unknown> {
  return {
    status: q.status ?? 'published',
    ...(q.topic ? { topics: q.topic } : {}),
    ...(q.item ? { items: q.item } : {}),
    ...(q.q ? { searchText: { $regex: escapeRegex(q.q) } } : {}),
  };
}

/** Articles as staff see them: published or retired, every topic (the library is the district's). */
export async function listStaffArticles(app: AppContext, q: z.infer<typeof StaffArticleQuery>) {
  return findPage(Articles(app.db), articleFilter(q), q, (rows) => rows.map(staffArticleView));
}

/** One article with its versions (authors' names; the versions' own pages are scoped). */
export async function staffArticle(app: AppContext, id: string) {
  const a = await getArticleDoc(app, id);
  const versions = await Versions(app.db).find({ articleId: a._id }, { version: 1, status: 1, createdByName: 1, updatedAt: 1 }).sort({ version: -1 }).lean();
  return {
    ...staffArticleView(a),
    versions: versions.map((v) => ({
      id: String(v._id),
      version: v.version,
      status: v.status,
      createdByName: v.createdByName,
      updatedAt: v.updatedAt.toISOString(),
    })),
  };
}

/** Versions in the caller's scope: the district's review queue, a village worker's own drafts. */
export async function listVersions(app: AppContext, staff: StaffPrincipal, q: z.infer<typeof VersionListQuery>) {
  const filter = { ...scopeFilter(staff), ...(q.status ? { status: q.status } : {}), ...(q.mine ? { createdBy: staff.id } : {}) };
  return findPage(Versions(app.db), filter, q, (rows) => rows.map(versionView));
}

/**
 * What a campaign or broadcast attaches: the text for the group, the mini-program card, and the short text sent
 * instead of the card when the puppet cannot send cards.
 */
export async function attachment(app: AppContext, id: string) {
  const a = await getArticleDoc(app, id);
  if (a.status !== 'published') throw new AppError('ARTICLE_RETIRED', 409, '文章已下架，不能再发到群里');
  const first = a.blocks.find((b) => b.text)?.text ?? '';
  const excerpt = first.length > 60 ? `${first.slice(0, 60)}…` : first;
  return {
    articleId: String(a._id),
    title: a.title,
    text: `【健康知识】${a.title}\n${excerpt}`,
    card: { title: a.title.slice(0, 30), pagePath: articlePage(String(a._id)) },
    linkText: `👉 微信搜索小程序「张店家庭健康」，打开「健康知识」，搜索“${a.title.slice(0, 12)}”就能读到、听到全文`,
  };
}

/** Which of the 66 health-literacy items have a published article, and which have none yet. */
export async function coverage(app: AppContext): Promise<{ covered: number[]; missing: number[] }> {
  const rows = await Articles(app.db).find({ status: 'published' }, { items: 1 }).lean();
  const have = new Set(rows.flatMap((r) => r.items));
  const all = Array.from({ length: 66 }, (_, i) => i + 1);
  return { covered: all.filter((n) => have.has(n)), missing: all.filter((n) => !have.has(n)) };
}

/** A picture (checked by WeChat at once; refused when risky) or a recorded reading, stored in the library's bucket. */
export async function uploadFile(app: AppContext, caller: Caller, input: { kind: 'image' | 'audio'; dataBase64: string }) {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(input.dataBase64)) throw validationError('dataBase64', '文件数据不正确');
  const bytes = Buffer.from(input.dataBase64, 'base64');
  const max = input.kind === 'image' ? MAX_IMAGE_BYTES : MAX_AUDIO_BYTES;
  if (bytes.length > max) throw new AppError('IMAGE_TOO_LARGE', 413, input.kind === 'image' ? '图片不能超过 1MB，请压缩后再传' : '录音不能超过 5MB');
  const contentType = input.kind === 'image' ? sniffImage(bytes) : sniffAudio(bytes);
  if (!contentType) throw new AppError('UNSUPPORTED_IMAGE_TYPE', 415, input.kind === 'image' ? '只能上传 JPG 或 PNG 图片' : '只能上传 MP3 或 M4A 录音');
  let check: 'pass' | 'unchecked' = 'pass';
  if (input.kind === 'image') {
    try {
      if ((await app.wechat.imgSecCheck(bytes, contentType)).suggest === 'risky')
        throw new AppError('CONTENT_CHECK_FAILED', 422, '这张图片未通过微信内容安全检测，请换一张');
    } catch (err) {
      if (!(err instanceof WeChatError)) throw err;
      check = 'unchecked'; // checked again before publishing
    }
  }
  const id = new Types.ObjectId();
  await new Promise<void>((resolve, reject) => {
    const up = bucket(app).openUploadStreamWithId(id, `${String(id)}.${input.kind}`);
    up.once('finish', () => resolve()).once('error', reject);
    up.end(bytes);
  });
  await ContentFiles(app.db).create({
    _id: id,
    kind: input.kind,
    contentType,
    size: bytes.length,
    check,
    createdBy: caller.staff.id,
    createdAt: app.clock.now(),
  });
  await caller.audit('content.image_upload', { type: 'content_image', id: String(id) }, { kind: input.kind, size: bytes.length });
  return { id: String(id), url: fileUrl(String(id)), kind: input.kind, contentType, size: bytes.length };
}

function sniffAudio(b: Buffer): string | null {
  if (b.length > 3 && (b.subarray(0, 3).toString('latin1') === 'ID3' || (b[0] === 0xff && (b[1]! & 0xe0) === 0xe0))) return 'audio/mpeg';
  if (b.length > 8 && b.subarray(4, 8).toString('latin1') === 'ftyp') return 'audio/mp4';
  return null;
}

async function readBytes(app: AppContext, id: Types.ObjectId): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of bucket(app).openDownloadStream(id)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** A library file for the pages (pictures and recordings are public, like the articles). */
export async function readFile(app: AppContext, id: string): Promise<{ contentType: string; bytes: Buffer }> {
  const f = Types.ObjectId.isValid(id) ? await ContentFiles(app.db).findById(id).lean() : null;
  if (!f) throw notFound('文件');
  return { contentType: f.contentType, bytes: await readBytes(app, f._id) };
}
