/**
 * The one request wrapper for pages: base URL, bearer token, JSON, one re-login and retry on 401, and a Chinese
 * toast on failure. Pages catch the rejection only to update their own state; the user has already been told.
 */
import { apiBase } from '../config';
import { ApiError, errorFrom, type HttpMethod, isSuccess, NetworkError, send } from './http';
import { clearSession, login, readToken } from './session';

export { ApiError, NetworkError };

export const NETWORK_MESSAGE = '网络不太好，请稍后再试';
export const FALLBACK_4XX_MESSAGE = '没有办成，请稍后再试';

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  method?: HttpMethod;
  query?: Query;
  data?: WechatMiniprogram.IAnyObject;
  /** For creating requests: one key per user action (see newIdempotencyKey); a retry sends the same key. */
  idempotencyKey?: string;
  /** false for endpoints that need no token. Default true. */
  auth?: boolean;
  /** true when the caller shows its own message. Default false. */
  silent?: boolean;
}

/** Extra options for the helpers below (method, data and query come from their arguments). */
export type CallOptions = Omit<RequestOptions, 'method' | 'data' | 'query'>;

export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  try {
    return await requestWithRelogin<T>(path, options);
  } catch (err) {
    if (!options.silent) showError(err);
    throw err;
  }
}

async function requestWithRelogin<T>(path: string, options: RequestOptions): Promise<T> {
  const auth = options.auth !== false;
  const token = auth ? (readToken() ?? (await login()).token) : null;
  let res = await send(buildRequest(path, options, token));
  if (res.statusCode === 401 && auth) {
    res = await send(buildRequest(path, options, await renewedToken(token)));
  }
  if (!isSuccess(res)) throw errorFrom(res);
  return res.data as T;
}

async function renewedToken(rejected: string | null): Promise<string> {
  const current = readToken();
  // Another request may have logged in again meanwhile; reuse its token rather than log in twice.
  if (current && current !== rejected) return current;
  clearSession();
  return (await login()).token;
}

function buildRequest(path: string, options: RequestOptions, token: string | null) {
  const header: Record<string, string> = { 'Content-Type': 'application/json' };
  if (token) header.Authorization = `Bearer ${token}`;
  if (options.idempotencyKey) header['Idempotency-Key'] = options.idempotencyKey;
  return {
    url: apiBase() + path + queryString(options.query),
    method: options.method ?? 'GET',
    header,
    data: options.data,
  };
}

export function queryString(query: Query | undefined): string {
  if (!query) return '';
  const parts = Object.keys(query)
    .filter((key) => query[key] !== undefined)
    .map((key) => `${encodeURIComponent(key)}=${encodeURIComponent(String(query[key]))}`);
  return parts.length ? `?${parts.join('&')}` : '';
}

/** What the resident reads: the server's own words for a 4xx, a calm generic line for everything else. */
export function messageFor(err: unknown): string {
  if (err instanceof ApiError && err.status >= 400 && err.status < 500) {
    return firstFieldMessage(err.details) ?? (err.message || FALLBACK_4XX_MESSAGE);
  }
  return NETWORK_MESSAGE;
}

/**
 * A validation error's details are `[{path, message}]`; the first field's Chinese message ("姓名只能包含汉字或
 * 字母") helps more than the general one ("提交的内容不正确"). Library defaults in English are never shown.
 */
function firstFieldMessage(details: unknown): string | null {
  if (!Array.isArray(details)) return null;
  const first: unknown = details[0];
  if (typeof first !== 'object' || first === null) return null;
  const message: unknown = (first as { message?: unknown }).message;
  return typeof message === 'string' && /[\u4e00-\u9fa5]/.test(message) ? message : null;
}

export function showError(err: unknown): void {
  wx.showToast({ title: messageFor(err), icon: 'none', duration: 3000 });
}

/** A fresh key for one user action (a tap on 报名, 提交…); not a secret, only unique. */
export function newIdempotencyKey(): string {
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(Math.random() * 16).toString(16)).join('');
  return `${Date.now().toString(36)}-${hex(8)}-${hex(8)}-${hex(8)}`;
}

/** Login for app launch, with the same error toast as other requests. */
export async function signIn() {
  try {
    return await login();
  } catch (err) {
    showError(err);
    throw err;
  }
}

export const api = {
  get: <T>(path: string, query?: Query, options?: CallOptions) => request<T>(path, { ...options, method: 'GET', query }),
  post: <T>(path: string, data?: WechatMiniprogram.IAnyObject, options?: CallOptions) => request<T>(path, { ...options, method: 'POST', data }),
  put: <T>(path: string, data?: WechatMiniprogram.IAnyObject, options?: CallOptions) => request<T>(path, { ...options, method: 'PUT', data }),
  patch: <T>(path: string, data: WechatMiniprogram.IAnyObject, options?: CallOptions) => request<T>(path, { ...options, method: 'PATCH', data }),
  del: <T>(path: string, options?: CallOptions) => request<T>(path, { ...options, method: 'DELETE' }),
};
