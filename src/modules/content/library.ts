import { Types } from 'mongoose';
import type { AppContext } from '../../context';
import { insertManyKeyed } from '../../db/model';
import { z } from '../../http/zod';
import { DISTRICT_CODE } from '../areas';
import { Articles, CONTENT_TOPICS, Versions, type ArticleContent } from './content.model';
import { textOf } from './content.service';
import shipped from './library/articles.json';

/** One shipped article: plain paragraphs, its topics, the health-literacy items it explains, its source. */
const Shipped = z
  .object({
    key: z.string().regex(/^[a-z0-9-]+$/),
    title: z.string().min(2).max(40),
    topics: z.array(z.enum(CONTENT_TOPICS)).min(1),
    items: z.array(z.number().int().min(1).max(66)).default([]),
    paragraphs: z.array(z.string().min(1)).min(1),
    source: z.string().min(2),
    audience: z.object({ sex: z.enum(['male', 'female']).optional(), minAge: z.number().optional(), maxAge: z.number().optional() }).optional(),
  })
  .strict()
  // plain and short: what an elderly reader finishes, and what the speech plugin reads in one go
  .refine(
    (a) => a.paragraphs.join('').length <= 400,
    (a) => ({ message: `${a.key} 超过 400 字` }),
  );
export type ShippedArticle = z.infer<typeof Shipped>;

export const shippedArticles = (): ShippedArticle[] => (shipped as unknown[]).map((raw) => Shipped.parse(raw));

const contentOf = (a: ShippedArticle): ArticleContent => ({
  kind: 'article',
  title: a.title,
  blocks: a.paragraphs.map((text) => ({ text })),
  topics: a.topics,
  items: a.items,
  source: a.source,
  ...(a.audience ? { audience: a.audience } : {}),
});

/**
 * At start: add the shipped articles whose key the library lacks, published as version 1 by the service. Articles
 * staff have edited or retired are left as they are. Inserted last-first, so the newest-first lists show item 1 first.
 */
export async function seedContentLibrary(app: AppContext): Promise<{ created: number }> {
  const all = shippedArticles();
  const have = new Set(
    (
      await Articles(app.db)
        .find({ key: { $in: all.map((a) => a.key) } }, { key: 1 })
        .lean()
    ).map((a) => a.key),
  );
  const missing = all.filter((a) => !have.has(a.key)).reverse();
  if (!missing.length) return { created: 0 };
  const now = app.clock.now();
  const rows = missing.map((a) => ({ _id: new Types.ObjectId(), a, c: contentOf(a) }));
  const refused = await insertManyKeyed(
    Articles(app.db),
    rows.map((r) => ({
      _id: r._id,
      key: r.a.key,
      status: 'published',
      version: 1,
      searchText: textOf(r.c),
      publishedAt: now,
      publishedBy: 'system',
      updatedAt: now,
      ...r.c,
    })),
  );
  // Another process seeding at the same moment took those keys: it writes their versions.
  const mine = rows.filter((_, i) => !refused.has(i));
  await insertManyKeyed(
    Versions(app.db),
    mine.map((r) => ({
      articleId: r._id,
      version: 1,
      status: 'published',
      areaCode: DISTRICT_CODE,
      areaPath: [DISTRICT_CODE],
      createdBy: 'system',
      createdByName: '内置健康知识库',
      reviewedBy: 'system',
      reviewedByName: '内置健康知识库',
      publishedAt: now,
      createdAt: now,
      updatedAt: now,
      ...r.c,
    })),
  );
  return { created: mine.length };
}
