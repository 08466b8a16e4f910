import type { AppContext } from '../../context';
import { wechatToAppError } from '../residents';
import { TalkCodes, type TalkDoc } from './talks.model';

/** The mini-program page the check-in code opens (no leading slash: WeChat's rule for `page`). */
const CHECKIN_PAGE = 'pages/talks/checkin/index';

/** The check-in code image of a session: made by WeChat once per scene, then served from the cache. */
export async function checkinCode(app: AppContext, talk: TalkDoc): Promise<Buffer> {
  const cached = await TalkCodes(app.db).findById(String(talk._id)).lean();
  if (cached && cached.scene === talk.checkinScene) {
    // .lean() hands back BSON Binary, not a Buffer
    const raw = cached.png as unknown as Buffer | { buffer: Uint8Array };
    return Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer);
  }
  let png: Buffer;
  try {
    png = await app.wechat.wxacodeUnlimited(talk.checkinScene, CHECKIN_PAGE);
  } catch (err) {
    throw wechatToAppError(err);
  }
  await TalkCodes(app.db).updateOne({ _id: String(talk._id) }, { $set: { scene: talk.checkinScene, png, createdAt: app.clock.now() } }, { upsert: true });
  return png;
}
