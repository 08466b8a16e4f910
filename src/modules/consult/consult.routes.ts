import crypto from 'node:crypto';
import { Types } from 'mongoose';
import type { Context } from 'koa';
import { callerOf, residentId, staffOf } from '../../http/auth';
import { AppError } from '../../http/errors';
import type { Api } from '../../http/route';
import { NoContent, pageOf } from '../../http/zod';
import { PHOTO_BODY_LIMIT_KB } from '../../lib/sealed-photos';
import type { AppContext } from '../../context';
import {
  AnswerBody,
  AskBody,
  CheckBody,
  CheckResult,
  ConsultExpert,
  ConsultExpertList,
  ConsultMe,
  ExpertsQuery,
  Faq,
  FaqQuery,
  FollowUpBody,
  HandoverBody,
  HeldList,
  IdParams,
  LinkExpertBody,
  MediaParams,
  PhotoAdded,
  PhotoBody,
  PhotoParams,
  PublishBody,
  PushBody,
  PushQuery,
  QuestionForResident,
  QuestionForStaff,
  QuestionList,
  QuestionListItem,
  RateBody,
  StaffIdParams,
  StaffListQuery,
} from './consult.schemas';
import * as consult from './consult.service';

const oid = (s: string) => new Types.ObjectId(s);
const HANDLERS = ['expert', 'district_admin'] as const;

/** WeChat's message push signs each request: sha1 of the token, timestamp and nonce, sorted and joined. */
function checkPushSignature(app: AppContext, q: { signature: string; timestamp: string; nonce: string }): void {
  const token = app.config.WECHAT_PUSH_TOKEN;
  const expected = token ? crypto.createHash('sha1').update([token, q.timestamp, q.nonce].sort().join('')).digest('hex') : '';
  const ok = expected.length === q.signature.length && expected.length > 0 && crypto.timingSafeEqual(Buffer.from(expected), Buffer.from(q.signature));
  if (!ok) throw new AppError('FORBIDDEN', 403, '签名不正确');
}

function sendImage(ctx: Context, photo: { contentType: string; bytes: Buffer }): void {
  ctx.set('cache-control', 'no-store');
  ctx.type = photo.contentType;
  ctx.body = photo.bytes;
}

export function consultRoutes(api: Api): void {
  const app = api.app;
  const tags = ['consult'];
  api.route({
    method: 'post',
    path: '/api/v1/consult/questions',
    summary: 'Ask an expert (text checked by WeChat before anyone sees it; photos follow one by one)',
    tags,
    auth: 'resident',
    body: AskBody,
    status: 201,
    idempotent: true,
    response: QuestionForResident,
    handler: (ctx, { body }) => consult.ask(app, residentId(ctx), body),
  });
  api.route({
    method: 'get',
    path: '/api/v1/consult/questions',
    summary: 'My questions with their answers',
    tags,
    auth: 'resident',
    response: QuestionList,
    handler: (ctx) => consult.listMine(app, residentId(ctx)),
  });
  api.route({
    method: 'get',
    path: '/api/v1/consult/questions/:id',
    summary: 'One of my questions',
    tags,
    auth: 'resident',
    params: IdParams,
    response: QuestionForResident,
    handler: (ctx, { params }) => consult.getMine(app, residentId(ctx), oid(params.id)),
  });
  api.route({
    method: 'post',
    path: '/api/v1/consult/questions/:id/photos',
    summary: 'Add a photo to my question (JPEG/PNG, base64, ≤ 2 MB); WeChat checks it before an expert sees it',
    tags,
    auth: 'resident',
    params: IdParams,
    body: PhotoBody,
    status: 201,
    bodyLimitKb: PHOTO_BODY_LIMIT_KB,
    idempotent: true,
    response: PhotoAdded,
    handler: (ctx, { params, body }) => consult.addPhoto(app, residentId(ctx), oid(params.id), body.dataBase64),
  });
  api.route({
    method: 'post',
    path: '/api/v1/consult/questions/:id/follow-up',
    summary: 'Ask one follow-up after the answer',
    tags,
    auth: 'resident',
    params: IdParams,
    body: FollowUpBody,
    idempotent: true,
    response: QuestionForResident,
    handler: (ctx, { params, body }) => consult.followUp(app, residentId(ctx), oid(params.id), body.text),
  });
  api.route({
    method: 'post',
    path: '/api/v1/consult/questions/:id/rating',
    summary: 'Rate the answer; optionally agree that it may be published without names',
    tags,
    auth: 'resident',
    params: IdParams,
    body: RateBody,
    response: QuestionForResident,
    handler: (ctx, { params, body }) => consult.rate(app, residentId(ctx), oid(params.id), body),
  });
  api.route({
    method: 'get',
    path: '/api/v1/consult/faq',
    summary: '常见问题: published answers by topic, searchable',
    tags,
    auth: 'none',
    query: FaqQuery,
    response: pageOf(Faq),
    handler: (_ctx, { query }) => consult.searchFaq(app, query),
  });
  api.route({
    method: 'get',
    path: '/api/v1/consult/media/:token',
    summary: 'A photo for the WeChat image check, at its one-time address while the check is pending',
    tags,
    auth: 'none',
    params: MediaParams,
    raw: { contentType: 'image/jpeg' },
    handler: async (ctx, { params }) => sendImage(ctx, await consult.mediaForCheck(app, params.token)),
  });
  api.route({
    method: 'get',
    path: '/api/v1/wechat/push',
    summary: 'WeChat message push: address check (echoes echostr when the signature is right)',
    tags,
    auth: 'none',
    query: PushQuery,
    raw: { contentType: 'text/plain' },
    handler: async (ctx, { query }) => {
      checkPushSignature(app, query);
      ctx.type = 'text/plain';
      ctx.body = query.echostr ?? '';
    },
  });
  api.route({
    method: 'post',
    path: '/api/v1/wechat/push',
    summary: 'WeChat message push (JSON): image check results (wxa_media_check)',
    tags,
    auth: 'none',
    query: PushQuery,
    body: PushBody,
    raw: { contentType: 'text/plain' },
    handler: async (ctx, { query, body }) => {
      checkPushSignature(app, query);
      if (body.Event === 'wxa_media_check' && body.trace_id && body.result) await consult.mediaCheckResult(app, body.trace_id, body.result.suggest);
      ctx.type = 'text/plain';
      ctx.body = 'success';
    },
  });

  const admin = ['admin: consult'];
  api.route({
    method: 'get',
    path: '/api/admin/v1/consult/me',
    summary: 'My expert profile and how many questions wait for me (district admins: waiting in all)',
    tags: admin,
    auth: 'staff',
    roles: HANDLERS,
    response: ConsultMe,
    handler: (ctx) => consult.myProfile(app, staffOf(ctx)),
  });
  api.route({
    method: 'get',
    path: '/api/admin/v1/consult/questions',
    summary: 'Questions (experts: of their topics), without their text',
    tags: admin,
    auth: 'staff',
    roles: HANDLERS,
    query: StaffListQuery,
    response: pageOf(QuestionListItem),
    handler: (ctx, { query }) => consult.staffList(app, staffOf(ctx), query),
  });
  api.route({
    method: 'get',
    path: '/api/admin/v1/consult/held',
    summary: 'Questions held by the text check, for a district admin to decide (audited)',
    tags: admin,
    auth: 'staff',
    roles: ['district_admin'],
    response: HeldList,
    handler: (ctx) => consult.heldQuestions(app, callerOf(ctx)),
  });
  api.route({
    method: 'get',
    path: '/api/admin/v1/consult/questions/:id',
    summary: 'One question in full (audited); name and phone only when the resident asked for a call back',
    tags: admin,
    auth: 'staff',
    roles: HANDLERS,
    params: IdParams,
    response: QuestionForStaff,
    handler: (ctx, { params }) => consult.staffView(app, callerOf(ctx), oid(params.id)),
  });
  api.route({
    method: 'get',
    path: '/api/admin/v1/consult/questions/:id/photos/:photoId',
    summary: 'A checked photo of a question (audited)',
    tags: admin,
    auth: 'staff',
    roles: HANDLERS,
    params: PhotoParams,
    raw: { contentType: 'image/jpeg' },
    handler: async (ctx, { params }) => sendImage(ctx, await consult.viewPhoto(app, callerOf(ctx), oid(params.id), oid(params.photoId))),
  });
  api.route({
    method: 'post',
    path: '/api/admin/v1/consult/questions/:id/answer',
    summary: 'Answer a question (or its follow-up); the resident gets a subscribe message',
    tags: admin,
    auth: 'staff',
    roles: ['expert'],
    params: IdParams,
    body: AnswerBody,
    response: QuestionForStaff,
    handler: (ctx, { params, body }) => consult.answer(app, callerOf(ctx), oid(params.id), body.text),
  });
  api.route({
    method: 'post',
    path: '/api/admin/v1/consult/questions/:id/handover',
    summary: 'Hand a waiting question to another expert of its topic',
    tags: admin,
    auth: 'staff',
    roles: HANDLERS,
    params: IdParams,
    body: HandoverBody,
    response: QuestionForStaff,
    handler: (ctx, { params, body }) => consult.handover(app, callerOf(ctx), oid(params.id), body.toStaffId),
  });
  api.route({
    method: 'post',
    path: '/api/admin/v1/consult/questions/:id/check',
    summary: 'Release or refuse a question held by the text check',
    tags: admin,
    auth: 'staff',
    roles: ['district_admin'],
    params: IdParams,
    body: CheckBody,
    response: CheckResult,
    handler: (ctx, { params, body }) => consult.releaseHeld(app, callerOf(ctx), oid(params.id), body.pass),
  });
  api.route({
    method: 'post',
    path: '/api/admin/v1/consult/questions/:id/publish',
    summary: 'Publish an answered question to 常见问题 (resident consented; names and numbers removed)',
    tags: admin,
    auth: 'staff',
    roles: HANDLERS,
    params: IdParams,
    body: PublishBody,
    status: 201,
    response: Faq,
    handler: (ctx, { params, body }) => consult.publish(app, callerOf(ctx), oid(params.id), body),
  });
  api.route({
    method: 'delete',
    path: '/api/admin/v1/consult/faq/:id',
    summary: 'Take a published question off 常见问题',
    tags: admin,
    auth: 'staff',
    roles: ['district_admin'],
    params: IdParams,
    status: 204,
    response: NoContent,
    handler: async (ctx, { params }) => {
      await consult.unpublish(app, callerOf(ctx), oid(params.id));
      return null;
    },
  });
  api.route({
    method: 'get',
    path: '/api/admin/v1/consult/experts',
    summary: 'Expert accounts and their topics (for handing a question over)',
    tags: admin,
    auth: 'staff',
    roles: HANDLERS,
    query: ExpertsQuery,
    response: ConsultExpertList,
    handler: (ctx, { query }) => consult.listExperts(app, staffOf(ctx), query.topic),
  });
  api.route({
    method: 'put',
    path: '/api/admin/v1/consult/experts/:staffId',
    summary: 'Link an expert account to its pool entry and topics',
    tags: admin,
    auth: 'staff',
    roles: ['district_admin'],
    params: StaffIdParams,
    body: LinkExpertBody,
    response: ConsultExpert,
    handler: (ctx, { params, body }) => consult.linkExpert(app, callerOf(ctx), params.staffId, body),
  });
}
