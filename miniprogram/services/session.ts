/** The resident's session: WeChat login → our own bearer token, kept in storage and mirrored into the app. */
import { apiBase } from '../config';
import type { AppOption } from '../utils/app';
import { ApiError, errorFrom, isSuccess, NetworkError, send } from './http';
import type { LoginResult } from './types';

export const LOGIN_PATH = '/api/v1/auth/login';
export const TOKEN_KEY = 'token';
export const TOKEN_EXPIRES_KEY = 'tokenExpiresAt';
/** Treat a token as expired a little early so it does not lapse in flight. */
const EXPIRY_MARGIN_MS = 60 * 1000;

/** The stored token, or null when there is none or it has (nearly) expired. */
export function readToken(now: number = Date.now()): string | null {
  const token: unknown = wx.getStorageSync(TOKEN_KEY);
  if (typeof token !== 'string' || token === '') return null;
  const expiresAt: unknown = wx.getStorageSync(TOKEN_EXPIRES_KEY);
  if (typeof expiresAt === 'string' && expiresAt !== '') {
    const expiry = Date.parse(expiresAt);
    if (!Number.isNaN(expiry) && expiry - EXPIRY_MARGIN_MS <= now) return null;
  }
  return token;
}

export function clearSession(): void {
  wx.removeStorageSync(TOKEN_KEY);
  wx.removeStorageSync(TOKEN_EXPIRES_KEY);
  const app = currentApp();
  if (app) app.globalData.token = null;
}

let inFlight: Promise<LoginResult> | null = null;

/** Logs in once; callers arriving while a login runs share it (launch, a 401 and a page can overlap). */
export function login(): Promise<LoginResult> {
  if (!inFlight) {
    inFlight = loginOnce().finally(() => {
      inFlight = null;
    });
  }
  return inFlight;
}

async function loginOnce(): Promise<LoginResult> {
  const code = await wxLoginCode();
  const res = await send({
    url: apiBase() + LOGIN_PATH,
    method: 'POST',
    header: { 'Content-Type': 'application/json' },
    data: { code },
  });
  if (!isSuccess(res)) throw errorFrom(res);
  const result = res.data as LoginResult;
  if (typeof result?.token !== 'string' || result.token === '') {
    throw new ApiError(res.statusCode, 'BAD_LOGIN_RESPONSE', '');
  }
  wx.setStorageSync(TOKEN_KEY, result.token);
  wx.setStorageSync(TOKEN_EXPIRES_KEY, result.expiresAt);
  const app = currentApp();
  if (app) {
    app.globalData.token = result.token;
    app.globalData.resident = result.resident;
  }
  return result;
}

function wxLoginCode(): Promise<string> {
  return new Promise((resolve, reject) => {
    wx.login({
      timeout: 10000,
      success: (res) => (res.code ? resolve(res.code) : reject(new NetworkError(res.errMsg))),
      fail: (err) => reject(new NetworkError(err.errMsg)),
    });
  });
}

/** getApp() is undefined until App() has run; the session must work before that too. */
function currentApp(): WechatMiniprogram.App.Instance<AppOption> | undefined {
  const app = getApp<AppOption>() as WechatMiniprogram.App.Instance<AppOption> | undefined;
  return app && app.globalData ? app : undefined;
}
