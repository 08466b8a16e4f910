import type { Api } from '../../http/route';
import { residentId } from '../../http/auth';
import { validationError } from '../../http/errors';
import { z } from '../../http/zod';
import { addCredits, creditCounts, dropCredits } from '../../notify/subscribe.channel';
import { getResident } from '../residents';
import type { ResidentDataSection } from '../module';

const TemplateKey = z.string().regex(/^[a-z][a-z0-9_]{1,39}$/, '模板编号格式不正确');

const Body = z
  .object({
    /** The keys the page asked wx.requestSubscribeMessage for. */
    templateKeys: z.array(TemplateKey).min(1).max(3),
    /** Which of them the resident accepted: the list, or true/false for all of them. */
    accepted: z.union([z.array(TemplateKey).max(3), z.boolean()]),
  })
  .strict()
  .openapi('SubscriptionResult');

const Credits = z.object({ credits: z.record(z.number()) }).openapi('SubscribeCredits');

/** "Export my data" shows unused credits; "erase me" drops them. */
export const subscriptionResidentData: ResidentDataSection = {
  name: 'subscriptions',
  export: async (app, id) => ({ credits: await creditCounts(app, id) }),
  erase: (app, id) => dropCredits(app, id),
};

/** Subscribe-message credits: every acceptance a resident gives in the mini-program lets us send one message. */
export function subscriptionRoutes(api: Api): void {
  const app = api.app;
  const tags = ['subscriptions'];
  api.route({
    method: 'post',
    path: '/api/v1/me/subscriptions',
    summary: 'Record a wx.requestSubscribeMessage result (one credit per accepted template)',
    tags,
    auth: 'resident',
    body: Body,
    response: Credits,
    status: 201,
    idempotent: true,
    handler: async (ctx, { body }) => {
      const me = residentId(ctx);
      await getResident(app, me);
      const accepted = body.accepted === true ? body.templateKeys : body.accepted === false ? [] : body.accepted;
      if (accepted.some((k) => !body.templateKeys.includes(k))) throw validationError('accepted', '只能包含请求过的模板');
      return { credits: accepted.length ? await addCredits(app, me, accepted) : await creditCounts(app, me) };
    },
  });
  api.route({
    method: 'get',
    path: '/api/v1/me/subscriptions',
    summary: 'My unused subscribe-message credits per template',
    tags,
    auth: 'resident',
    response: Credits,
    handler: async (ctx) => ({ credits: await creditCounts(app, residentId(ctx)) }),
  });
}
