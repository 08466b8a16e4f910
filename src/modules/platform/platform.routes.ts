import { DictionariesReply, dictionariesReply } from '../../dictionaries/wire';
import type { Api } from '../../http/route';
import { z } from '../../http/zod';
import { noticeTemplates } from '../../notify/notice-kinds';
import { POLICY_SECTIONS, POLICY_TITLE } from './policy';

const PolicyResponse = z
  .object({
    version: z.string(),
    title: z.string(),
    sections: z.array(z.object({ heading: z.string(), items: z.array(z.object({ head: z.string().optional(), text: z.string() })) })),
  })
  .openapi('Policy');

const NoticeTemplatesResponse = z
  .object({ items: z.array(z.object({ kind: z.string(), title: z.string(), flow: z.string(), templateId: z.string() })) })
  .openapi('NoticeTemplates');

/** What a released mini-program learns from the server instead of carrying in its build. */
export function platformRoutes(api: Api): void {
  const app = api.app;
  const tags = ['platform'];
  api.route({
    method: 'get',
    path: '/api/v1/policy',
    summary: 'The current privacy policy: version and text (no login)',
    tags,
    auth: 'none',
    response: PolicyResponse,
    handler: async () => ({
      version: app.config.POLICY_VERSION,
      title: POLICY_TITLE,
      sections: POLICY_SECTIONS.map((s) => ({ heading: s.heading, items: s.items.map((i) => ({ ...i })) })),
    }),
  });
  api.route({
    method: 'get',
    path: '/api/v1/notice-templates',
    summary: 'Every notice kind with its WeChat subscribe template id (no login)',
    tags,
    auth: 'none',
    response: NoticeTemplatesResponse,
    handler: async () => ({ items: noticeTemplates(app.config.subscribeTemplates) }),
  });
  const dictionaries = dictionariesReply();
  api.route({
    method: 'get',
    path: '/api/v1/dictionaries',
    summary: 'Every enum clients show, with its Chinese labels: kinds, statuses, audit actions, error codes (no login; cacheable)',
    tags,
    auth: 'none',
    response: DictionariesReply,
    handler: async (ctx) => {
      ctx.set('cache-control', 'public, max-age=3600');
      return dictionaries;
    },
  });
}
