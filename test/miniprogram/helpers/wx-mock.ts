/**
 * A recording stand-in for the `wx` global, shaped like the real APIs: async callbacks on a later tick,
 * wx.request success → {data, statusCode, header, cookies, errMsg:'request:ok'}, fail → {errMsg, errno},
 * getStorageSync of a missing key → '', navigateTo of an unregistered page → fail with WeChat's errMsg.
 * Pages and tab pages come from the real miniprogram/app.json.
 */
import * as fs from 'fs';
import * as path from 'path';

export const MP_ROOT = path.resolve(__dirname, '../../../miniprogram');
export const API_BASE = 'http://127.0.0.1:3000';

type AnyObject = Record<string, any>;
type Callbacks = { success?: (res: any) => void; fail?: (err: any) => void; complete?: (res: any) => void };

export interface RecordedRequest {
  url: string;
  /** Path and query after the base URL, e.g. /api/v1/areas?parent=370303 */
  path: string;
  /** The method on the wire (wx.request has no PATCH). */
  method: string;
  /** The method the server will act on (X-HTTP-Method-Override applied). */
  effectiveMethod: string;
  header: Record<string, string>;
  data: unknown;
}

export type Reply = { statusCode: number; data?: unknown; header?: Record<string, string> } | { networkError: string };
type Responder = Reply | ((req: RecordedRequest) => Reply);

interface Route {
  method: string;
  path: string;
  replies: Responder[];
}

/** GET /api/v1/notice-templates as the server answers with WECHAT_SUBSCRIBE_TEMPLATES mapping each kind to a TPL- id. */
export const NOTICE_TEMPLATES = [
  { kind: 'talk_reminder', title: '活动提醒（前一天）', flow: 'talks', templateId: 'TPL-talk_reminder' },
  { kind: 'talk_start', title: '活动即将开始', flow: 'talks', templateId: 'TPL-talk_start' },
  { kind: 'talk_status', title: '报名结果和活动变动', flow: 'talks', templateId: 'TPL-talk_status' },
  { kind: 'referral_status', title: '唇腭裂救助办理进度', flow: 'referral', templateId: 'TPL-referral_status' },
  { kind: 'insurance_status', title: '保险登记审核结果', flow: 'insurance', templateId: 'TPL-insurance_status' },
  { kind: 'insurance_renewal', title: '保险到期续保提醒', flow: 'insurance', templateId: 'TPL-insurance_renewal' },
];

/** GET /api/v1/policy as the server serves it. */
export const POLICY_TEXT = {
  version: '2026-11',
  title: '我们怎样保护您的信息',
  sections: [
    { heading: '我们收集什么，为什么', items: [{ head: '手机号', text: '用来通知讲座和筛查时间。' }] },
    { heading: '您随时可以', items: [{ text: '在“我的”页面查看、导出、删除自己的信息。' }] },
  ],
};

const appJson = JSON.parse(fs.readFileSync(path.join(MP_ROOT, 'app.json'), 'utf8')) as {
  pages: string[];
  tabBar: { list: { pagePath: string }[] };
};

function routeOf(url: string): string {
  return url.replace(/^\//, '').split('?')[0] as string;
}

/** wx.createInnerAudioContext as the pages use it: what was played, paused and stopped; `finish()` plays to the end. */
export class FakeAudio {
  src = '';
  readonly log: string[] = [];
  destroyed = false;
  private handlers: Record<'play' | 'ended' | 'error', Array<() => void>> = { play: [], ended: [], error: [] };
  play(): void {
    this.log.push(`play ${this.src}`);
    for (const h of this.handlers.play) h();
  }
  pause(): void {
    this.log.push('pause');
  }
  stop(): void {
    this.log.push('stop');
  }
  destroy(): void {
    this.destroyed = true;
  }
  onPlay(h: () => void): void {
    this.handlers.play.push(h);
  }
  onEnded(h: () => void): void {
    this.handlers.ended.push(h);
  }
  onError(h: () => void): void {
    this.handlers.error.push(h);
  }
  /** The current source played to its end. */
  finish(): void {
    this.log.push(`ended ${this.src}`);
    for (const h of this.handlers.ended) h();
  }
}

export class WxMock {
  readonly requests: RecordedRequest[] = [];
  readonly unmatched: RecordedRequest[] = [];
  readonly storage = new Map<string, unknown>();
  readonly toasts: AnyObject[] = [];
  readonly modals: AnyObject[] = [];
  readonly navigations: { api: string; url?: string; delta?: number; ok: boolean }[] = [];
  readonly logins: string[] = [];
  /** Files written under wx.env.USER_DATA_PATH, by path. */
  readonly files = new Map<string, string>();
  /** Audio contexts the pages created, in order. */
  readonly audios: FakeAudio[] = [];
  /** wx.openChannelsActivity calls. */
  readonly channels: AnyObject[] = [];
  /** wx.shareFileMessage calls. */
  readonly sharedFiles: { filePath: string; fileName?: string }[] = [];
  /** Registered pages, from app.json; a test may add a feature page that others will build. */
  readonly pages = new Set(appJson.pages);
  readonly tabPages = new Set(appJson.tabBar.list.map((t) => t.pagePath));
  /** Answer given to the next showModal calls. */
  modalConfirms = true;
  /** What getCurrentPages() returns. */
  pageStack: { route: string }[] = [{ route: 'pages/home/index' }];
  privacyListener: ((resolve: (r: AnyObject) => void, info: { referrer: string }) => void) | null = null;
  pending = 0;
  /** What every launch fetches, answered as the server does with no templates configured. */
  private routes: Route[] = [
    {
      method: 'GET',
      path: '/api/v1/notice-templates',
      replies: [{ statusCode: 200, data: { items: NOTICE_TEMPLATES } }],
    },
    { method: 'GET', path: '/api/v1/policy', replies: [{ statusCode: 200, data: POLICY_TEXT }] },
  ];
  private loginSeq = 0;
  loginFails: string | null = null;

  /** Replies for `METHOD path`, used in order; the last one repeats. PATCH matches POST + override header. */
  on(method: string, pathWithQuery: string, ...replies: Responder[]): this {
    this.routes.unshift({ method, path: pathWithQuery, replies });
    return this;
  }

  requestsTo(method: string, pathWithQuery: string): RecordedRequest[] {
    return this.requests.filter((r) => r.effectiveMethod === method && r.path === pathWithQuery);
  }

  lastToast(): AnyObject | undefined {
    return this.toasts[this.toasts.length - 1];
  }

  private later(fn: () => void): void {
    this.pending += 1;
    setTimeout(() => {
      this.pending -= 1;
      fn();
    }, 0);
  }

  private settleCallbacks(opts: Callbacks, ok: boolean, res: AnyObject): void {
    this.later(() => {
      if (ok) opts.success?.(res);
      else opts.fail?.(res);
      opts.complete?.(res);
    });
  }

  private reply(req: RecordedRequest): Reply {
    const route = this.routes.find((r) => r.method === req.effectiveMethod && r.path === req.path);
    if (!route) {
      this.unmatched.push(req);
      return { networkError: 'request:fail mock has no route' };
    }
    const responder = route.replies.length > 1 ? route.replies.shift()! : route.replies[0]!;
    return typeof responder === 'function' ? responder(req) : responder;
  }

  readonly wx = {
    request: (opts: AnyObject & Callbacks) => {
      const header = { ...(opts.header ?? {}) } as Record<string, string>;
      const method = (opts.method ?? 'GET') as string;
      const url = String(opts.url);
      const req: RecordedRequest = {
        url,
        path: url.startsWith(API_BASE) ? url.slice(API_BASE.length) : url,
        method,
        effectiveMethod: header['X-HTTP-Method-Override'] ?? method,
        header,
        data: opts.data === undefined ? undefined : JSON.parse(JSON.stringify(opts.data)),
      };
      this.requests.push(req);
      const reply = this.reply(req);
      if ('networkError' in reply) {
        this.settleCallbacks(opts, false, { errMsg: reply.networkError, errno: 600001 });
      } else {
        this.settleCallbacks(opts, true, {
          data: reply.data === undefined ? '' : reply.data,
          statusCode: reply.statusCode,
          header: { 'Content-Type': 'application/json; charset=utf-8', ...(reply.header ?? {}) },
          cookies: [],
          errMsg: 'request:ok',
        });
      }
      return { abort() {}, onHeadersReceived() {}, offHeadersReceived() {} };
    },

    login: (opts: Callbacks = {}) => {
      if (this.loginFails) {
        this.settleCallbacks(opts, false, { errMsg: this.loginFails });
        return;
      }
      this.loginSeq += 1;
      const code = `wx-code-${this.loginSeq}`;
      this.logins.push(code);
      this.settleCallbacks(opts, true, { code, errMsg: 'login:ok' });
    },

    getStorageSync: (key: string) => (this.storage.has(key) ? this.storage.get(key) : ''),
    setStorageSync: (key: string, value: unknown) => {
      this.storage.set(key, value === undefined ? undefined : JSON.parse(JSON.stringify(value)));
    },
    removeStorageSync: (key: string) => {
      this.storage.delete(key);
    },
    clearStorageSync: () => this.storage.clear(),

    showToast: (opts: AnyObject & Callbacks) => {
      this.toasts.push({ title: opts.title, icon: opts.icon ?? 'success', duration: opts.duration ?? 1500 });
      this.settleCallbacks(opts, true, { errMsg: 'showToast:ok' });
    },
    hideToast: (opts: Callbacks = {}) => this.settleCallbacks(opts, true, { errMsg: 'hideToast:ok' }),
    showLoading: (opts: Callbacks = {}) => this.settleCallbacks(opts, true, { errMsg: 'showLoading:ok' }),
    hideLoading: (opts: Callbacks = {}) => this.settleCallbacks(opts, true, { errMsg: 'hideLoading:ok' }),

    showModal: (opts: AnyObject & Callbacks) => {
      this.modals.push({ ...opts });
      const confirm = this.modalConfirms;
      this.settleCallbacks(opts, true, { confirm, cancel: !confirm, errMsg: 'showModal:ok' });
    },

    navigateTo: (opts: AnyObject & Callbacks) => {
      const route = routeOf(opts.url);
      let errMsg = 'navigateTo:ok';
      if (!this.pages.has(route)) errMsg = `navigateTo:fail page "${route}" is not found`;
      else if (this.tabPages.has(route)) errMsg = 'navigateTo:fail can not navigateTo a tabbar page';
      const ok = errMsg === 'navigateTo:ok';
      this.navigations.push({ api: 'navigateTo', url: opts.url, ok });
      this.settleCallbacks(opts, ok, { errMsg });
    },
    redirectTo: (opts: AnyObject & Callbacks) => {
      const route = routeOf(opts.url);
      const ok = this.pages.has(route) && !this.tabPages.has(route);
      this.navigations.push({ api: 'redirectTo', url: opts.url, ok });
      this.settleCallbacks(opts, ok, { errMsg: ok ? 'redirectTo:ok' : `redirectTo:fail page "${route}" is not found` });
    },
    switchTab: (opts: AnyObject & Callbacks) => {
      const ok = this.tabPages.has(routeOf(opts.url));
      this.navigations.push({ api: 'switchTab', url: opts.url, ok });
      this.settleCallbacks(opts, ok, { errMsg: ok ? 'switchTab:ok' : 'switchTab:fail can not switch to no-tabBar page' });
    },
    reLaunch: (opts: AnyObject & Callbacks) => {
      const ok = this.pages.has(routeOf(opts.url));
      this.navigations.push({ api: 'reLaunch', url: opts.url, ok });
      this.settleCallbacks(opts, ok, { errMsg: ok ? 'reLaunch:ok' : `reLaunch:fail page "${routeOf(opts.url)}" is not found` });
    },
    navigateBack: (opts: AnyObject & Callbacks = {}) => {
      this.navigations.push({ api: 'navigateBack', delta: opts.delta ?? 1, ok: true });
      this.settleCallbacks(opts, true, { errMsg: 'navigateBack:ok' });
    },

    env: { USER_DATA_PATH: 'wxfile://usr' },
    getFileSystemManager: () => ({
      writeFileSync: (filePath: string, data: string) => {
        if (!filePath.startsWith('wxfile://usr/')) throw new Error(`writeFileSync:fail permission denied, open ${filePath}`);
        this.files.set(filePath, data);
      },
    }),
    shareFileMessage: (opts: AnyObject & Callbacks) => {
      const ok = this.files.has(opts.filePath);
      this.sharedFiles.push({ filePath: opts.filePath, fileName: opts.fileName });
      this.settleCallbacks(opts, ok, { errMsg: ok ? 'shareFileMessage:ok' : 'shareFileMessage:fail file not found' });
    },

    createInnerAudioContext: () => {
      const a = new FakeAudio();
      this.audios.push(a);
      return a;
    },
    setNavigationBarTitle: (opts: AnyObject & Callbacks) => this.settleCallbacks(opts, true, { errMsg: 'setNavigationBarTitle:ok' }),
    openChannelsActivity: (opts: AnyObject & Callbacks) => {
      this.channels.push({ finderUserName: opts.finderUserName, feedId: opts.feedId });
      this.settleCallbacks(opts, true, { errMsg: 'openChannelsActivity:ok' });
    },

    onNeedPrivacyAuthorization: (listener: WxMock['privacyListener']) => {
      this.privacyListener = listener;
    },
    openPrivacyContract: (opts: Callbacks = {}) => {
      this.navigations.push({ api: 'openPrivacyContract', ok: true });
      this.settleCallbacks(opts, true, { errMsg: 'openPrivacyContract:ok' });
    },
  };
}

/**
 * Installs a fresh mock as `wx` (and getCurrentPages) before each test. Fails a test that made a request no
 * route answered, so a wrong URL cannot pass unnoticed.
 */
export function useWxMock(): () => WxMock {
  let mock: WxMock;
  beforeEach(() => {
    mock = new WxMock();
    (globalThis as AnyObject).wx = mock.wx;
    (globalThis as AnyObject).getCurrentPages = () => mock.pageStack;
  });
  afterEach(async () => {
    await settle(mock); // drain callbacks so nothing leaks into the next test
    expect(mock.unmatched.map((r) => `${r.effectiveMethod} ${r.path}`)).toEqual([]);
  });
  return () => mock;
}

/** Lets every queued wx callback and the promise chains after it run. */
export async function settle(mock: WxMock): Promise<void> {
  for (let quiet = 0, turns = 0; quiet < 3 && turns < 200; turns += 1) {
    await new Promise((resolve) => setTimeout(resolve, 0));
    quiet = mock.pending === 0 ? quiet + 1 : 0;
  }
}
