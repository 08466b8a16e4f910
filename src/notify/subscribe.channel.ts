import { Types } from 'mongoose';
import type { AppContext } from '../context';
import { residentById } from '../modules/residents';
import { WeChatError, WX } from '../wechat/errors';
import type { OutboxItemDoc } from './outbox.model';
import { deliverDue, type SendOutcome } from './outbox.service';
import { SubscribeCredits } from './subscribe-credit.model';

/** WeChat's value limits by field type; the type is the field name's prefix (`thing1`, `phrase4`…). */
const LIMITS: Array<[string, number]> = [
  ['character_string', 32],
  ['phone_number', 17],
  ['car_number', 8],
  ['thing', 20],
  ['phrase', 5],
  ['name', 10],
  ['number', 32],
  ['letter', 32],
  ['symbol', 5],
  ['amount', 32],
];

/** Trim every value to its type's limit, so a send never fails on length (cut text of a `thing` ends with "…"). */
export function trimTemplateData(data: Record<string, unknown>): Record<string, { value: string }> {
  const out: Record<string, { value: string }> = {};
  for (const [field, raw] of Object.entries(data)) {
    const value = String(raw ?? '');
    const limit = LIMITS.find(([prefix]) => field.startsWith(prefix))?.[1];
    const chars = [...value];
    if (!limit || chars.length <= limit) out[field] = { value };
    // codes, names and phrases are cut plainly: an ellipsis would change their meaning or not fit
    else out[field] = { value: field.startsWith('thing') ? chars.slice(0, limit - 1).join('') + '…' : chars.slice(0, limit).join('') };
  }
  return out;
}

/** Credits a resident holds per template key. */
export async function creditCounts(app: AppContext, residentId: Types.ObjectId): Promise<Record<string, number>> {
  const rows = await SubscribeCredits(app.db).aggregate<{ _id: string; n: number }>([
    { $match: { residentId } },
    { $group: { _id: '$templateKey', n: { $sum: 1 } } },
  ]);
  return Object.fromEntries(rows.map((r) => [r._id, r.n]));
}

/** "Erase me": every unused credit of the resident goes. */
export async function dropCredits(app: AppContext, residentId: Types.ObjectId): Promise<void> {
  await SubscribeCredits(app.db).deleteMany({ residentId });
}

/** At most this many unused credits per (resident, template): enough for every reminder we would send. */
const MAX_CREDITS = 20;

export async function addCredits(app: AppContext, residentId: Types.ObjectId, templateKeys: string[]): Promise<Record<string, number>> {
  const counts = await creditCounts(app, residentId);
  const docs = [...new Set(templateKeys)]
    .filter((k) => (counts[k] ?? 0) < MAX_CREDITS)
    .map((templateKey) => ({ residentId, templateKey, createdAt: app.clock.now() }));
  if (docs.length) await SubscribeCredits(app.db).insertMany(docs);
  return creditCounts(app, residentId);
}

/** Take one credit: the oldest we can delete ourselves wins; a concurrent sender's delete makes us try the next. */
async function spendCredit(app: AppContext, residentId: Types.ObjectId, templateKey: string): Promise<boolean> {
  const credits = SubscribeCredits(app.db);
  for (let i = 0; i < 5; i++) {
    const candidates = await credits.find({ residentId, templateKey }, { _id: 1 }).sort({ _id: 1 }).limit(3).lean();
    if (!candidates.length) return false;
    for (const c of candidates) if ((await credits.deleteOne({ _id: c._id })).deletedCount === 1) return true;
  }
  return false;
}

async function refundCredit(app: AppContext, residentId: Types.ObjectId, templateKey: string): Promise<void> {
  await SubscribeCredits(app.db).create({ residentId, templateKey, createdAt: app.clock.now() });
}

const RETRYABLE: number[] = [WX.BUSY, WX.NETWORK, WX.RATE_LIMITED];

/** Send one `subscribe` outbox item. Payload contract: {residentId, templateKey, page?, data}. */
async function sendSubscribe(app: AppContext, item: OutboxItemDoc): Promise<SendOutcome> {
  const p = item.payload as { residentId?: string; templateKey?: string; page?: string; data?: Record<string, unknown> };
  if (!p.residentId || !Types.ObjectId.isValid(p.residentId) || !p.templateKey) return { result: 'dead', error: 'BAD_PAYLOAD' };
  const residentId = new Types.ObjectId(p.residentId);
  const resident = await residentById(app, residentId, ['openid', 'erasedAt']);
  if (!resident || resident.erasedAt) return { result: 'dead', error: 'RESIDENT_GONE' };
  if (!(await spendCredit(app, residentId, p.templateKey))) return { result: 'dead', error: 'NO_CREDIT: resident has not accepted this template' };
  try {
    await app.wechat.sendSubscribeMessage({
      touser: resident.openid,
      templateId: app.config.subscribeTemplates[p.templateKey] ?? p.templateKey,
      page: p.page,
      data: trimTemplateData(p.data ?? {}),
      state: app.config.WECHAT_MINIPROGRAM_STATE,
    });
    return { result: 'sent' };
  } catch (err) {
    if (!(err instanceof WeChatError)) {
      await refundCredit(app, residentId, p.templateKey);
      return { result: 'retry', error: (err as Error).message };
    }
    // 43101: WeChat says the acceptance is gone — the credit is spent and retrying cannot help.
    if (err.errcode === WX.SUBSCRIBE_REFUSED) return { result: 'dead', error: `43101 ${err.errmsg}` };
    // Anything else never reached the resident, so the acceptance is still good.
    await refundCredit(app, residentId, p.templateKey);
    if (RETRYABLE.includes(err.errcode)) return { result: 'retry', error: `${err.errcode} ${err.errmsg}` };
    return { result: 'dead', error: `${err.errcode} ${err.errmsg}` };
  }
}

/** One delivery round of the subscribe channel (the worker runs it every few seconds). */
export function deliverSubscribe(app: AppContext, worker = `worker-${process.pid}`, backoffMs = 30_000) {
  return deliverDue(app, { channel: 'subscribe', worker, backoffMs }, (item) => sendSubscribe(app, item));
}
