import { ZodDefault, ZodNullable, ZodNumber, ZodObject, ZodOptional, type ZodTypeAny } from 'zod';
import { figureMetric, taskGroup, taskProgress } from '../../dictionaries';
import type { FigureRow } from '../module';
import { figureSections } from '../reports';
import type { EvidenceDoc, TaskDoc, TownPlanDoc } from './taskbook.model';

/**
 * The task book's figure section comes after every other: a target names a field of the area rows the sections
 * before it build, and its own row reads them from the row it is handed, never by building rows again.
 */
export const TASKBOOK_ORDER = 1000;
const DAY = 86_400_000;

export type Progress = (typeof taskProgress.values)[number];

export interface Metric {
  key: string;
  label: string;
  /** A ratio (0–1), shown and targeted as a percentage. */
  percent: boolean;
}

function unwrap(s: ZodTypeAny): ZodTypeAny {
  while (s instanceof ZodNullable || s instanceof ZodOptional || s instanceof ZodDefault) s = s instanceof ZodDefault ? s._def.innerType : s.unwrap();
  return s;
}

function walk(s: ZodTypeAny, path: string, out: Metric[]): void {
  const inner = unwrap(s);
  if (inner instanceof ZodNumber) {
    const label = figureMetric.label(path);
    out.push({ key: path, label, percent: /率$|水平$/.test(label) || /(Rate|participation|\.p)$/.test(path) });
  } else if (inner instanceof ZodObject) {
    for (const [k, child] of Object.entries(inner.shape as Record<string, ZodTypeAny>)) walk(child, `${path}.${k}`, out);
  }
}

/**
 * Every number of the area rows that the figure sections before this one produce, by its path (`talks.held`):
 * a section that adds a field adds a metric, labelled when `figureMetric` names it.
 */
export function metricCatalog(): Metric[] {
  const out: Metric[] = [];
  for (const s of figureSections()) {
    if (s.order >= TASKBOOK_ORDER) continue;
    for (const [k, shape] of Object.entries(s.rowShape)) walk(shape as ZodTypeAny, k, out);
  }
  return out;
}

export function valueAt(row: Readonly<FigureRow>, metric: string): number | null {
  let v: unknown = row;
  for (const k of metric.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  return typeof v === 'number' ? v : null;
}

export const forTown = (task: Pick<TaskDoc, 'towns'>, townCode: string): boolean => !task.towns.length || task.towns.includes(townCode);

export function targetFor(task: Pick<TaskDoc, 'target' | 'townTargets'>, townCode: string): number | null {
  return task.townTargets.find((t) => t.townCode === townCode)?.target ?? task.target ?? null;
}

const dayStart = (day: string) => new Date(`${day}T00:00:00+08:00`).getTime();

export interface Judged {
  status: Progress;
  value: number | null;
  target: number | null;
  /** Where the figure should be by now, at an even pace from the start to the deadline. */
  expected: number | null;
  /** What is still missing to the target (0 when done). */
  gap: number | null;
}

/**
 * A figure against its target: done once reached; before the start, not started; otherwise behind when it lags
 * the even pace by more than `margin` of the target, or the deadline has passed.
 */
export function judgeFigure(value: number | null, target: number | null, window: { startOn: string; dueOn: string }, now: Date, margin: number): Judged {
  if (target === null) return { status: 'not_started', value, target, expected: null, gap: null };
  const v = value ?? 0;
  const gap = Math.max(0, round(target - v));
  if (v >= target) return { status: 'done', value, target, expected: target, gap: 0 };
  const start = dayStart(window.startOn);
  const end = dayStart(window.dueOn) + DAY;
  if (now.getTime() < start) return { status: 'not_started', value, target, expected: 0, gap };
  const frac = Math.min(1, (now.getTime() - start) / Math.max(DAY, end - start));
  const expected = round(target * frac);
  const behind = now.getTime() >= end || v < expected - margin * target;
  return { status: behind ? 'behind' : 'on_track', value, target, expected, gap };
}

/** An evidence task: accepted is done; handed in waits for the district; otherwise behind from 7 days before the deadline. */
export function judgeEvidence(ev: Pick<EvidenceDoc, 'status'> | undefined, window: { startOn: string; dueOn: string }, now: Date): Judged {
  const base = { value: null, target: null, expected: null, gap: null };
  if (ev?.status === 'accepted') return { status: 'done', ...base };
  if (ev?.status === 'submitted') return { status: 'submitted', ...base };
  if (now.getTime() >= dayStart(window.dueOn) - 6 * DAY) return { status: 'behind', ...base };
  if (ev?.status === 'returned') return { status: 'returned', ...base };
  return { status: now.getTime() < dayStart(window.startOn) ? 'not_started' : 'on_track', ...base };
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;

/** The town's own dates for a task when its plan is approved, else the book's. */
export function windowOf(task: Pick<TaskDoc, '_id' | 'startOn' | 'dueOn'>, plan: Pick<TownPlanDoc, 'status' | 'items'> | undefined) {
  const item = plan?.status === 'approved' ? plan.items.find((i) => String(i.taskId) === String(task._id)) : undefined;
  return { startOn: item?.startOn ?? task.startOn, dueOn: task.dueOn };
}

export interface TownJudgement {
  task: TaskDoc;
  judged: Judged;
}

/** Every task of the book for a town, judged against the town's row of figures. */
export function judgeTown(
  tasks: readonly TaskDoc[],
  townCode: string,
  row: Readonly<FigureRow>,
  ctx: { now: Date; margin: number; plan?: TownPlanDoc; evidence: ReadonlyMap<string, EvidenceDoc> },
): TownJudgement[] {
  return tasks
    .filter((t) => forTown(t, townCode))
    .map((task) => {
      const window = windowOf(task, ctx.plan);
      const judged =
        task.kind === 'figure'
          ? judgeFigure(valueAt(row, task.metric!), targetFor(task, townCode), window, ctx.now, ctx.margin)
          : judgeEvidence(ctx.evidence.get(`${String(task._id)}:${townCode}`), window, ctx.now);
      return { task, judged };
    });
}

export const GROUP_LABELS = taskGroup.labels;
export const PROGRESS_LABELS = taskProgress.labels;
