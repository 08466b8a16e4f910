import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './schema';
import { session } from '../lib/session';

/** One bad row of an imported file (`details.errors` of an `IMPORT_INVALID` answer); row 0 = the whole file. */
export interface RowError {
  row: number;
  field: string;
  message: string;
}

/**
 * The service's one error shape, with field errors keyed by the field's path (`details: [{path, message}]`) and,
 * for a refused import, its bad rows.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: Record<string, string> = {},
    readonly rows: RowError[] = [],
    /** The error's `details` as sent (e.g. every row error of a policy-number import). */
    readonly details: unknown = undefined,
  ) {
    super(message);
  }
}

/**
 * The words to show for a failure: the service's own message (or, with `field`, its message for that field) when
 * the failure is an ApiError, else `fallback`.
 */
export function errorText(e: unknown, fallback = '加载失败', field?: string): string {
  if (!(e instanceof ApiError)) return fallback;
  return (field ? e.fields[field] : undefined) ?? e.message;
}

const auth: Middleware = {
  onRequest({ request }) {
    if (session.token) request.headers.set('authorization', `Bearer ${session.token}`);
    return request;
  },
  onResponse({ response }) {
    if (response.status === 401 && session.token) session.expire();
    return response;
  },
};

export const api = createClient<paths>({ baseUrl: '' });
api.use(auth);

function toApiError(status: number, body: unknown): ApiError {
  const e = (body as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
  const fields: Record<string, string> = {};
  if (Array.isArray(e?.details)) {
    for (const d of e.details as Array<{ path?: unknown; message?: unknown }>) {
      if (typeof d?.path === 'string' && typeof d.message === 'string') fields[d.path] ??= d.message;
    }
  } else if (e?.details && typeof e.details === 'object' && typeof (e.details as { field?: unknown }).field === 'string') {
    fields[(e.details as { field: string }).field] = e.message ?? '';
  }
  const rows = (e?.details as { errors?: unknown } | undefined)?.errors;
  if (status >= 500 || !e) return new ApiError(status, e?.code ?? 'NETWORK', '服务暂时不可用，请稍后再试', fields);
  return new ApiError(status, e.code ?? 'ERROR', e.message ?? '请求未成功', fields, Array.isArray(rows) ? (rows as RowError[]) : [], e.details);
}

/** Unwrap an openapi-fetch result: the data, or an ApiError with the Chinese message and field errors. */
export async function call<T>(p: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let r: Awaited<typeof p>;
  try {
    r = await p;
  } catch {
    throw new ApiError(0, 'NETWORK', '网络连接失败，请检查网络后重试');
  }
  if (!r.response.ok) throw toApiError(r.response.status, r.error);
  return r.data as T;
}

/** Download a file the API streams (exports), with the session's token. */
export async function download(path: string, filename: string): Promise<void> {
  const res = await fetch(path, { headers: session.token ? { authorization: `Bearer ${session.token}` } : {} });
  if (!res.ok) throw toApiError(res.status, await res.json().catch(() => undefined));
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A file the API serves behind the session (a photo, a QR image) as an object URL for an <img>; revoke it when done. */
export async function blobUrl(path: string): Promise<string> {
  const res = await fetch(path, { headers: session.token ? { authorization: `Bearer ${session.token}` } : {} });
  if (!res.ok) throw toApiError(res.status, await res.json().catch(() => undefined));
  return URL.createObjectURL(await res.blob());
}

/** A chosen file as base64 (for JSON uploads such as XLSX imports). */
export function fileToBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
    reader.onerror = () => reject(new ApiError(0, 'FILE', '文件读取失败，请重新选择'));
    reader.readAsDataURL(file);
  });
}
