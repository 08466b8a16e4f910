import { callerOf, residentId, staffOf } from '../../http/auth';
import type { Api } from '../../http/route';
import {
  ArticleListQuery,
  ArticlePage,
  ArticleRef,
  ArticleView,
  Attachment,
  Completed,
  CompleteBody,
  ContentBody,
  Coverage,
  FileBody,
  FileView,
  ForQuestionQuery,
  IdParams,
  Listened,
  Recommended,
  RejectBody,
  StaffArticle,
  StaffArticlePage,
  StaffArticleQuery,
  VersionListQuery,
  VersionPage,
  VersionView,
} from './content.schemas';
import * as content from './content.service';
import * as reading from './reading.service';

export function contentRoutes(api: Api): void {
  const app = api.app;
  const tags = ['content'];
  api.route({
    method: 'get',
    path: '/api/v1/content/articles',
    summary: 'Published articles by topic, health-literacy item or search words',
    tags,
    auth: 'resident',
    query: ArticleListQuery,
    response: ArticlePage,
    handler: (_ctx, { query }) => reading.listArticles(app, query),
  });
  api.route({
    method: 'get',
    path: '/api/v1/content/recommended',
    summary: 'Recommended for me: by sex, age band and recent quiz mistakes only',
    tags,
    auth: 'resident',
    response: Recommended,
    handler: (ctx) => reading.recommended(app, residentId(ctx)),
  });
  api.route({
    method: 'get',
    path: '/api/v1/content/for-question',
    summary: 'The article explaining a quiz question (by its item, else its topic and words)',
    tags,
    auth: 'resident',
    query: ForQuestionQuery,
    response: ArticleRef,
    handler: (_ctx, { query }) => reading.articleForQuestion(app, query),
  });
  api.route({
    method: 'get',
    path: '/api/v1/content/articles/:id',
    summary: 'Read an article (its words to read aloud, the recorded reading, the share card)',
    tags,
    auth: 'resident',
    params: IdParams,
    response: ArticleView,
    handler: (ctx, { params }) => reading.openArticle(app, residentId(ctx), params.id),
  });
  api.route({
    method: 'post',
    path: '/api/v1/content/articles/:id/listen',
    summary: 'I started listening',
    tags,
    auth: 'resident',
    params: IdParams,
    response: Listened,
    handler: (ctx, { params }) => reading.noteListened(app, residentId(ctx), params.id),
  });
  api.route({
    method: 'post',
    path: '/api/v1/content/articles/:id/complete',
    summary: 'I read or heard it to the end: points once per article, within the daily cap',
    tags,
    auth: 'resident',
    params: IdParams,
    body: CompleteBody,
    response: Completed,
    handler: (ctx, { params, body }) => reading.completeArticle(app, residentId(ctx), params.id, body.how),
  });
  api.route({
    method: 'get',
    path: '/api/v1/content/files/:id',
    summary: 'A picture or recorded reading of the library',
    tags,
    auth: 'none',
    params: IdParams,
    raw: { contentType: 'image/png' },
    handler: async (ctx, { params }) => {
      const f = await content.readFile(app, params.id);
      ctx.set('cache-control', 'public, max-age=86400');
      ctx.type = f.contentType;
      ctx.body = f.bytes;
    },
  });

  const admin = ['admin: content'];
  const base = '/api/admin/v1/content';
  api.route({
    method: 'post',
    path: `${base}/files`,
    summary: 'Upload a picture (checked by WeChat at once) or a recorded reading (base64)',
    tags: admin,
    auth: 'staff',
    body: FileBody,
    status: 201,
    bodyLimitKb: content.FILE_BODY_LIMIT_KB,
    idempotent: true,
    response: FileView,
    handler: (ctx, { body }) => content.uploadFile(app, callerOf(ctx), body),
  });
  api.route({
    method: 'post',
    path: `${base}/articles`,
    summary: 'Write a new article: its first version, a draft',
    tags: admin,
    auth: 'staff',
    body: ContentBody,
    status: 201,
    idempotent: true,
    response: VersionView,
    handler: async (ctx, { body }) => content.versionView(await content.createArticle(app, callerOf(ctx), body)),
  });
  api.route({
    method: 'get',
    path: `${base}/articles`,
    summary: 'The library: published and retired articles',
    tags: admin,
    auth: 'staff',
    query: StaffArticleQuery,
    response: StaffArticlePage,
    handler: (_ctx, { query }) => content.listStaffArticles(app, query),
  });
  api.route({
    method: 'get',
    path: `${base}/articles/:id`,
    summary: 'One article with its versions',
    tags: admin,
    auth: 'staff',
    params: IdParams,
    response: StaffArticle,
    handler: (_ctx, { params }) => content.staffArticle(app, params.id),
  });
  api.route({
    method: 'post',
    path: `${base}/articles/:id/versions`,
    summary: 'Edit a published article: a new draft version',
    tags: admin,
    auth: 'staff',
    params: IdParams,
    status: 201,
    response: VersionView,
    handler: async (ctx, { params }) => content.versionView(await content.newVersion(app, callerOf(ctx), params.id)),
  });
  api.route({
    method: 'post',
    path: `${base}/articles/:id/retire`,
    summary: 'Take an article down (district admins)',
    tags: admin,
    auth: 'staff',
    params: IdParams,
    response: StaffArticle,
    handler: async (ctx, { params }) => {
      await content.retireArticle(app, callerOf(ctx), params.id);
      return content.staffArticle(app, params.id);
    },
  });
  api.route({
    method: 'get',
    path: `${base}/articles/:id/attachment`,
    summary: 'What a campaign or broadcast attaches: text, mini-program card, link text',
    tags: admin,
    auth: 'staff',
    params: IdParams,
    response: Attachment,
    handler: (_ctx, { params }) => content.attachment(app, params.id),
  });
  api.route({
    method: 'get',
    path: `${base}/coverage`,
    summary: 'Health-literacy items (1–66) with and without a published article',
    tags: admin,
    auth: 'staff',
    response: Coverage,
    handler: () => content.coverage(app),
  });
  api.route({
    method: 'get',
    path: `${base}/versions`,
    summary: 'Versions in my area: drafts, the review queue',
    tags: admin,
    auth: 'staff',
    query: VersionListQuery,
    response: VersionPage,
    handler: (ctx, { query }) => content.listVersions(app, staffOf(ctx), query),
  });
  api.route({
    method: 'get',
    path: `${base}/versions/:id`,
    summary: 'One version',
    tags: admin,
    auth: 'staff',
    params: IdParams,
    response: VersionView,
    handler: async (ctx, { params }) => content.versionView(await content.getVersion(app, staffOf(ctx), params.id)),
  });
  api.route({
    method: 'put',
    path: `${base}/versions/:id`,
    summary: 'Rewrite my draft',
    tags: admin,
    auth: 'staff',
    params: IdParams,
    body: ContentBody,
    response: VersionView,
    handler: async (ctx, { params, body }) => content.versionView(await content.updateDraft(app, callerOf(ctx), params.id, body)),
  });
  for (const [action, summary, run] of [
    ['submit', 'Send my draft for review', content.submitVersion],
    ['approve', 'Publish after WeChat content check (district admins, never the author)', content.approveVersion],
  ] as const)
    api.route({
      method: 'post',
      path: `${base}/versions/:id/${action}`,
      summary,
      tags: admin,
      auth: 'staff',
      params: IdParams,
      response: VersionView,
      handler: async (ctx, { params }) => content.versionView(await run(app, callerOf(ctx), params.id)),
    });
  api.route({
    method: 'post',
    path: `${base}/versions/:id/reject`,
    summary: 'Send back to the author with a reason',
    tags: admin,
    auth: 'staff',
    params: IdParams,
    body: RejectBody,
    response: VersionView,
    handler: async (ctx, { params, body }) => content.versionView(await content.rejectVersion(app, callerOf(ctx), params.id, body.reason)),
  });
}
