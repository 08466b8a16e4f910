import { IsoDateTime, ObjectId, pageOf, z } from '../../http/zod';
import { ARTICLE_STATUSES, CONTENT_KINDS, CONTENT_TOPICS, VERSION_STATUSES } from './content.model';

const FileId = ObjectId;
const Block = z
  .object({ text: z.string().trim().min(1).max(600, '每段不超过 600 字').optional(), image: FileId.optional() })
  .strict()
  .refine((b) => Boolean(b.text) !== Boolean(b.image), '每一块是一段文字或一张图片');

export const ContentBody = z
  .object({
    kind: z.enum(CONTENT_KINDS).default('article'),
    title: z.string().trim().min(2, '请填写标题').max(40, '标题不超过 40 字'),
    cover: FileId.optional(),
    blocks: z.array(Block).min(1, '请至少写一段正文').max(40),
    audio: FileId.optional(),
    video: z
      .object({
        finderUserName: z
          .string()
          .trim()
          .regex(/^sph\w{3,40}$/, '视频号编号以 sph 开头'),
        feedId: z.string().trim().min(4).max(200),
      })
      .strict()
      .optional(),
    topics: z.array(z.enum(CONTENT_TOPICS)).min(1, '请选择至少一个主题').max(4),
    items: z.array(z.number().int().min(1).max(66)).max(6).default([]),
    source: z.string().trim().min(2, '请写明内容来源').max(120),
    audience: z
      .object({
        sex: z.enum(['male', 'female']).optional(),
        minAge: z.number().int().min(0).max(120).optional(),
        maxAge: z.number().int().min(0).max(120).optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((c) => c.kind !== 'video' || c.video, { message: '视频号视频请填写视频号编号和视频 ID', path: ['video'] })
  .refine((c) => c.kind !== 'audio' || c.audio, { message: '音频节目请上传录音', path: ['audio'] })
  .openapi('ContentInput');

const Content = z.object({
  kind: z.enum(CONTENT_KINDS),
  title: z.string(),
  cover: z.string().nullable(),
  blocks: z.array(z.object({ text: z.string().optional(), image: z.string().optional() })),
  audio: z.string().nullable(),
  video: z.object({ finderUserName: z.string(), feedId: z.string(), nonceId: z.string().optional() }).nullable(),
  topics: z.array(z.string()),
  items: z.array(z.number().int()),
  source: z.string(),
  audience: z.object({ sex: z.enum(['male', 'female']).optional(), minAge: z.number().optional(), maxAge: z.number().optional() }).nullable(),
});

export const VersionView = Content.extend({
  id: z.string(),
  articleId: z.string(),
  version: z.number().int(),
  status: z.enum(VERSION_STATUSES),
  areaCode: z.string(),
  createdBy: z.string(),
  createdByName: z.string(),
  reviewNote: z.string().nullable(),
  reviewedByName: z.string().nullable(),
  publishedAt: IsoDateTime.nullable(),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
}).openapi('ContentVersion');
export const VersionPage = pageOf(VersionView);

export const StaffArticle = Content.extend({
  id: z.string(),
  key: z.string().nullable(),
  status: z.enum(ARTICLE_STATUSES),
  version: z.number().int(),
  publishedAt: IsoDateTime,
  versions: z.array(
    z.object({ id: z.string(), version: z.number().int(), status: z.enum(VERSION_STATUSES), createdByName: z.string(), updatedAt: IsoDateTime }),
  ),
}).openapi('ContentStaffArticle');
export const StaffArticlePage = pageOf(StaffArticle.omit({ versions: true }));

export const VersionListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: ObjectId.optional(),
  status: z.enum(VERSION_STATUSES).optional(),
  mine: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
});
export const ArticleListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: ObjectId.optional(),
  topic: z.enum(CONTENT_TOPICS).optional(),
  item: z.coerce.number().int().min(1).max(66).optional(),
  q: z.string().trim().max(20).optional(),
});
export const StaffArticleQuery = ArticleListQuery.extend({ status: z.enum(ARTICLE_STATUSES).optional() });
export const IdParams = z.object({ id: ObjectId }).strict();
export const RejectBody = z.object({ reason: z.string().trim().min(2, '请写明退回原因').max(200) }).strict();

export const FileBody = z.object({ kind: z.enum(['image', 'audio']), dataBase64: z.string().min(4) }).strict();
export const FileView = z.object({ id: z.string(), url: z.string(), kind: z.enum(['image', 'audio']), contentType: z.string(), size: z.number().int() });

export const Attachment = z
  .object({
    articleId: z.string(),
    title: z.string(),
    text: z.string(),
    card: z.object({ title: z.string(), pagePath: z.string(), thumbUrl: z.string().optional() }),
    linkText: z.string(),
  })
  .openapi('ContentAttachment');
export const Coverage = z.object({ covered: z.array(z.number().int()), missing: z.array(z.number().int()) }).openapi('ContentCoverage');

/** A list entry as residents see it. */
export const ArticleSummary = z
  .object({
    id: z.string(),
    kind: z.enum(CONTENT_KINDS),
    title: z.string(),
    excerpt: z.string(),
    cover: z.string().nullable(),
    topics: z.array(z.string()),
    items: z.array(z.number().int()),
    hasAudio: z.boolean(),
  })
  .openapi('ContentSummary');
export const ArticlePage = pageOf(ArticleSummary);
export const Recommended = z
  .object({
    items: z.array(ArticleSummary.extend({ reason: z.string() })),
    /** What the choice was made from, in the resident's words. */
    basis: z.string(),
  })
  .openapi('ContentRecommended');

export const ArticleView = Content.extend({
  id: z.string(),
  version: z.number().int(),
  publishedAt: IsoDateTime,
  coverUrl: z.string().nullable(),
  audioUrl: z.string().nullable(),
  /** Everything read aloud, in order: the title, then each paragraph. */
  speech: z.string(),
  share: z.object({ title: z.string(), path: z.string() }),
  mine: z.object({ completed: z.boolean(), points: z.number().int() }),
}).openapi('ContentArticle');
export const ForQuestionQuery = z.object({
  item: z.coerce.number().int().min(1).max(66).optional(),
  topic: z.string().max(20).optional(),
  /** The question's stem: among several articles of a topic, the closest in words. */
  text: z.string().max(200).optional(),
});
export const ArticleRef = z.object({ id: z.string().nullable(), title: z.string().nullable() }).openapi('ContentArticleRef');

export const CompleteBody = z.object({ how: z.enum(['read', 'listen']) }).strict();
export const Completed = z
  .object({ pointsEarned: z.number().int(), alreadyCompleted: z.boolean(), today: z.number().int(), dailyCap: z.number().int() })
  .openapi('ContentCompleted');
export const Listened = z.object({ ok: z.literal(true) });
