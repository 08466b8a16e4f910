import type { Api } from '../../http/route';
import { residentId } from '../../http/auth';
import { idempotencyKey } from '../../http/idempotency';
import { z } from '../../http/zod';
import { PageQuery } from '../../lib/pagination';
import { checkIn } from './attendance.service';
import { giveFeedback, myAttendanceFor } from './feedback.service';
import { getArea } from '../areas';
import { getResident } from '../residents';
import { eligibilityText } from './eligibility';
import { cancelMine, eligibilityFor, myRegistrationFor, myRegistrations, signUp } from './registrations.service';
import {
  CheckinBody,
  FeedbackBody,
  IdParams,
  MyRegistration,
  RegistrationBody,
  RegistrationResult,
  ResidentTalkListQuery,
  TalkPage,
  TalkSchema,
} from './talks.schemas';
import { listPublicTalks, recentPublicTalk, viewTalks } from './talks.service';
import { talkAdminRoutes } from './talks.admin.routes';

export function talksRoutes(api: Api): void {
  const app = api.app;
  const tags = ['talks'];

  api.route({
    method: 'get',
    path: '/api/v1/talks',
    summary: 'Upcoming published sessions (filter by kind and area)',
    tags,
    auth: 'resident',
    query: ResidentTalkListQuery,
    response: TalkPage,
    handler: async (ctx, { query }) => listPublicTalks(app, query, query.scope === 'mine' ? (await getResident(app, residentId(ctx))).areaPath : undefined),
  });
  api.route({
    method: 'get',
    path: '/api/v1/talks/:id',
    summary: 'One session with seats left and my registration',
    tags,
    auth: 'resident',
    params: IdParams,
    response: TalkSchema.extend({
      myRegistration: z.object({ registrationId: z.string(), status: z.string(), seats: z.number(), position: z.number().nullable() }).nullable(),
      /** Who may come, in words; null when anyone may. */
      eligibilityText: z.string().nullable(),
      /** Whether I may sign up; when not, the code (PROFILE_INCOMPLETE, NOT_ELIGIBLE, AREA_MISMATCH) and why. */
      myEligibility: z.object({ eligible: z.boolean(), code: z.string().nullable(), reason: z.string().nullable() }),
      /** Whether I checked in at this session, and whether I have rated it. */
      attended: z.boolean(),
      feedbackGiven: z.boolean(),
    }),
    handler: async (ctx, { params }) => {
      const talk = await recentPublicTalk(app, params.id);
      const [view, me, area, mine] = await Promise.all([
        viewTalks(app, [talk]),
        getResident(app, residentId(ctx)),
        getArea(app, talk.areaCode),
        myAttendanceFor(app, residentId(ctx), talk),
      ]);
      return {
        ...mine,
        ...view[0]!,
        myRegistration: await myRegistrationFor(app, residentId(ctx), talk),
        eligibilityText: eligibilityText(talk, area?.name),
        myEligibility: eligibilityFor(app, talk, me),
      };
    },
  });
  api.route({
    method: 'post',
    path: '/api/v1/talks/:id/registrations',
    summary: 'Sign up (with Idempotency-Key): a seat or a waitlist place',
    tags,
    auth: 'resident',
    params: IdParams,
    body: RegistrationBody,
    response: RegistrationResult,
    status: 201,
    idempotent: 'natural',
    handler: (ctx, { params, body }) => signUp(app, residentId(ctx), params.id, body.seats ?? 1, idempotencyKey(ctx)),
  });
  api.route({
    method: 'delete',
    path: '/api/v1/talks/:id/registrations/me',
    summary: 'Cancel my registration before the cut-off (promotes the waitlist)',
    tags,
    auth: 'resident',
    params: IdParams,
    response: z.object({ registrationId: z.string(), status: z.literal('cancelled') }),
    handler: (ctx, { params }) => cancelMine(app, residentId(ctx), params.id),
  });
  api.route({
    method: 'get',
    path: '/api/v1/me/registrations',
    summary: 'My registrations, newest first',
    tags,
    auth: 'resident',
    query: PageQuery.strict(),
    response: z.object({ items: z.array(MyRegistration), nextCursor: z.string().nullable() }),
    handler: (ctx, { query }) => myRegistrations(app, residentId(ctx), query),
  });
  api.route({
    method: 'post',
    path: '/api/v1/talks/:id/checkin',
    summary: 'Check in with the scene of the session code',
    tags,
    auth: 'resident',
    params: IdParams,
    body: CheckinBody,
    response: z.object({ talkId: z.string(), title: z.string(), checkedInAt: z.string() }),
    handler: (ctx, { params, body }) => checkIn(app, residentId(ctx), params.id, body.scene),
  });
  api.route({
    method: 'post',
    path: '/api/v1/talks/:id/feedback',
    summary: 'Rate a session I attended',
    tags,
    auth: 'resident',
    params: IdParams,
    body: FeedbackBody,
    status: 201,
    idempotent: true,
    response: z.object({ rating: z.number(), commentState: z.enum(['none', 'visible', 'review']) }),
    handler: (ctx, { params, body }) => giveFeedback(app, residentId(ctx), params.id, body),
  });

  talkAdminRoutes(api);
}
