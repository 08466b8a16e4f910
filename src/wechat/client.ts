import axios, { type AxiosInstance } from 'axios';
import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import type { Clock } from '../lib/clock';
import { WeChatError, WX } from './errors';
import { TokenCache } from './token-cache.model';

interface WeChatClientOptions {
  baseURL: string;
  appid: string;
  secret: string;
  timeoutMs: number;
  logger: Logger;
  clock: Clock;
  db: Connection;
  /** Retries on -1 and network errors (default 2). */
  retries?: number;
}

interface Code2Session {
  openid: string;
  unionid?: string;
  sessionKey: string;
}

interface SubscribeMessage {
  touser: string;
  templateId: string;
  page?: string;
  data: Record<string, { value: string }>;
  state?: 'developer' | 'trial' | 'formal';
}

type Reply = { errcode?: number; errmsg?: string } & Record<string, unknown>;

/** WeChat server API client: bounded retries on busy/network only, token cache with refresh on 40001/42001. */
export class WeChatClient {
  private readonly http: AxiosInstance;
  private token: { value: string; expiresAt: number } | null = null;
  private refreshing: Promise<string> | null = null;

  constructor(private readonly opts: WeChatClientOptions) {
    this.http = axios.create({ baseURL: opts.baseURL, timeout: opts.timeoutMs, validateStatus: () => true });
  }

  private async call(api: string, send: () => Promise<{ status: number; data: unknown; headers: Record<string, unknown> }>): Promise<Reply | Buffer> {
    const retries = this.opts.retries ?? 2;
    for (let attempt = 0; ; attempt++) {
      let errcode: number;
      let errmsg: string;
      try {
        const res = await send();
        if (Buffer.isBuffer(res.data) && !String(res.headers['content-type'] ?? '').includes('json')) return res.data;
        const data = (Buffer.isBuffer(res.data) ? JSON.parse(res.data.toString('utf8')) : res.data) as Reply;
        if (typeof data !== 'object' || data === null) throw new WeChatError(api, -3, `unreadable reply (HTTP ${res.status})`);
        if (!data.errcode) return data;
        errcode = data.errcode;
        errmsg = String(data.errmsg ?? '');
      } catch (err) {
        if (err instanceof WeChatError) throw err;
        errcode = WX.NETWORK;
        errmsg = (err as Error).message;
      }
      const retryable = errcode === WX.BUSY || errcode === WX.NETWORK;
      this.opts.logger.warn({ event: 'wechat.error', api, errcode, errmsg, attempt }, 'WeChat API error');
      if (!retryable || attempt >= retries) throw new WeChatError(api, errcode, errmsg);
      await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
    }
  }

  private async json(api: string, send: () => Promise<{ status: number; data: unknown; headers: Record<string, unknown> }>): Promise<Reply> {
    const r = await this.call(api, send);
    if (Buffer.isBuffer(r)) throw new WeChatError(api, -3, 'unexpected binary reply');
    return r;
  }

  async code2Session(code: string): Promise<Code2Session> {
    const r = await this.json('jscode2session', () =>
      this.http.get('/sns/jscode2session', { params: { appid: this.opts.appid, secret: this.opts.secret, js_code: code, grant_type: 'authorization_code' } }),
    );
    if (typeof r.openid !== 'string') throw new WeChatError('jscode2session', -3, 'no openid');
    return { openid: r.openid, unionid: typeof r.unionid === 'string' ? r.unionid : undefined, sessionKey: String(r.session_key ?? '') };
  }

  /** Stable access token: in-process cache, then the shared database cache, then WeChat — one lookup at a time. */
  async accessToken(forceRefresh = false): Promise<string> {
    const now = this.opts.clock.now().getTime();
    if (!forceRefresh && this.token && this.token.expiresAt - 60_000 > now) return this.token.value;
    // No await before this line: concurrent callers all join the one lookup in flight.
    this.refreshing ??= this.loadToken(forceRefresh).finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async loadToken(forceRefresh: boolean): Promise<string> {
    if (!forceRefresh) {
      const shared = await TokenCache(this.opts.db).findById('stable').lean();
      if (shared && shared.expiresAt.getTime() - 60_000 > this.opts.clock.now().getTime()) {
        this.token = { value: shared.token, expiresAt: shared.expiresAt.getTime() };
        return shared.token;
      }
    }
    return this.fetchToken(forceRefresh);
  }

  private async fetchToken(forceRefresh: boolean): Promise<string> {
    const r = await this.json('stable_token', () =>
      this.http.post('/cgi-bin/stable_token', {
        grant_type: 'client_credential',
        appid: this.opts.appid,
        secret: this.opts.secret,
        force_refresh: forceRefresh,
      }),
    );
    const value = String(r.access_token);
    const expiresAt = this.opts.clock.now().getTime() + Number(r.expires_in ?? 7200) * 1000;
    this.token = { value, expiresAt };
    await TokenCache(this.opts.db).updateOne({ _id: 'stable' }, { $set: { token: value, expiresAt: new Date(expiresAt) } }, { upsert: true });
    return value;
  }

  /** Call an API that needs the access token; on 40001/42001 refresh once and retry once. */
  private async withToken<T>(fn: (token: string) => Promise<T>): Promise<T> {
    const token = await this.accessToken();
    try {
      return await fn(token);
    } catch (err) {
      if (!(err instanceof WeChatError) || (err.errcode !== WX.INVALID_TOKEN && err.errcode !== WX.TOKEN_EXPIRED)) throw err;
      this.token = null;
      await TokenCache(this.opts.db).deleteOne({ _id: 'stable', token });
      let fresh = await this.accessToken();
      if (fresh === token) fresh = await this.accessToken(true);
      return fn(fresh);
    }
  }

  async phoneNumber(code: string): Promise<{ phoneNumber: string; countryCode: string }> {
    const r = await this.withToken((t) =>
      this.json('getuserphonenumber', () => this.http.post('/wxa/business/getuserphonenumber', { code }, { params: { access_token: t } })),
    );
    const info = r.phone_info as { purePhoneNumber?: string; countryCode?: string } | undefined;
    if (!info?.purePhoneNumber) throw new WeChatError('getuserphonenumber', -3, 'no phone_info');
    return { phoneNumber: info.purePhoneNumber, countryCode: info.countryCode ?? '86' };
  }

  async sendSubscribeMessage(msg: SubscribeMessage): Promise<void> {
    await this.withToken((t) =>
      this.json('subscribe.send', () =>
        this.http.post(
          '/cgi-bin/message/subscribe/send',
          { touser: msg.touser, template_id: msg.templateId, page: msg.page, data: msg.data, miniprogram_state: msg.state ?? 'formal', lang: 'zh_CN' },
          { params: { access_token: t } },
        ),
      ),
    );
  }

  /** Content check v2; decide on `suggest`. */
  async msgSecCheck(openid: string, content: string, scene: 1 | 2 | 3 | 4 = 2): Promise<{ suggest: 'pass' | 'review' | 'risky'; label: number }> {
    const r = await this.withToken((t) =>
      this.json('msg_sec_check', () =>
        this.http.post('/wxa/msg_sec_check', { version: 2, openid, scene, content: content.slice(0, 2500) }, { params: { access_token: t } }),
      ),
    );
    const result = r.result as { suggest?: string; label?: number } | undefined;
    const suggest = result?.suggest === 'pass' || result?.suggest === 'review' || result?.suggest === 'risky' ? result.suggest : 'review';
    return { suggest, label: Number(result?.label ?? 0) };
  }

  /**
   * Image check (`img_sec_check`, the synchronous one: the image itself is sent, up to 1 MB as WeChat takes it):
   * `risky` when WeChat answers 87014.
   */
  async imgSecCheck(image: Buffer, contentType: string): Promise<{ suggest: 'pass' | 'risky' }> {
    try {
      await this.withToken((t) => {
        const form = new FormData();
        form.append('media', new Blob([image], { type: contentType }), contentType === 'image/png' ? 'image.png' : 'image.jpg');
        return this.json('img_sec_check', () => this.http.post('/wxa/img_sec_check', form, { params: { access_token: t } }));
      });
      return { suggest: 'pass' };
    } catch (err) {
      if (err instanceof WeChatError && err.errcode === WX.RISKY_CONTENT) return { suggest: 'risky' };
      throw err;
    }
  }

  /**
   * Asynchronous image check (v2): WeChat fetches `mediaUrl` and pushes the result (`wxa_media_check`, keyed by
   * the returned trace id) to the message push address.
   */
  async mediaCheckAsync(openid: string, mediaUrl: string, scene: 1 | 2 | 3 | 4 = 2): Promise<{ traceId: string }> {
    const r = await this.withToken((t) =>
      this.json('media_check_async', () =>
        this.http.post('/wxa/media_check_async', { version: 2, openid, scene, media_type: 2, media_url: mediaUrl }, { params: { access_token: t } }),
      ),
    );
    if (typeof r.trace_id !== 'string' || !r.trace_id) throw new WeChatError('media_check_async', -3, 'no trace_id');
    return { traceId: r.trace_id };
  }

  /** Mini-program code image for a scene (check-in QR codes). */
  async wxacodeUnlimited(scene: string, page: string, width = 430): Promise<Buffer> {
    const r = await this.withToken((t) =>
      this.call('getwxacodeunlimit', () =>
        this.http
          .post(
            '/wxa/getwxacodeunlimit',
            { scene, page, check_path: false, env_version: 'release', width },
            { params: { access_token: t }, responseType: 'arraybuffer' },
          )
          .then((res) => ({
            ...res,
            data: Buffer.from(res.data as ArrayBuffer),
            headers: res.headers as Record<string, unknown>,
          })),
      ),
    );
    if (!Buffer.isBuffer(r)) throw new WeChatError('getwxacodeunlimit', -3, 'expected an image');
    return r;
  }
}
