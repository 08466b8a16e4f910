import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fakeCodePng } from './fake-code';

/**
 * A local stand-in for api.weixin.qq.com, used by tests and by `npm start` without an AppID. It speaks the
 * same paths and error codes: codes are single-use (40163), unknown codes are 40029, tokens expire (42001) or
 * can be invalidated (40001), and any API can be told to fail next with a given errcode.
 *
 * Code conventions: `user:<name>:<anything>` logs in as openid `o-<name>`; any other code gets an openid
 * derived from the code. Phone codes `phone:<11 digits>:<anything>` return that number. Codes starting with
 * `bad` are invalid. Content checks: a text holding 违禁 is risky, 待审 needs review; an image whose bytes hold
 * 违禁 is risky.
 */
export class FakeWeChatServer {
  private server?: http.Server;
  private readonly usedCodes = new Set<string>();
  private readonly failures = new Map<string, number[]>();
  private tokens = new Map<string, number>();
  private tokenSeq = 0;
  readonly sent: Array<{ touser: string; template_id: string; page?: string; data: Record<string, { value: string }> }> = [];
  readonly calls: Array<{ path: string; body: unknown }> = [];
  /** Image checks asked for: the push with each result is the test's (or the caller's) to send. */
  readonly mediaChecks: Array<{ traceId: string; openid: string; mediaUrl: string }> = [];
  /** Openids that have not subscribed: subscribe sends to them return 43101. */
  readonly unsubscribed = new Set<string>();
  url = '';

  async start(port = 0): Promise<string> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(port, '127.0.0.1', () => r()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  /** The next `times` calls to `api` (e.g. 'jscode2session', 'subscribe.send') fail with `errcode`. */
  failNext(api: string, errcode: number, times = 1): void {
    const q = this.failures.get(api) ?? [];
    for (let i = 0; i < times; i++) q.push(errcode);
    this.failures.set(api, q);
  }

  /** Invalidate every issued access token (the next call gets 40001). */
  invalidateTokens(): void {
    this.tokens.clear();
  }

  /** Forget recorded calls, forced failures and used codes; issued tokens stay valid, as on WeChat. */
  reset(): void {
    this.usedCodes.clear();
    this.failures.clear();
    this.sent.length = 0;
    this.calls.length = 0;
    this.unsubscribed.clear();
    this.mediaChecks.length = 0;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(Buffer.from(chunk as Buffer));
    const bytes = Buffer.concat(chunks);
    const raw = bytes.toString('utf8');
    let body: Record<string, unknown> = {};
    if (String(req.headers['content-type'] ?? '').startsWith('multipart/form-data')) body = { multipartBytes: bytes.length };
    else
      try {
        body = raw ? JSON.parse(raw) : {};
      } catch {
        return this.reply(res, { errcode: 47001, errmsg: 'data format error' });
      }
    this.calls.push({ path: url.pathname, body });
    const api = ROUTES[url.pathname];
    if (!api) return this.reply(res, { errcode: 404, errmsg: 'not found' }, 404);
    const forced = this.failures.get(api)?.shift();
    if (forced !== undefined) return this.reply(res, { errcode: forced, errmsg: `forced ${forced}` });
    if (api !== 'jscode2session' && api !== 'stable_token') {
      const token = url.searchParams.get('access_token') ?? '';
      const exp = this.tokens.get(token);
      if (exp === undefined) return this.reply(res, { errcode: 40001, errmsg: 'invalid credential, access_token is invalid or not latest' });
      if (exp < Date.now()) return this.reply(res, { errcode: 42001, errmsg: 'access_token expired' });
    }
    switch (api) {
      case 'jscode2session':
        return this.reply(res, this.login(url.searchParams.get('js_code') ?? ''));
      case 'stable_token': {
        const current = [...this.tokens.entries()].find(([, exp]) => exp > Date.now());
        if (current && !body.force_refresh) return this.reply(res, { access_token: current[0], expires_in: Math.floor((current[1] - Date.now()) / 1000) });
        const token = `fake-token-${++this.tokenSeq}-${crypto.randomBytes(6).toString('hex')}`;
        this.tokens.set(token, Date.now() + 7200_000);
        return this.reply(res, { access_token: token, expires_in: 7200 });
      }
      case 'getuserphonenumber': {
        const code = String(body.code ?? '');
        const m = /^phone:(1[3-9]\d{9}):/.exec(code);
        if (!m || this.usedCodes.has(code)) return this.reply(res, { errcode: 40029, errmsg: 'invalid code' });
        this.usedCodes.add(code);
        return this.reply(res, {
          errcode: 0,
          errmsg: 'ok',
          phone_info: { phoneNumber: m[1], purePhoneNumber: m[1], countryCode: '86', watermark: { timestamp: Math.floor(Date.now() / 1000), appid: 'fake' } },
        });
      }
      case 'subscribe.send': {
        const touser = String(body.touser ?? '');
        if (!touser) return this.reply(res, { errcode: 40003, errmsg: 'invalid openid' });
        if (!body.template_id) return this.reply(res, { errcode: 40037, errmsg: 'invalid template_id' });
        if (this.unsubscribed.has(touser)) return this.reply(res, { errcode: 43101, errmsg: 'user refuse to accept the msg' });
        this.sent.push(body as never);
        return this.reply(res, { errcode: 0, errmsg: 'ok' });
      }
      case 'msg_sec_check': {
        const content = String(body.content ?? '');
        const suggest = content.includes('违禁') ? 'risky' : content.includes('待审') ? 'review' : 'pass';
        return this.reply(res, { errcode: 0, errmsg: 'ok', result: { suggest, label: suggest === 'pass' ? 100 : 20001 } });
      }
      case 'img_sec_check': {
        // An image whose bytes carry the marker 违禁 (written after the picture's own data) is risky.
        if (!body.multipartBytes) return this.reply(res, { errcode: 41005, errmsg: 'media data missing' });
        return this.reply(res, bytes.includes(Buffer.from('违禁')) ? { errcode: 87014, errmsg: 'risky content' } : { errcode: 0, errmsg: 'ok' });
      }
      case 'media_check_async': {
        if (!body.media_url) return this.reply(res, { errcode: 40003, errmsg: 'invalid media_url' });
        const traceId = `trace-${crypto.randomBytes(8).toString('hex')}`;
        this.mediaChecks.push({ traceId, openid: String(body.openid ?? ''), mediaUrl: String(body.media_url) });
        return this.reply(res, { errcode: 0, errmsg: 'ok', trace_id: traceId });
      }
      case 'getwxacodeunlimit': {
        const scene = String(body.scene ?? '');
        if (!scene || scene.length > 32 || !/^[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]+$/.test(scene))
          return this.reply(res, { errcode: 40169, errmsg: 'invalid scene' });
        if (typeof body.page === 'string' && body.page.startsWith('/')) return this.reply(res, { errcode: 41030, errmsg: 'invalid page' });
        res.writeHead(200, { 'content-type': 'image/png' });
        return void res.end(fakeCodePng(scene));
      }
    }
  }

  private login(code: string): Record<string, unknown> {
    if (!code || code.startsWith('bad')) return { errcode: 40029, errmsg: 'invalid code' };
    if (this.usedCodes.has(code)) return { errcode: 40163, errmsg: 'code been used' };
    this.usedCodes.add(code);
    const m = /^user:([\w-]{1,40}):/.exec(code);
    const openid = m ? `o-${m[1]}` : `o-${crypto.createHash('sha1').update(code).digest('hex').slice(0, 20)}`;
    return { openid, session_key: crypto.randomBytes(16).toString('base64') };
  }

  private reply(res: http.ServerResponse, body: unknown, status = 200): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }
}

const ROUTES: Record<string, string> = {
  '/sns/jscode2session': 'jscode2session',
  '/cgi-bin/stable_token': 'stable_token',
  '/wxa/business/getuserphonenumber': 'getuserphonenumber',
  '/cgi-bin/message/subscribe/send': 'subscribe.send',
  '/wxa/msg_sec_check': 'msg_sec_check',
  '/wxa/img_sec_check': 'img_sec_check',
  '/wxa/media_check_async': 'media_check_async',
  '/wxa/getwxacodeunlimit': 'getwxacodeunlimit',
};
