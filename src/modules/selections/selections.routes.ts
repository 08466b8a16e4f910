import { Types } from 'mongoose';
import { callerOf, residentId, staffOf } from '../../http/auth';
import type { Api } from '../../http/route';
import { z } from '../../http/zod';
import { addNominationPhoto, PHOTO_BODY_LIMIT_KB, readNominationPhoto } from './selections.photos';
import {
  AdvanceBody,
  ConsentBody,
  FlaggedVotes,
  IdParams,
  LimitQuery,
  NominationListQuery,
  NominationPage,
  NominationParams,
  PhotoAdded,
  PhotoBody,
  PhotoParams,
  PublicCandidate,
  ResidentNominated,
  ResidentNominationBody,
  ResidentRoundView,
  ResultsView,
  ReviewBody,
  Round,
  RoundBody,
  RoundPage,
  RoundPatch,
  StaffNomination,
  StaffNominationBody,
  VoteResult,
} from './selections.schemas';
import * as sel from './selections.service';

const STAFF = ['district_admin', 'town_admin', 'village_worker'] as const;
const ADMINS = ['district_admin', 'town_admin'] as const;

export function selectionRoutes(api: Api): void {
  const app = api.app;
  const tags = ['selections'];
  api.route({
    method: 'get',
    path: '/api/v1/selections',
    summary: 'Selection rounds open to me',
    tags,
    auth: 'resident',
    response: z.object({ items: z.array(Round) }),
    handler: (ctx) => sel.residentRounds(app, residentId(ctx)),
  });
  api.route({
    method: 'get',
    path: '/api/v1/selections/:id',
    summary: 'A round: candidates by village, totals, my votes today',
    tags,
    auth: 'resident',
    params: IdParams,
    response: ResidentRoundView,
    handler: (ctx, { params }) => sel.residentRound(app, residentId(ctx), params.id),
  });
  api.route({
    method: 'get',
    path: '/api/v1/selections/:id/candidates/:nid',
    summary: 'One candidate with story and photos',
    tags,
    auth: 'resident',
    params: NominationParams,
    response: PublicCandidate,
    handler: (ctx, { params }) => sel.residentCandidate(app, residentId(ctx), params.id, params.nid),
  });
  api.route({
    method: 'post',
    path: '/api/v1/selections/:id/candidates/:nid/vote',
    summary: 'Vote for a candidate (once per candidate per day, N per day)',
    tags,
    auth: 'resident',
    params: NominationParams,
    response: VoteResult,
    status: 201,
    handler: (ctx, { params }) => sel.vote(app, residentId(ctx), params.id, params.nid),
  });
  api.route({
    method: 'get',
    path: '/api/v1/selections/:id/candidates/:nid/photos/:photoId',
    summary: 'A candidate photo: public once the town approved the candidate with consent',
    tags,
    auth: 'none',
    params: PhotoParams,
    raw: { contentType: 'image/jpeg' },
    handler: async (ctx, { params }) => {
      const owner = await sel.publicPhotoOwner(app, params.id, params.nid);
      const photo = await readNominationPhoto(app, owner, new Types.ObjectId(params.photoId));
      ctx.set('cache-control', 'public, max-age=600');
      ctx.type = photo.contentType;
      ctx.body = photo.bytes;
    },
  });
  api.route({
    method: 'post',
    path: '/api/v1/selections/:id/nominations',
    summary: 'Nominate a family or person (when the round allows it)',
    tags,
    auth: 'resident',
    params: IdParams,
    body: ResidentNominationBody,
    response: ResidentNominated,
    status: 201,
    idempotent: true,
    handler: (ctx, { params, body }) => sel.residentNominate(app, residentId(ctx), params.id, body),
  });
  api.route({
    method: 'get',
    path: '/api/v1/selections/:id/results',
    summary: 'Published results, flagged votes shown apart',
    tags,
    auth: 'resident',
    params: IdParams,
    response: ResultsView,
    handler: (_ctx, { params }) => sel.results(app, params.id),
  });
  api.route({
    method: 'get',
    path: '/api/v1/selections/:id/winners/:nid/certificate.svg',
    summary: 'Certificate image of a winner (public once results are published)',
    tags,
    auth: 'none',
    params: NominationParams,
    raw: { contentType: 'image/svg+xml' },
    handler: async (ctx, { params }) => {
      ctx.type = 'image/svg+xml';
      ctx.body = await sel.winnerCertificate(app, params.id, params.nid);
    },
  });

  const admin = ['admin: selections'];
  api.route({
    method: 'post',
    path: '/api/admin/v1/selections',
    summary: 'Create a selection round (draft)',
    tags: admin,
    auth: 'staff',
    roles: ADMINS,
    body: RoundBody,
    response: Round,
    status: 201,
    idempotent: true,
    handler: async (ctx, { body }) => sel.roundView(await sel.createRound(app, callerOf(ctx), body)),
  });
  api.route({
    method: 'get',
    path: '/api/admin/v1/selections',
    summary: 'Rounds in my area',
    tags: admin,
    auth: 'staff',
    roles: STAFF,
    query: NominationListQuery.omit({ status: true }),
    response: RoundPage,
    handler: (ctx, { query }) => sel.listRounds(app, staffOf(ctx), query),
  });
  api.route({
    method: 'get',
    path: '/api/admin/v1/selections/:id',
    summary: 'One round',
    tags: admin,
    auth: 'staff',
    params: IdParams,
    response: Round,
    handler: async (ctx, { params }) => sel.roundView(await sel.roundInScope(app, staffOf(ctx), params.id)),
  });
  api.route({
    method: 'patch',
    path: '/api/admin/v1/selections/:id',
    summary: 'Change a draft round (title, rules, area, dates, votes per day, winners)',
    tags: admin,
    auth: 'staff',
    roles: ADMINS,
    params: IdParams,
    body: RoundPatch,
    response: Round,
    handler: async (ctx, { params, body }) => sel.roundView(await sel.updateRound(app, callerOf(ctx), params.id, body)),
  });
  api.route({
    method: 'post',
    path: '/api/admin/v1/selections/:id/status',
    summary: 'Move a round to its next status (voting and published post to groups)',
    tags: admin,
    auth: 'staff',
    roles: ADMINS,
    params: IdParams,
    body: AdvanceBody,
    response: Round,
    handler: async (ctx, { params, body }) => sel.roundView(await sel.advanceRound(app, callerOf(ctx), params.id, body.to)),
  });
  api.route({
    method: 'post',
    path: '/api/admin/v1/selections/:id/nominations',
    summary: 'Nominate a family or person of my area',
    tags: admin,
    auth: 'staff',
    params: IdParams,
    body: StaffNominationBody,
    response: StaffNomination,
    status: 201,
    idempotent: true,
    handler: (ctx, { params, body }) => sel.staffNominate(app, callerOf(ctx), params.id, body),
  });
  api.route({
    method: 'get',
    path: '/api/admin/v1/selections/:id/nominations',
    summary: 'Nominations in my area (names masked)',
    tags: admin,
    auth: 'staff',
    params: IdParams,
    query: NominationListQuery,
    response: NominationPage,
    handler: (ctx, { params, query }) => sel.listNominations(app, staffOf(ctx), params.id, query),
  });
  api.route({
    method: 'get',
    path: '/api/admin/v1/selections/:id/nominations/:nid',
    summary: 'One nomination in full (audited)',
    tags: admin,
    auth: 'staff',
    params: NominationParams,
    response: StaffNomination,
    handler: (ctx, { params }) => sel.viewNomination(app, callerOf(ctx), params.id, params.nid),
  });
  api.route({
    method: 'post',
    path: '/api/admin/v1/selections/:id/nominations/:nid/consent',
    summary: "Record the nominee's consent to be shown publicly",
    tags: admin,
    auth: 'staff',
    params: NominationParams,
    body: ConsentBody,
    response: StaffNomination,
    handler: (ctx, { params, body }) => sel.recordConsent(app, callerOf(ctx), params.id, params.nid, body.method),
  });
  api.route({
    method: 'post',
    path: '/api/admin/v1/selections/:id/nominations/:nid/photos',
    summary: 'Add a photo (JPEG/PNG, ≤ 2 MB, at most 3)',
    tags: admin,
    auth: 'staff',
    params: NominationParams,
    body: PhotoBody,
    response: PhotoAdded,
    status: 201,
    bodyLimitKb: PHOTO_BODY_LIMIT_KB,
    idempotent: true,
    handler: async (ctx, { params, body }) =>
      addNominationPhoto(app, (await sel.nominationInScope(app, staffOf(ctx), params.id, params.nid))._id, body.dataBase64),
  });
  api.route({
    method: 'get',
    path: '/api/admin/v1/selections/:id/nominations/:nid/photos/:photoId',
    summary: 'View a nomination photo (audited)',
    tags: admin,
    auth: 'staff',
    params: PhotoParams,
    raw: { contentType: 'image/jpeg' },
    handler: async (ctx, { params }) => {
      const photo = await sel.viewNominationPhoto(app, callerOf(ctx), params.id, params.nid, params.photoId);
      ctx.set('cache-control', 'no-store');
      ctx.type = photo.contentType;
      ctx.body = photo.bytes;
    },
  });
  api.route({
    method: 'post',
    path: '/api/admin/v1/selections/:id/nominations/:nid/review',
    summary: 'Town review: approve, reject with a reason, or merge a duplicate',
    tags: admin,
    auth: 'staff',
    roles: ADMINS,
    params: NominationParams,
    body: ReviewBody,
    response: StaffNomination,
    handler: (ctx, { params, body }) => sel.reviewNomination(app, callerOf(ctx), params.id, params.nid, body),
  });
  api.route({
    method: 'get',
    path: '/api/admin/v1/selections/:id/results',
    summary: 'Live totals (clean and flagged votes apart)',
    tags: admin,
    auth: 'staff',
    params: IdParams,
    response: ResultsView,
    handler: (ctx, { params }) => sel.results(app, params.id, staffOf(ctx)),
  });
  api.route({
    method: 'get',
    path: '/api/admin/v1/selections/:id/flagged-votes',
    summary: 'Votes flagged for a look (new accounts, bursts)',
    tags: admin,
    auth: 'staff',
    params: IdParams,
    query: LimitQuery,
    response: FlaggedVotes,
    handler: (ctx, { params, query }) => sel.flaggedVotes(app, staffOf(ctx), params.id, query),
  });
}
