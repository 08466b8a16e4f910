import type { StaffPrincipal } from '../../access';
import type { AppContext } from '../../context';
import { isDuplicateKey } from '../../db/model';
import { shanghaiDay } from '../../lib/shanghai';
import { enqueue } from '../../notify/outbox.service';
import { DISTRICT_CODE, listChildAreas } from '../areas';
import { activeAdmins, linkedWechatIds } from '../staff';
import { ReportReminders } from './reports.model';
import { submissionStatus } from './submissions.service';

/** Reminder days in December; the association's deadline is 15 December. */
const REMINDER_DAYS = ['12-01', '12-10'];
const DEADLINE = '12-15';

/** The reminder day that applies on `day` (YYYY-MM-DD), if any: the latest of 1 and 10 December passed. */
function reminderDayOn(day: string): string | null {
  const md = day.slice(5);
  const due = REMINDER_DAYS.filter((d) => d <= md && md.startsWith('12-'));
  return due[due.length - 1] ?? null;
}

const submitted = async (app: AppContext, year: number, areaCode: string) => (await submissionStatus(app, year, areaCode)).status === 'submitted';

/** The towns whose report for the year is not in yet, by name. */
async function townsNotIn(app: AppContext, year: number): Promise<string[]> {
  const names: string[] = [];
  for (const t of await listChildAreas(app, DISTRICT_CODE)) if (!(await submitted(app, year, t.code))) names.push(t.name);
  return names;
}

/**
 * On 1 and 10 December (and on the following days until the 15th, so a worker that was down catches up),
 * each town admin whose town's report for the year has not been submitted, and each district admin while some
 * town's has not, gets one reminder per reminder day: the insert of `<year>:<day>:<staffId>` decides that it is counted once whatever the number of workers.
 * Those with a linked WeChat also get it as a private message from the group bot, queued under a key of its
 * own before the record, so a worker stopped in between queues it on the next run and never twice.
 */
export async function remindYearlyReports(app: AppContext): Promise<{ reminded: number }> {
  const today = shanghaiDay(app.clock.now());
  const day = reminderDayOn(today);
  if (!day || today.slice(5) > DEADLINE) return { reminded: 0 };
  const year = Number(today.slice(0, 4));
  let reminded = 0;
  const now = app.clock.now();
  const missing = await townsNotIn(app, year);
  const admins = [...(await activeAdmins(app, 'town_admin')), ...(missing.length ? await activeAdmins(app, 'district_admin') : [])];
  const linked = await linkedWechatIds(
    app,
    admins.map((s) => s.id),
  );
  for (const staff of admins) {
    const district = staff.role === 'district_admin';
    if (!district && (await submitted(app, year, staff.areaCode))) continue;
    const text = district ? districtText(year, missing) : reminderText(year);
    const wechatId = linked.get(staff.id);
    if (wechatId) {
      await enqueue(app, {
        key: `reports:reminder:${year}:${day}:${staff.id}`,
        channel: 'room',
        payload: { contactId: wechatId, text, expiresAt: new Date(now.getTime() + 12 * 3600_000).toISOString() },
        source: { task: 'reports.reminders' },
        areaPath: [],
      });
    }
    try {
      await ReportReminders(app.db).create({
        _id: `${year}:${day}:${staff.id}`,
        staffId: staff.id,
        areaCode: staff.areaCode,
        year,
        day,
        viaBot: Boolean(wechatId),
        at: now,
      });
      reminded++;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
  }
  app.logger.info({ event: 'reports.reminders', year, day, reminded }, 'yearly report reminders');
  return { reminded };
}

const reminderText = (year: number) => `请在 ${year} 年 12 月 15 日前生成并报送本镇街 ${year} 年度家庭健康行动工作总结（工作台“报告”页）。`;
const districtText = (year: number, towns: string[]) =>
  `${year} 年度家庭健康行动工作总结 12 月 15 日截止报送，还有 ${towns.length} 个镇街未报送：${towns.join('、')}（工作台“报告”页可查看各镇街报送情况）。`;

/**
 * What the console shows as a banner in December: a town admin's while their town has not submitted, a district
 * admin's while some town has not.
 */
export async function reminderBanner(app: AppContext, staff: StaffPrincipal) {
  const today = shanghaiDay(app.clock.now());
  const year = Number(today.slice(0, 4));
  const inWindow = reminderDayOn(today) !== null;
  let message: string | null = null;
  if (inWindow && staff.role === 'town_admin' && !(await submitted(app, year, staff.areaCode))) message = reminderText(year);
  if (inWindow && staff.role === 'district_admin') {
    const missing = await townsNotIn(app, year);
    if (missing.length) message = districtText(year, missing);
  }
  return { due: message !== null, year, areaCode: staff.areaCode, deadline: `${year}-${DEADLINE}`, message };
}
