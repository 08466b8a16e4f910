/**
 * Subscribe-notice permissions. The server says which WeChat template id each notice kind uses
 * (GET /api/v1/notice-templates, from its configuration), so a released mini-program needs no rebuild when an id
 * changes. Pages fetch the list when they open (`prefetchNoticeTemplates`); the tap that starts a flow then asks
 * for that flow's kinds at once, as WeChat requires (`askForNotices`).
 */
import { api } from './api';
import { choices } from './dictionaries';

export type NoticeFlow = 'talks' | 'referral' | 'insurance' | 'screening' | 'consult' | 'request';

export interface NoticeTemplate {
  kind: string;
  title: string;
  flow: NoticeFlow;
  templateId: string;
}

const STORAGE_KEY = 'noticeTemplates';

/** A kind's flow is the first word of its key (`talk_reminder` → talks). */
const flowOf = (kind: string): NoticeFlow =>
  kind.startsWith('talk_') ? 'talks' : kind.startsWith('referral_') ? 'referral' : kind.startsWith('screening_') ? 'screening' : 'insurance';

/** What each flow asks for when the server could not be reached yet: every notice kind, unmapped kinds using their key. */
const FALLBACK: NoticeTemplate[] = choices('noticeKind').map((n) => ({ kind: n.key, title: n.label, flow: flowOf(n.key), templateId: n.key }));

function stored(): NoticeTemplate[] | null {
  const v: unknown = wx.getStorageSync(STORAGE_KEY);
  return Array.isArray(v) && v.length ? (v as NoticeTemplate[]) : null;
}

/** Refresh the list in the background; a failure keeps the last known one. */
export async function prefetchNoticeTemplates(): Promise<void> {
  try {
    const { items } = await api.get<{ items: NoticeTemplate[] }>('/api/v1/notice-templates', undefined, { auth: false, silent: true });
    if (Array.isArray(items) && items.length) wx.setStorageSync(STORAGE_KEY, items);
  } catch {
    // offline: the stored or fallback ids are used
  }
}

export function templatesFor(flow: NoticeFlow): NoticeTemplate[] {
  return (stored() ?? FALLBACK).filter((t) => t.flow === flow).slice(0, 3);
}

/**
 * Ask for the flow's notices — call it first thing in the tap handler, before anything awaits — then tell the
 * server which kinds were accepted. Never blocks the task: a refusal or an old WeChat only means no notices.
 */
export function askForNotices(flow: NoticeFlow): Promise<string[]> {
  const templates = templatesFor(flow);
  if (!templates.length || typeof wx.requestSubscribeMessage !== 'function') return Promise.resolve([]);
  const kinds = templates.map((t) => t.kind);
  return new Promise((resolve) => {
    wx.requestSubscribeMessage({
      tmplIds: templates.map((t) => t.templateId),
      success: (res: WechatMiniprogram.IAnyObject) => {
        const accepted = templates.filter((t) => res[t.templateId] === 'accept').map((t) => t.kind);
        api.post('/api/v1/me/subscriptions', { templateKeys: kinds, accepted }, { silent: true }).then(
          () => resolve(accepted),
          () => resolve(accepted),
        );
      },
      fail: () => resolve([]),
    } as WechatMiniprogram.RequestSubscribeMessageOption);
  });
}
