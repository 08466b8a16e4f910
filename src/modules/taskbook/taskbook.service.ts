import { Types } from 'mongoose';
import type { Caller, StaffPrincipal } from '../../access';
import type { AppContext } from '../../context';
import { isDuplicateKey } from '../../db/model';
import { AppError, forbidden, notFound, validationError } from '../../http/errors';
import { shanghaiYear } from '../../lib/area-figures';
import { shanghaiDay } from '../../lib/shanghai';
import { evidenceStatus, taskKind, taskbookStatus, townPlanStatus } from '../../dictionaries';
import { areasUnder, DISTRICT_CODE, type AreaDoc } from '../areas';
import { areaFigureRows } from '../reports';
import { GROUP_LABELS, judgeTown, metricCatalog, PROGRESS_LABELS, targetFor, forTown, valueAt, judgeFigure, windowOf, type Metric } from './progress';
import { Evidence, TaskBooks, Tasks, TownPlans, type EvidenceDoc, type TaskBookDoc, type TaskDoc, type TownPlanDoc } from './taskbook.model';
import { taskbookPhotos } from './photos';

const TOWN_LEVELS = ['town', 'subdistrict'];
const VILLAGE_LEVELS = ['village', 'community'];
const DEFAULT_MARGIN = 0.1;

const oid = (id: string, what: string) => {
  if (!Types.ObjectId.isValid(id)) throw notFound(what);
  return new Types.ObjectId(id);
};

/** A town admin's own town (its code), or null for district staff; anyone else may not use the task book. */
function townOf(staff: StaffPrincipal): string | null {
  if (staff.role === 'district_admin') return null;
  if (staff.role === 'town_admin') return staff.areaCode;
  throw forbidden('任务书由区、镇街管理员使用');
}

function requireDistrict(staff: StaffPrincipal): void {
  if (staff.role !== 'district_admin') throw forbidden('只有区级管理员可以这样操作');
}

export async function loadBook(app: AppContext, id: string): Promise<TaskBookDoc> {
  const b = await TaskBooks(app.db).findById(oid(id, '任务书')).lean();
  if (!b) throw notFound('任务书');
  return b;
}

export async function bookOfYear(app: AppContext, year: number): Promise<TaskBookDoc | null> {
  return TaskBooks(app.db).findOne({ year }).lean();
}

async function districtAreas(app: AppContext) {
  const under = await areasUnder(app, DISTRICT_CODE);
  return {
    district: under.find((a) => a.code === DISTRICT_CODE)!,
    towns: under.filter((a) => TOWN_LEVELS.includes(a.level)),
    villages: under.filter((a) => VILLAGE_LEVELS.includes(a.level)),
  };
}

const metricsByKey = () => new Map(metricCatalog().map((m) => [m.key, m]));

function taskView(t: TaskDoc, town: string | null, metrics: Map<string, Metric>) {
  const m = t.metric ? metrics.get(t.metric) : undefined;
  return {
    id: String(t._id),
    group: t.group,
    groupLabel: GROUP_LABELS[t.group],
    title: t.title,
    kind: t.kind,
    kindLabel: taskKind.labels[t.kind],
    metric: t.metric ?? null,
    metricLabel: m?.label ?? t.metric ?? null,
    percent: m?.percent ?? false,
    target: town ? (t.kind === 'figure' ? targetFor(t, town) : null) : (t.target ?? null),
    townTargets: town ? [] : t.townTargets,
    towns: town ? [town] : t.towns,
    startOn: t.startOn,
    dueOn: t.dueOn,
    fromMeeting: t.source ? String(t.source.meetingId) : null,
  };
}

function bookView(b: TaskBookDoc) {
  return {
    id: String(b._id),
    year: b.year,
    title: b.title,
    status: b.status,
    statusLabel: taskbookStatus.labels[b.status],
    margin: b.margin,
    publishedAt: b.publishedAt?.toISOString() ?? null,
  };
}

/** The metrics a figure task may target: every number the earlier figure sections give per area. */
export const listMetrics = () => ({ items: metricCatalog() });

/** The book of a year with its tasks; a town admin sees the book once published, and only the tasks for its town. */
export async function getBook(app: AppContext, staff: StaffPrincipal, year: number) {
  const town = townOf(staff);
  const b = await bookOfYear(app, year);
  if (!b || (town && b.status !== 'published')) return { book: null, tasks: [] };
  const tasks = await Tasks(app.db).find({ bookId: b._id }).sort({ group: 1, dueOn: 1, _id: 1 }).lean();
  const metrics = metricsByKey();
  return { book: bookView(b), tasks: tasks.filter((t) => !town || forTown(t, town)).map((t) => taskView(t, town, metrics)) };
}

export async function createBook(app: AppContext, caller: Caller, input: { year: number; title: string; margin?: number }) {
  requireDistrict(caller.staff);
  const now = app.clock.now();
  try {
    const b = await TaskBooks(app.db).create({
      year: input.year,
      title: input.title,
      status: 'draft',
      margin: input.margin ?? DEFAULT_MARGIN,
      createdBy: caller.staff.id,
      createdAt: now,
    });
    await caller.audit('taskbook.create', { type: 'taskbook', id: String(b._id) }, { year: input.year });
    return bookView(b.toObject());
  } catch (err) {
    if (isDuplicateKey(err)) throw new AppError('TASKBOOK_EXISTS', 409, `${input.year}年的任务书已经建立`);
    throw err;
  }
}

export interface TaskInput {
  group: TaskDoc['group'];
  title: string;
  kind: TaskDoc['kind'];
  metric?: string;
  target?: number;
  townTargets?: Array<{ townCode: string; target: number }>;
  towns?: string[];
  startOn: string;
  dueOn: string;
}

async function checkTask(app: AppContext, b: TaskBookDoc, input: TaskInput): Promise<void> {
  if (input.startOn > input.dueOn) throw validationError('dueOn', '截止日期不能早于开始日期');
  if (!input.dueOn.startsWith(String(b.year)) && !input.startOn.startsWith(String(b.year))) throw validationError('dueOn', `日期应在${b.year}年内`);
  if (input.kind === 'figure') {
    if (!input.metric || !metricsByKey().has(input.metric)) throw new AppError('UNKNOWN_METRIC', 400, '请从列表中选择考核指标', { metric: input.metric });
    if (input.target === undefined) throw validationError('target', '请填写目标值');
  }
  const codes = [...(input.towns ?? []), ...(input.townTargets ?? []).map((t) => t.townCode)];
  if (codes.length) {
    const { towns } = await districtAreas(app);
    const known = new Set(towns.map((t) => t.code));
    const wrong = codes.find((c) => !known.has(c));
    if (wrong) throw validationError('towns', `没有这个镇街：${wrong}`);
  }
}

async function insertTask(app: AppContext, caller: Caller, b: TaskBookDoc, input: TaskInput, source?: TaskDoc['source']) {
  await checkTask(app, b, input);
  const _id = new Types.ObjectId();
  const doc = await Tasks(app.db).create({
    _id,
    key: source ? `${String(source.meetingId)}:${source.decision}` : String(_id),
    bookId: b._id,
    year: b.year,
    group: input.group,
    title: input.title,
    kind: input.kind,
    ...(input.kind === 'figure' ? { metric: input.metric, target: input.target } : {}),
    townTargets: input.kind === 'figure' ? (input.townTargets ?? []) : [],
    towns: input.towns ?? [],
    startOn: input.startOn,
    dueOn: input.dueOn,
    ...(source ? { source } : {}),
    createdBy: caller.staff.id,
    createdAt: app.clock.now(),
  });
  await caller.audit(
    'taskbook.task_add',
    { type: 'taskbook_task', id: String(doc._id) },
    { bookId: String(b._id), kind: input.kind, metric: input.metric ?? null, target: input.target ?? null },
  );
  return taskView(doc.toObject(), null, metricsByKey());
}

/** The district adds a task (also to a published book: a task arising during the year). */
export async function addTask(app: AppContext, caller: Caller, bookId: string, input: TaskInput) {
  requireDistrict(caller.staff);
  return insertTask(app, caller, await loadBook(app, bookId), input);
}

/** A task made from a meeting's decision, in the book of the year it is due. */
export async function addDecisionTask(app: AppContext, caller: Caller, input: TaskInput, source: NonNullable<TaskDoc['source']>) {
  const b = await bookOfYear(app, Number(input.dueOn.slice(0, 4)));
  if (!b) throw new AppError('TASKBOOK_NOT_PUBLISHED', 409, `${input.dueOn.slice(0, 4)}年的任务书还没有建立`);
  try {
    return await insertTask(app, caller, b, input, source);
  } catch (err) {
    if (isDuplicateKey(err)) throw new AppError('DECISION_HAS_TASK', 409, '这项会商决定已经转为任务');
    throw err;
  }
}

export async function removeTask(app: AppContext, caller: Caller, bookId: string, taskId: string) {
  requireDistrict(caller.staff);
  const b = await loadBook(app, bookId);
  if (b.status === 'published') throw new AppError('TASKBOOK_PUBLISHED', 409, '任务书已经下达，不能删除任务');
  const r = await Tasks(app.db).deleteOne({ _id: oid(taskId, '任务'), bookId: b._id });
  if (!r.deletedCount) throw notFound('任务');
  await caller.audit('taskbook.task_remove', { type: 'taskbook_task', id: taskId }, { bookId });
}

export async function publishBook(app: AppContext, caller: Caller, bookId: string) {
  requireDistrict(caller.staff);
  const b = await loadBook(app, bookId);
  if (!(await Tasks(app.db).countDocuments({ bookId: b._id }))) throw validationError('tasks', '任务书还没有任务');
  const now = app.clock.now();
  const r = await TaskBooks(app.db).updateOne(
    { _id: b._id, status: 'draft' },
    { $set: { status: 'published', publishedAt: now, publishedBy: caller.staff.id } },
  );
  if (!r.modifiedCount) throw new AppError('TASKBOOK_PUBLISHED', 409, '任务书已经下达');
  await caller.audit('taskbook.publish', { type: 'taskbook', id: bookId }, { year: b.year });
  return bookView({ ...b, status: 'published', publishedAt: now });
}

async function publishedBook(app: AppContext, bookId: string): Promise<TaskBookDoc> {
  const b = await loadBook(app, bookId);
  if (b.status !== 'published') throw new AppError('TASKBOOK_NOT_PUBLISHED', 409, '任务书还没有下达');
  return b;
}

// ---- town plans ----

function planView(p: TownPlanDoc, townName: string | null) {
  return {
    id: String(p._id),
    townCode: p.townCode,
    townName,
    status: p.status,
    statusLabel: townPlanStatus.labels[p.status],
    items: p.items.map((i) => ({ taskId: String(i.taskId), startOn: i.startOn, endOn: i.endOn, villages: i.villages })),
    note: p.note,
    decisionNote: p.decisionNote ?? null,
    submittedAt: p.submittedAt?.toISOString() ?? null,
    decidedAt: p.decidedAt?.toISOString() ?? null,
  };
}

/** The towns' plans: every town for the district (a town without one shows none), a town admin its own. */
export async function listPlans(app: AppContext, staff: StaffPrincipal, bookId: string) {
  const town = townOf(staff);
  const b = await publishedBook(app, bookId);
  const { towns } = await districtAreas(app);
  const plans = await TownPlans(app.db)
    .find({ bookId: b._id, ...(town ? { townCode: town } : {}) })
    .lean();
  const byTown = new Map(plans.map((p) => [p.townCode, p]));
  return {
    items: towns
      .filter((t) => !town || t.code === town)
      .map((t) => ({ townCode: t.code, townName: t.name, plan: byTown.get(t.code) ? planView(byTown.get(t.code)!, t.name) : null })),
  };
}

interface PlanInput {
  items: Array<{ taskId: string; startOn: string; endOn: string; villages: string[] }>;
  note?: string;
}

/** A town admin writes the town's plan (a draft, or again after a return). */
export async function savePlan(app: AppContext, caller: Caller, bookId: string, input: PlanInput) {
  if (caller.staff.role !== 'town_admin') throw forbidden('实施计划由镇街管理员填写');
  const town = caller.staff.areaCode;
  const b = await publishedBook(app, bookId);
  const tasks = new Map((await Tasks(app.db).find({ bookId: b._id }).lean()).filter((t) => forTown(t, town)).map((t) => [String(t._id), t]));
  const villages = new Set((await areasUnder(app, town)).filter((a) => VILLAGE_LEVELS.includes(a.level)).map((a) => a.code));
  input.items.forEach((i, n) => {
    const t = tasks.get(i.taskId);
    if (!t) throw validationError(`items.${n}.taskId`, '任务书中没有这项任务');
    if (i.startOn > i.endOn) throw validationError(`items.${n}.endOn`, '结束日期不能早于开始日期');
    if (i.endOn > t.dueOn) throw validationError(`items.${n}.endOn`, `“${t.title}”应在 ${t.dueOn} 前完成`);
    const wrong = i.villages.find((v) => !villages.has(v));
    if (wrong) throw validationError(`items.${n}.villages`, `不是本镇街的村居：${wrong}`);
  });
  const now = app.clock.now();
  const set = {
    items: input.items.map((i) => ({ ...i, taskId: new Types.ObjectId(i.taskId) })),
    note: input.note ?? '',
    status: 'draft' as const,
    updatedAt: now,
  };
  const existing = await TownPlans(app.db).findOne({ bookId: b._id, townCode: town }).lean();
  if (existing && ['submitted', 'approved'].includes(existing.status)) throw new AppError('PLAN_LOCKED', 409, '实施计划已报送，审核退回后才能修改');
  if (existing) {
    const r = await TownPlans(app.db).updateOne({ _id: existing._id, status: existing.status }, { $set: set });
    if (!r.matchedCount) throw new AppError('CONCURRENT_CHANGE', 409, '实施计划刚被更改，请刷新后再试');
  } else {
    try {
      await TownPlans(app.db).create({ bookId: b._id, townCode: town, areaPath: caller.staff.areaPath, ...set });
    } catch (err) {
      if (isDuplicateKey(err)) throw new AppError('CONCURRENT_CHANGE', 409, '实施计划刚被更改，请刷新后再试');
      throw err;
    }
  }
  const saved = (await TownPlans(app.db).findOne({ bookId: b._id, townCode: town }).lean())!;
  await caller.audit('taskbook.plan_save', { type: 'town_plan', id: String(saved._id) }, { items: input.items.length });
  return planView(saved, null);
}

export async function submitPlan(app: AppContext, caller: Caller, bookId: string) {
  if (caller.staff.role !== 'town_admin') throw forbidden('实施计划由镇街管理员报送');
  const b = await publishedBook(app, bookId);
  const now = app.clock.now();
  const p = await TownPlans(app.db).findOneAndUpdate(
    { bookId: b._id, townCode: caller.staff.areaCode, status: 'draft' },
    { $set: { status: 'submitted', submittedAt: now, updatedAt: now } },
    { new: true },
  );
  if (!p) throw new AppError('PLAN_LOCKED', 409, '没有待报送的实施计划');
  await caller.audit('taskbook.plan_submit', { type: 'town_plan', id: String(p._id) });
  return planView(p.toObject(), null);
}

/** The district approves a submitted plan or returns it with a note. */
export async function decidePlan(app: AppContext, caller: Caller, planId: string, to: 'approved' | 'returned', note?: string) {
  requireDistrict(caller.staff);
  if (to === 'returned' && !note) throw validationError('note', '请写明退回原因');
  const now = app.clock.now();
  const p = await TownPlans(app.db).findOneAndUpdate(
    { _id: oid(planId, '实施计划'), status: 'submitted' },
    { $set: { status: to, decisionNote: note ?? '', decidedAt: now, decidedBy: caller.staff.id, updatedAt: now } },
    { new: true },
  );
  if (!p) throw new AppError('INVALID_STATUS', 409, '实施计划不在待审核状态');
  await caller.audit(to === 'approved' ? 'taskbook.plan_approved' : 'taskbook.plan_returned', { type: 'town_plan', id: planId }, { note: note ?? null });
  return planView(p.toObject(), null);
}

// ---- evidence ----

function evidenceView(e: EvidenceDoc, photos: string[]) {
  return {
    id: String(e._id),
    taskId: String(e.taskId),
    townCode: e.townCode,
    status: e.status,
    statusLabel: evidenceStatus.labels[e.status],
    note: e.note,
    decisionNote: e.decisionNote ?? null,
    submittedAt: e.submittedAt.toISOString(),
    photos,
  };
}

/** A town admin hands in (or again, after a return) what shows an evidence task done. */
export async function submitEvidence(app: AppContext, caller: Caller, taskId: string, note: string) {
  if (caller.staff.role !== 'town_admin') throw forbidden('佐证材料由镇街管理员报送');
  const town = caller.staff.areaCode;
  const task = await Tasks(app.db).findById(oid(taskId, '任务')).lean();
  if (!task || task.kind !== 'evidence' || !forTown(task, town)) throw notFound('任务');
  await publishedBook(app, String(task.bookId));
  const now = app.clock.now();
  const set = { status: 'submitted' as const, note, submittedAt: now, submittedBy: caller.staff.id };
  const existing = await Evidence(app.db).findOne({ taskId: task._id, townCode: town }).lean();
  if (existing?.status === 'accepted') throw new AppError('EVIDENCE_ACCEPTED', 409, '佐证材料已经验收');
  let doc: EvidenceDoc | null;
  if (existing) {
    doc = await Evidence(app.db).findOneAndUpdate({ _id: existing._id, status: existing.status }, { $set: set }, { new: true }).lean();
    if (!doc) throw new AppError('CONCURRENT_CHANGE', 409, '佐证材料刚被更改，请刷新后再试');
  } else {
    try {
      doc = (await Evidence(app.db).create({ taskId: task._id, townCode: town, areaPath: caller.staff.areaPath, ...set })).toObject();
    } catch (err) {
      if (isDuplicateKey(err)) throw new AppError('CONCURRENT_CHANGE', 409, '佐证材料刚被更改，请刷新后再试');
      throw err;
    }
  }
  await caller.audit('taskbook.evidence_submit', { type: 'task_evidence', id: String(doc._id) }, { taskId });
  return evidenceView(doc, (await taskbookPhotos.ids(app, [doc._id])).get(String(doc._id)) ?? []);
}

export async function evidenceInScope(app: AppContext, staff: StaffPrincipal, id: string): Promise<EvidenceDoc> {
  const town = townOf(staff);
  const e = await Evidence(app.db).findById(oid(id, '佐证材料')).lean();
  if (!e || (town && e.townCode !== town)) throw notFound('佐证材料');
  return e;
}

/** The evidence of a task: each town's for the district, its own for a town admin. */
export async function listEvidence(app: AppContext, staff: StaffPrincipal, taskId: string) {
  const town = townOf(staff);
  const rows = await Evidence(app.db)
    .find({ taskId: oid(taskId, '任务'), ...(town ? { townCode: town } : {}) })
    .lean();
  const photos = await taskbookPhotos.ids(
    app,
    rows.map((r) => r._id),
  );
  return { items: rows.map((r) => evidenceView(r, photos.get(String(r._id)) ?? [])) };
}

export async function decideEvidence(app: AppContext, caller: Caller, id: string, to: 'accepted' | 'returned', note?: string) {
  requireDistrict(caller.staff);
  if (to === 'returned' && !note) throw validationError('note', '请写明退回原因');
  const now = app.clock.now();
  const e = await Evidence(app.db)
    .findOneAndUpdate(
      { _id: oid(id, '佐证材料'), status: 'submitted' },
      { $set: { status: to, decisionNote: note ?? '', decidedAt: now, decidedBy: caller.staff.id } },
      { new: true },
    )
    .lean();
  if (!e) throw new AppError('INVALID_STATUS', 409, '佐证材料不在待验收状态');
  await caller.audit(to === 'accepted' ? 'taskbook.evidence_accepted' : 'taskbook.evidence_returned', { type: 'task_evidence', id }, { note: note ?? null });
  return evidenceView(e, (await taskbookPhotos.ids(app, [e._id])).get(id) ?? []);
}

// ---- progress ----

export interface BookState {
  book: TaskBookDoc;
  tasks: TaskDoc[];
  plans: Map<string, TownPlanDoc>;
  evidence: Map<string, EvidenceDoc>;
}

export async function bookState(app: AppContext, book: TaskBookDoc): Promise<BookState> {
  const [tasks, plans] = await Promise.all([
    Tasks(app.db).find({ bookId: book._id }).sort({ group: 1, dueOn: 1, _id: 1 }).lean(),
    TownPlans(app.db).find({ bookId: book._id }).lean(),
  ]);
  const evidenceTasks = tasks.filter((t) => t.kind === 'evidence').map((t) => t._id);
  const evidence = evidenceTasks.length
    ? await Evidence(app.db)
        .find({ taskId: { $in: evidenceTasks } })
        .lean()
    : [];
  return {
    book,
    tasks,
    plans: new Map(plans.map((p) => [p.townCode, p])),
    evidence: new Map(evidence.map((e) => [`${String(e.taskId)}:${e.townCode}`, e])),
  };
}

/**
 * Where each town (and its villages) stands on each task, from the figure rows the report builds per area: the
 * value, the target, the even-pace expectation, the gap and on track / behind / done. A town admin sees its own.
 */
export async function progress(app: AppContext, staff: StaffPrincipal, bookId: string) {
  const town = townOf(staff);
  const b = await publishedBook(app, bookId);
  return computeProgress(app, b, town);
}

export async function computeProgress(app: AppContext, b: TaskBookDoc, only: string | null) {
  const state = await bookState(app, b);
  const { district, towns: allTowns, villages: allVillages } = await districtAreas(app);
  const towns = allTowns.filter((t) => !only || t.code === only);
  const villages = allVillages.filter((v) => towns.some((t) => t.code === v.parentCode));
  const now = app.clock.now();
  const { from, to } = shanghaiYear(b.year);
  const shown: AreaDoc[] = [district, ...towns, ...villages];
  const { rows } = await areaFigureRows(app, { root: DISTRICT_CODE, codes: shown.map((a) => a.code), from, to, now }, shown);
  const rowOf = new Map(rows.map((r) => [r.code, r]));
  const metrics = metricsByKey();
  return {
    book: bookView(b),
    asOf: now.toISOString(),
    today: shanghaiDay(now),
    towns: towns.map((t) => {
      const plan = state.plans.get(t.code);
      const judged = judgeTown(state.tasks, t.code, rowOf.get(t.code)!, { now, margin: b.margin, plan, evidence: state.evidence });
      const own = villages.filter((v) => v.parentCode === t.code);
      return {
        code: t.code,
        name: t.name,
        planStatus: plan?.status ?? null,
        done: judged.filter((j) => j.judged.status === 'done').length,
        behind: judged.filter((j) => j.judged.status === 'behind').length,
        total: judged.length,
        tasks: judged.map(({ task, judged: j }) => {
          const item = plan?.items.find((i) => String(i.taskId) === String(task._id));
          const assigned = item?.villages.length ? own.filter((v) => item.villages.includes(v.code)) : own;
          const m = task.metric ? metrics.get(task.metric) : undefined;
          return {
            taskId: String(task._id),
            title: task.title,
            group: task.group,
            groupLabel: GROUP_LABELS[task.group],
            kind: task.kind,
            metricLabel: m?.label ?? task.metric ?? null,
            percent: m?.percent ?? false,
            startOn: windowOf(task, plan).startOn,
            dueOn: task.dueOn,
            ...j,
            statusLabel: PROGRESS_LABELS[j.status],
            villages:
              task.kind === 'figure'
                ? assigned.map((v) => {
                    // A count is shared among the villages that carry the task; a ratio holds for each of them.
                    const share = j.target === null ? null : m?.percent ? j.target : Math.ceil(j.target / assigned.length);
                    const vj = judgeFigure(valueAt(rowOf.get(v.code)!, task.metric!), share, windowOf(task, plan), now, b.margin);
                    return { code: v.code, name: v.name, ...vj, statusLabel: PROGRESS_LABELS[vj.status] };
                  })
                : [],
          };
        }),
      };
    }),
  };
}
