import { Schema, Types } from 'mongoose';
import { defineModel } from '../../db/model';
import { articleStatus, articleVersionStatus, contentKind, contentTopic } from '../../dictionaries';

export const CONTENT_TOPICS = contentTopic.values;
export type ContentTopic = (typeof CONTENT_TOPICS)[number];
export const CONTENT_KINDS = contentKind.values;
export const ARTICLE_STATUSES = articleStatus.values;
export const VERSION_STATUSES = articleVersionStatus.values;
export type VersionStatus = (typeof VERSION_STATUSES)[number];

/** A paragraph or a picture (a file id of the library's bucket), in reading order. */
export interface Block {
  text?: string;
  image?: string;
}

/** What one version of an article says: everything staff write in the editor. */
export interface ArticleContent {
  kind: (typeof CONTENT_KINDS)[number];
  title: string;
  /** Picture shown in lists and on the shared card (a file id). */
  cover?: string;
  blocks: Block[];
  /** A staff-recorded reading (a file id): played instead of the speech synthesis. */
  audio?: string;
  /** A 视频号 video, opened with the channels API. */
  video?: { finderUserName: string; feedId: string; nonceId?: string };
  topics: ContentTopic[];
  /** The health-literacy items (1–66) it explains. */
  items: number[];
  /** Where the facts come from, named under the article. */
  source: string;
  /** Whom it is recommended to first; nobody is kept from reading it. */
  audience?: { sex?: 'male' | 'female'; minAge?: number; maxAge?: number };
}

const contentFields = {
  kind: { type: String, required: true, enum: CONTENT_KINDS },
  title: { type: String, required: true },
  cover: String,
  blocks: { type: Schema.Types.Mixed, default: [] },
  audio: String,
  video: Schema.Types.Mixed,
  topics: { type: [String], default: [] },
  items: { type: [Number], default: [] },
  source: { type: String, default: '' },
  audience: Schema.Types.Mixed,
};

/** The article residents read: the content of its published version, until it is retired. */
export interface ArticleDoc extends ArticleContent {
  _id: Types.ObjectId;
  /** Shipped articles: their key in the library file (`hl66-01`); others `a-<id>`. Unique: seeding twice adds nothing. */
  key: string;
  status: (typeof ARTICLE_STATUSES)[number];
  version: number;
  /** Title and text, for the search box. */
  searchText: string;
  publishedAt: Date;
  publishedBy: string;
  updatedAt: Date;
}
const articleSchema = new Schema<ArticleDoc>(
  {
    key: { type: String, required: true },
    status: { type: String, required: true, enum: ARTICLE_STATUSES },
    version: { type: Number, required: true },
    searchText: { type: String, default: '' },
    publishedAt: { type: Date, required: true },
    publishedBy: { type: String, required: true },
    updatedAt: { type: Date, required: true },
    ...contentFields,
  },
  { minimize: false },
);
articleSchema.index({ status: 1, publishedAt: -1 });
articleSchema.index({ key: 1 }, { unique: true });
export const Articles = defineModel<ArticleDoc>('ContentArticle', articleSchema);

/** One version of an article: written, reviewed and published by different people; the unique (article, version) decides races. */
export interface VersionDoc extends ArticleContent {
  _id: Types.ObjectId;
  articleId: Types.ObjectId;
  version: number;
  status: VersionStatus;
  areaCode: string;
  areaPath: string[];
  createdBy: string;
  createdByName: string;
  reviewNote?: string;
  reviewedBy?: string;
  reviewedByName?: string;
  publishedAt?: Date;
  createdAt: Date;
  updatedAt: Date;
}
const versionSchema = new Schema<VersionDoc>(
  {
    articleId: { type: Schema.Types.ObjectId, required: true },
    version: { type: Number, required: true },
    status: { type: String, required: true, enum: VERSION_STATUSES },
    areaCode: { type: String, required: true },
    areaPath: { type: [String], required: true },
    createdBy: { type: String, required: true },
    createdByName: { type: String, required: true },
    reviewNote: String,
    reviewedBy: String,
    reviewedByName: String,
    publishedAt: Date,
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    ...contentFields,
  },
  { minimize: false },
);
versionSchema.index({ articleId: 1, version: 1 }, { unique: true });
versionSchema.index({ status: 1 });
versionSchema.index({ areaPath: 1, _id: -1 });
export const Versions = defineModel<VersionDoc>('ContentVersion', versionSchema);

/** A picture or recorded audio of the library (bytes in the `contentFiles` bucket, public once published). */
export interface FileDoc {
  _id: Types.ObjectId;
  kind: 'image' | 'audio';
  contentType: string;
  size: number;
  /** WeChat's image check at upload: `pass`, or `unchecked` when it could not run (checked again before publishing). */
  check: 'pass' | 'unchecked';
  createdBy: string;
  createdAt: Date;
}
const fileSchema = new Schema<FileDoc>({
  kind: { type: String, required: true },
  contentType: { type: String, required: true },
  size: { type: Number, required: true },
  check: { type: String, required: true },
  createdBy: { type: String, required: true },
  createdAt: { type: Date, required: true },
});
export const ContentFiles = defineModel<FileDoc>('ContentFile', fileSchema);

/**
 * A resident's reading of one article, `_id` = `<resident>:<article>`: opened, listened, finished (points once).
 * Kept with the resident's area and the article's first topic for the figures.
 */
export interface ReadDoc {
  _id: string;
  residentId?: Types.ObjectId;
  articleId: Types.ObjectId;
  topic: string;
  areaPath: string[];
  year: number;
  openedAt: Date;
  listenedAt?: Date;
  completedAt?: Date;
  completedBy?: 'read' | 'listen';
  points?: number;
}
const readSchema = new Schema<ReadDoc>({
  _id: String,
  residentId: Schema.Types.ObjectId,
  articleId: { type: Schema.Types.ObjectId, required: true },
  topic: { type: String, required: true },
  areaPath: { type: [String], default: [] },
  year: { type: Number, required: true },
  openedAt: { type: Date, required: true },
  listenedAt: Date,
  completedAt: Date,
  completedBy: String,
  points: Number,
});
readSchema.index({ residentId: 1 });
readSchema.index({ year: 1 });
export const Reads = defineModel<ReadDoc>('ContentRead', readSchema);

/** A resident who opened any article in a year, `_id` = `<year>:<resident>`: the readers figure. */
export interface ReaderDoc {
  _id: string;
  residentId?: Types.ObjectId;
  areaPath: string[];
  year: number;
}
const readerSchema = new Schema<ReaderDoc>({
  _id: String,
  residentId: Schema.Types.ObjectId,
  areaPath: { type: [String], default: [] },
  year: { type: Number, required: true },
});
readerSchema.index({ residentId: 1 });
readerSchema.index({ year: 1 });
export const Readers = defineModel<ReaderDoc>('ContentReader', readerSchema);
