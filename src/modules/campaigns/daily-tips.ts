import { Types } from 'mongoose';
import type { AppContext } from '../../context';
import { isDuplicateKey } from '../../db/model';
import { DISTRICT_CODE } from '../areas';
import { Campaigns } from './campaigns.model';

/** A fixed id ("dailytips001" in hex): the unique `_id` makes the seed idempotent even when run twice at once. */
export const DAILY_TIPS_ID = new Types.ObjectId('6461696c7974697073303031');
const DAILY_TIPS_CRON = '30 8 * * *';

/** Seed-data: the approved "每日健康小贴士" campaign to every bound group, 08:30 each day. */
export async function seedDailyTipsCampaign(app: AppContext): Promise<{ created: boolean }> {
  const now = app.clock.now();
  try {
    await Campaigns(app.db).create({
      _id: DAILY_TIPS_ID,
      kind: 'daily_tips',
      title: '每日健康小贴士',
      text: '',
      targets: { all: true, areaCodes: [], roomIds: [] },
      schedule: { kind: 'cron', cron: DAILY_TIPS_CRON },
      status: 'approved',
      areaCode: DISTRICT_CODE,
      areaPath: [DISTRICT_CODE],
      createdBy: 'system',
      approvedBy: 'system',
      approvedAt: now,
      createdAt: now,
      updatedAt: now,
    });
    return { created: true };
  } catch (err) {
    if (isDuplicateKey(err)) return { created: false };
    throw err;
  }
}
