/** wx.request as a promise, plus the two error types every caller sees. */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface HttpRequest {
  url: string;
  method: HttpMethod;
  header: Record<string, string>;
  data?: WechatMiniprogram.IAnyObject;
}

export interface HttpResponse {
  statusCode: number;
  data: unknown;
  header: WechatMiniprogram.IAnyObject;
}

/** The request never got an HTTP answer (offline, DNS, timeout, domain not allowed). */
export class NetworkError extends Error {
  constructor(readonly errMsg: string) {
    super(errMsg);
    this.name = 'NetworkError';
  }
}

/** The server answered with a non-2xx status; `message` is the server's Chinese text when it sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const REQUEST_TIMEOUT_MS = 15000;

export function send(req: HttpRequest): Promise<HttpResponse> {
  // wx.request has no PATCH (its method list stops at PUT/DELETE/TRACE/CONNECT), so PATCH travels as POST with
  // X-HTTP-Method-Override; the server turns it back into PATCH.
  const method = req.method === 'PATCH' ? 'POST' : req.method;
  const header = req.method === 'PATCH' ? { ...req.header, 'X-HTTP-Method-Override': 'PATCH' } : req.header;
  return new Promise((resolve, reject) => {
    const options: WechatMiniprogram.RequestOption = {
      url: req.url,
      method,
      header,
      timeout: REQUEST_TIMEOUT_MS,
      dataType: 'json',
      success: (res) => resolve({ statusCode: res.statusCode, data: res.data, header: res.header }),
      fail: (err) => reject(new NetworkError(err.errMsg)),
    };
    if (req.data !== undefined) options.data = req.data;
    wx.request(options);
  });
}

export function isSuccess(res: HttpResponse): boolean {
  return res.statusCode >= 200 && res.statusCode < 300;
}

/** Reads `{error:{code,message,details}}`; bodies from proxies (HTML, empty) become a bare status error. */
export function errorFrom(res: HttpResponse): ApiError {
  const body = res.data;
  if (typeof body === 'object' && body !== null && 'error' in body) {
    const error: unknown = (body as { error: unknown }).error;
    if (typeof error === 'object' && error !== null) {
      const { code, message, details } = error as { code?: unknown; message?: unknown; details?: unknown };
      return new ApiError(res.statusCode, typeof code === 'string' ? code : `HTTP_${res.statusCode}`, typeof message === 'string' ? message : '', details);
    }
  }
  return new ApiError(res.statusCode, `HTTP_${res.statusCode}`, '');
}
