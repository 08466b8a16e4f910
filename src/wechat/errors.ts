/** A WeChat API failure; `errcode` is WeChat's own (or -2 for network/timeout, -3 for an unreadable reply). */
export class WeChatError extends Error {
  constructor(
    readonly api: string,
    readonly errcode: number,
    readonly errmsg: string,
  ) {
    super(`${api} failed: ${errcode} ${errmsg}`);
  }
}

export const WX = {
  BUSY: -1,
  NETWORK: -2,
  INVALID_TOKEN: 40001,
  INVALID_OPENID: 40003,
  INVALID_CODE: 40029,
  INVALID_TEMPLATE: 40037,
  CODE_USED: 40163,
  INVALID_SCENE: 40169,
  HIGH_RISK_USER: 40226,
  INVALID_PAGE: 41030,
  TOKEN_EXPIRED: 42001,
  SUBSCRIBE_REFUSED: 43101,
  RATE_LIMITED: 45011,
  WXACODE_LIMIT: 45009,
  INVALID_DATA: 47003,
  RISKY_CONTENT: 87014,
} as const;
