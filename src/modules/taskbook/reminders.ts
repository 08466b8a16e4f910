import type { StaffPrincipal } from '../../access';
import type { AppContext } from '../../context';
import { forbidden } from '../../http/errors';
import { shanghaiDay } from '../../lib/shanghai';
import { enqueue } from '../../notify/outbox.service';
import { areaNames } from '../areas';
import { activeAdmins } from '../staff';
import { Evidence, Rectifications, TaskBooks, TownPlans } from './taskbook.model';
import { computeProgress } from './taskbook.service';

const HOURS_12 = 12 * 3600_000;
type TownProgress = Awaited<ReturnType<typeof computeProgress>>['towns'][number];

const currentYear = (app: AppContext) => Number(shanghaiDay(app.clock.now()).slice(0, 4));

async function publishedThisYear(app: AppContext) {
  return TaskBooks(app.db)
    .findOne({ year: currentYear(app), status: 'published' })
    .lean();
}

/** What a town still owes: figure tasks behind by more than the book's margin, evidence due within 7 days. */
function behindLines(t: TownProgress): string[] {
  return t.tasks
    .filter((x) => x.status === 'behind')
    .map((x) =>
      x.kind === 'figure'
        ? `“${x.title}”当前 ${fmt(x.value, x.percent)}，目标 ${fmt(x.target, x.percent)}，还差 ${fmt(x.gap, x.percent)}（${x.dueOn} 截止）`
        : `“${x.title}”需在 ${x.dueOn} 前报送佐证材料`,
    );
}

const fmt = (x: number | null, percent: boolean) => (x === null ? '—' : percent ? `${Math.round(x * 1000) / 10}%` : String(x));

async function send(app: AppContext, key: string, wechatId: string, text: string, task: string): Promise<boolean> {
  const r = await enqueue(app, {
    key,
    channel: 'room',
    payload: { contactId: wechatId, text, expiresAt: new Date(app.clock.now().getTime() + HOURS_12).toISOString() },
    source: { task },
    areaPath: [],
  });
  return r.created;
}

/**
 * Each morning: every town admin (with a linked WeChat) of a town behind on the year's task book gets one private
 * message naming what is behind and by how much; overdue rectification items are escalated once — flagged, and
 * told to the district admins and the owner's town admins. Keyed per staff member and day: queued once.
 */
export async function queueTaskbookReminders(app: AppContext): Promise<{ queued: number; escalated: number }> {
  const now = app.clock.now();
  const day = shanghaiDay(now);
  const [towns, districts] = await Promise.all([activeAdmins(app, 'town_admin'), activeAdmins(app, 'district_admin')]);
  let queued = 0;
  const book = await publishedThisYear(app);
  if (book) {
    const p = await computeProgress(app, book, null);
    for (const t of p.towns) {
      const lines = behindLines(t);
      if (!lines.length) continue;
      const text = `您好，${t.name}的年度任务书有 ${lines.length} 项进度落后：\n${lines.slice(0, 5).join('\n')}${lines.length > 5 ? '\n……' : ''}\n请在工作台“任务书”中查看。`;
      for (const s of towns.filter((s) => s.areaCode === t.code && s.wechatId))
        if (await send(app, `taskbook:behind:${s.id}:${day}`, s.wechatId!, text, 'taskbook.reminders')) queued++;
    }
  }
  const due = await Rectifications(app.db)
    .find({ status: { $in: ['open', 'returned'] }, dueOn: { $lt: day }, escalatedAt: { $exists: false } })
    .lean();
  let escalated = 0;
  const perTown = new Map<string, string[]>();
  for (const r of due) {
    const won = await Rectifications(app.db).updateOne({ _id: r._id, escalatedAt: { $exists: false } }, { $set: { escalatedAt: now } });
    if (!won.modifiedCount) continue;
    escalated++;
    const town = r.areaPath[1] ?? r.ownerCode;
    perTown.set(town, [...(perTown.get(town) ?? []), `“${r.title}”（${r.dueOn} 到期）`]);
  }
  if (perTown.size) {
    const names = await areaNames(app, [...perTown.keys()]);
    const all = [...perTown].map(([code, items]) => `${names.get(code) ?? code}：${items.join('、')}`);
    for (const s of districts.filter((s) => s.wechatId))
      if (await send(app, `taskbook:escalate:${s.id}:${day}`, s.wechatId!, `督导整改超期未完成 ${escalated} 项：\n${all.join('\n')}`, 'taskbook.reminders'))
        queued++;
    for (const [code, items] of perTown)
      for (const s of towns.filter((s) => s.areaCode === code && s.wechatId))
        if (
          await send(
            app,
            `taskbook:escalate:${s.id}:${day}`,
            s.wechatId!,
            `您好，以下督导整改事项已超期，已报区里：${items.join('、')}。请尽快整改并在工作台反馈。`,
            'taskbook.reminders',
          )
        )
          queued++;
  }
  return { queued, escalated };
}

/** Monday morning: each district admin gets the week's summary — towns behind, plans and evidence to review, overdue items. */
export async function queueWeeklySummary(app: AppContext): Promise<{ queued: number }> {
  const text = (await summaryLines(app)).join('\n');
  const day = shanghaiDay(app.clock.now());
  let queued = 0;
  for (const s of (await activeAdmins(app, 'district_admin')).filter((s) => s.wechatId))
    if (await send(app, `taskbook:weekly:${s.id}:${day}`, s.wechatId!, `本周任务书与督导情况：\n${text}`, 'taskbook.weekly')) queued++;
  return { queued };
}

async function summaryLines(app: AppContext): Promise<string[]> {
  const lines: string[] = [];
  const book = await publishedThisYear(app);
  if (book) {
    const p = await computeProgress(app, book, null);
    const done = p.towns.reduce((s, t) => s + t.done, 0);
    const total = p.towns.reduce((s, t) => s + t.total, 0);
    lines.push(`各镇街任务完成 ${done}/${total} 项次`);
    const behind = p.towns.filter((t) => t.behind).map((t) => `${t.name} ${t.behind} 项`);
    lines.push(behind.length ? `进度落后：${behind.join('，')}` : '没有进度落后的镇街');
  }
  const today = shanghaiDay(app.clock.now());
  const [overdue, plans, evidence] = await Promise.all([
    Rectifications(app.db).countDocuments({ status: { $ne: 'closed' }, dueOn: { $lt: today } }),
    book ? TownPlans(app.db).countDocuments({ bookId: book._id, status: 'submitted' }) : 0,
    Evidence(app.db).countDocuments({ status: 'submitted' }),
  ]);
  lines.push(`督导整改超期未销号 ${overdue} 项；待审核实施计划 ${plans} 份；待验收佐证材料 ${evidence} 份`);
  return lines;
}

/** The console's start page: what the staff member should look at in the task book today. */
export async function startPageAlerts(app: AppContext, staff: StaffPrincipal) {
  if (staff.role === 'village_worker') throw forbidden('任务书由区、镇街管理员使用');
  const today = shanghaiDay(app.clock.now());
  const book = await publishedThisYear(app);
  const items: Array<{ kind: 'behind' | 'rectification' | 'review'; text: string; to: string }> = [];
  if (staff.role === 'town_admin') {
    if (book) {
      const p = await computeProgress(app, book, staff.areaCode);
      for (const line of p.towns.flatMap(behindLines)) items.push({ kind: 'behind', text: line, to: '/taskbook/progress' });
    }
  } else if (book) {
    const p = await computeProgress(app, book, null);
    for (const t of p.towns.filter((t) => t.behind)) items.push({ kind: 'behind', text: `${t.name}有 ${t.behind} 项任务进度落后`, to: '/taskbook/progress' });
  }
  const overdue = await Rectifications(app.db)
    .find({
      areaPath: staff.areaCode,
      status: { $in: staff.role === 'district_admin' ? ['open', 'returned', 'answered'] : ['open', 'returned'] },
      dueOn: { $lt: today },
    })
    .limit(20)
    .lean();
  for (const r of overdue) items.push({ kind: 'rectification', text: `整改“${r.title}”已超期（${r.dueOn} 到期）`, to: '/taskbook/supervision' });
  if (staff.role === 'district_admin') {
    const [plans, evidence, answered] = await Promise.all([
      book ? TownPlans(app.db).countDocuments({ bookId: book._id, status: 'submitted' }) : 0,
      Evidence(app.db).countDocuments({ status: 'submitted' }),
      Rectifications(app.db).countDocuments({ status: 'answered' }),
    ]);
    if (plans) items.push({ kind: 'review', text: `${plans} 份镇街实施计划待审核`, to: '/taskbook/plans' });
    if (evidence) items.push({ kind: 'review', text: `${evidence} 份佐证材料待验收`, to: '/taskbook/progress' });
    if (answered) items.push({ kind: 'review', text: `${answered} 项整改已反馈，待验收销号`, to: '/taskbook/supervision' });
  }
  return { year: book?.year ?? null, items };
}
