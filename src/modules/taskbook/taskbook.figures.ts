import type { AppContext } from '../../context';
import { z } from '../../http/zod';
import { figure, figuresByArea } from '../../lib/area-figures';
import { shanghaiDay } from '../../lib/shanghai';
import type { FigureRequest, FigureSection } from '../module';
import { judgeTown, TASKBOOK_ORDER } from './progress';
import { Rectifications, TaskBooks } from './taskbook.model';
import { bookState, type BookState } from './taskbook.service';

const TOWN_LEVELS = ['town', 'subdistrict'];

/**
 * The task book of the report's year (once published) and, per area, the rectification items of the year's
 * supervision visits: opened, closed by their deadline, still open past it. Targets are judged in `row`, from the
 * figures the sections before this one put in the same row — this section never builds rows itself.
 */
async function taskbookFigures(app: AppContext, q: FigureRequest) {
  const year = Number(shanghaiDay(q.from).slice(0, 4));
  const book = await TaskBooks(app.db).findOne({ year, status: 'published' }).lean();
  const match = { createdAt: { $gte: q.from, $lt: q.to < q.now ? q.to : q.now } };
  const today = shanghaiDay(q.now);
  const [opened, onTime, overdue, state] = await Promise.all([
    figuresByArea(Rectifications(app.db), q.root, q.codes, { match }),
    figuresByArea(Rectifications(app.db), q.root, q.codes, { match: { ...match, closedOnTime: true } }),
    figuresByArea(Rectifications(app.db), q.root, q.codes, { match: { ...match, status: { $ne: 'closed' }, dueOn: { $lt: today } } }),
    book ? bookState(app, book) : Promise.resolve<BookState | null>(null),
  ]);
  const level = new Map(q.shown.map((a) => [a.code, a.level]));
  return { state, opened, onTime, overdue, level, now: q.now };
}

type F = Awaited<ReturnType<typeof taskbookFigures>>;

const Row = z.object({
  tasks: z.number().nullable(),
  done: z.number().nullable(),
  behind: z.number().nullable(),
  findingsOpened: z.number(),
  findingsClosedOnTime: z.number(),
  findingsOverdue: z.number(),
});

/** Towns by targets met (the league table) and supervision findings closed on time. */
export const taskbookFigureSection: FigureSection<F> = {
  order: TASKBOOK_ORDER,
  figures: taskbookFigures,
  row: (f, code, row) => {
    const findings = { findingsOpened: figure(f.opened, code), findingsClosedOnTime: figure(f.onTime, code), findingsOverdue: figure(f.overdue, code) };
    if (!f.state || !TOWN_LEVELS.includes(f.level.get(code) ?? '')) return { taskbook: { tasks: null, done: null, behind: null, ...findings } };
    const judged = judgeTown(f.state.tasks, code, row, {
      now: f.now,
      margin: f.state.book.margin,
      plan: f.state.plans.get(code),
      evidence: f.state.evidence,
    });
    return {
      taskbook: {
        tasks: judged.length,
        done: judged.filter((j) => j.judged.status === 'done').length,
        behind: judged.filter((j) => j.judged.status === 'behind').length,
        ...findings,
      },
    };
  },
  rowShape: { taskbook: Row },
  dashboard: (r) => ({ taskbook: r.taskbook }),
  dashboardShape: { taskbook: Row },
  sheets: (r) => {
    const towns = r.areas.filter((a) => a.taskbook.tasks !== null);
    towns.sort((a, b) => b.taskbook.done - a.taskbook.done || a.taskbook.behind - b.taskbook.behind || a.code.localeCompare(b.code));
    return [
      {
        key: 'taskbook',
        title: '任务书完成情况与督导整改',
        percent: [5],
        headers: ['排名', '地区编码', '镇街', '任务数', '已完成', '完成率', '进度落后', '督导整改事项', '按期销号', '超期未销号'],
        rows: [
          ...towns.map((a, i) => [
            i + 1,
            a.code,
            a.name,
            a.taskbook.tasks,
            a.taskbook.done,
            a.taskbook.tasks ? Math.round((a.taskbook.done / a.taskbook.tasks) * 10_000) / 10_000 : null,
            a.taskbook.behind,
            a.taskbook.findingsOpened,
            a.taskbook.findingsClosedOnTime,
            a.taskbook.findingsOverdue,
          ]),
          ...r.areas
            .filter((a) => a.taskbook.tasks === null)
            .map((a) => [null, a.code, a.name, null, null, null, null, a.taskbook.findingsOpened, a.taskbook.findingsClosedOnTime, a.taskbook.findingsOverdue]),
        ],
        note: '任务完成情况按年度任务书（已下达）计算：平台数据考核任务取各模块统计数据，材料佐证任务以区级验收为准。',
      },
    ];
  },
  overview: {
    clauses: (a, r) => {
      const towns = r.areas.filter((x) => x.taskbook.tasks !== null);
      const out: string[] = [];
      if (towns.length) {
        const tasks = towns.reduce((s, x) => s + x.taskbook.tasks, 0);
        const done = towns.reduce((s, x) => s + x.taskbook.done, 0);
        out.push(`年度任务书在 ${towns.length} 个镇街共 ${tasks} 项次任务，已完成 ${done} 项次`);
      }
      if (a.taskbook.findingsOpened) out.push(`督导下发整改事项 ${a.taskbook.findingsOpened} 项，按期销号 ${a.taskbook.findingsClosedOnTime} 项`);
      return out;
    },
  },
};
