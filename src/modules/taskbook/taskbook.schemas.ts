import { ObjectId, z } from '../../http/zod';
import { taskProgress } from '../../dictionaries';
import { EVIDENCE_STATUSES, PLAN_STATUSES, RECTIFICATION_STATUSES, TASK_GROUPS, TASK_KINDS } from './taskbook.model';

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, '日期格式应为 YYYY-MM-DD');
const text = (min: number, max: number, what: string) => z.string().trim().min(min, `请填写${what}`).max(max, `${what}不超过 ${max} 字`);
const areaCode = z.string().min(1).max(40);

export const IdParams = z.object({ id: ObjectId }).strict();
export const TaskParams = z.object({ id: ObjectId, taskId: ObjectId }).strict();
export const PhotoParams = z.object({ id: ObjectId, photoId: ObjectId }).strict();
export const DecisionParams = z.object({ id: ObjectId, index: z.coerce.number().int().min(0).max(49) }).strict();
export const YearQuery = z.object({ year: z.coerce.number().int().min(2020).max(2100) });
export const OpenQuery = z.object({
  open: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
});

export const BookBody = z
  .object({ year: z.number().int().min(2020).max(2100), title: text(2, 60, '任务书名称'), margin: z.number().min(0).max(0.5).optional() })
  .strict();
export const TaskBody = z
  .object({
    group: z.enum(TASK_GROUPS),
    title: text(2, 100, '任务名称'),
    kind: z.enum(TASK_KINDS),
    metric: z.string().max(80).optional(),
    target: z.number().min(0).max(1_000_000).optional(),
    townTargets: z
      .array(z.object({ townCode: areaCode, target: z.number().min(0).max(1_000_000) }).strict())
      .max(50)
      .optional(),
    towns: z.array(areaCode).max(50).optional(),
    startOn: day,
    dueOn: day,
  })
  .strict()
  .openapi('TaskbookTaskInput');
export const PlanBody = z
  .object({
    items: z.array(z.object({ taskId: ObjectId, startOn: day, endOn: day, villages: z.array(areaCode).max(100).default([]) }).strict()).max(200),
    note: z.string().trim().max(500).optional(),
  })
  .strict();
export const DecideBody = z.object({ to: z.enum(['approved', 'returned']), note: z.string().trim().max(300).optional() }).strict();
export const EvidenceBody = z.object({ note: text(2, 500, '完成情况说明') }).strict();
export const EvidenceDecideBody = z.object({ to: z.enum(['accepted', 'returned']), note: z.string().trim().max(300).optional() }).strict();
export const PhotoBody = z.object({ dataBase64: z.string().min(8).max(3_000_000) }).strict();
export const VisitBody = z
  .object({
    areaCode,
    on: day,
    inspectors: text(2, 100, '督导人员'),
    checked: text(2, 500, '检查内容'),
    findings: text(2, 1000, '发现的问题'),
    rectifications: z
      .array(z.object({ title: text(2, 200, '整改事项'), ownerCode: areaCode.optional(), dueOn: day }).strict())
      .max(20)
      .default([]),
  })
  .strict()
  .openapi('SupervisionVisitInput');
export const RectificationBody = z.object({ title: text(2, 200, '整改事项'), ownerCode: areaCode.optional(), dueOn: day }).strict();
export const MoveBody = z.object({ to: z.enum(RECTIFICATION_STATUSES), text: z.string().trim().max(1000).optional() }).strict();
export const MeetingBody = z
  .object({
    on: day,
    title: text(2, 100, '会商主题'),
    attendees: z.array(z.string().trim().min(1).max(40)).min(1, '请填写参会单位或人员').max(50),
    minutes: z.string().trim().max(5000).default(''),
    decisions: z
      .array(text(2, 300, '会商决定'))
      .max(50)
      .default([]),
  })
  .strict();
export const DecisionTaskBody = z.object({ townCode: areaCode, group: z.enum(TASK_GROUPS), startOn: day.optional(), dueOn: day }).strict();

// ---- replies ----

export const Book = z.object({
  id: z.string(),
  year: z.number(),
  title: z.string(),
  status: z.enum(['draft', 'published']),
  statusLabel: z.string(),
  margin: z.number(),
  publishedAt: z.string().nullable(),
});
export const Task = z
  .object({
    id: z.string(),
    group: z.enum(TASK_GROUPS),
    groupLabel: z.string(),
    title: z.string(),
    kind: z.enum(TASK_KINDS),
    kindLabel: z.string(),
    metric: z.string().nullable(),
    metricLabel: z.string().nullable(),
    percent: z.boolean(),
    target: z.number().nullable(),
    townTargets: z.array(z.object({ townCode: z.string(), target: z.number() })),
    towns: z.array(z.string()),
    startOn: z.string(),
    dueOn: z.string(),
    fromMeeting: z.string().nullable(),
  })
  .openapi('TaskbookTask');
export const BookWithTasks = z.object({ book: Book.nullable(), tasks: z.array(Task) });
export const Metrics = z.object({ items: z.array(z.object({ key: z.string(), label: z.string(), percent: z.boolean() })) });
export const Plan = z.object({
  id: z.string(),
  townCode: z.string(),
  townName: z.string().nullable(),
  status: z.enum(PLAN_STATUSES),
  statusLabel: z.string(),
  items: z.array(z.object({ taskId: z.string(), startOn: z.string(), endOn: z.string(), villages: z.array(z.string()) })),
  note: z.string(),
  decisionNote: z.string().nullable(),
  submittedAt: z.string().nullable(),
  decidedAt: z.string().nullable(),
});
export const PlanList = z.object({ items: z.array(z.object({ townCode: z.string(), townName: z.string(), plan: Plan.nullable() })) });
export const EvidenceView = z.object({
  id: z.string(),
  taskId: z.string(),
  townCode: z.string(),
  status: z.enum(EVIDENCE_STATUSES),
  statusLabel: z.string(),
  note: z.string(),
  decisionNote: z.string().nullable(),
  submittedAt: z.string(),
  photos: z.array(z.string()),
});
export const EvidenceList = z.object({ items: z.array(EvidenceView) });
export const PhotoAdded = z.object({ id: z.string(), slot: z.number(), contentType: z.string(), size: z.number() });

const Judged = {
  status: z.enum(taskProgress.values),
  statusLabel: z.string(),
  value: z.number().nullable(),
  target: z.number().nullable(),
  expected: z.number().nullable(),
  gap: z.number().nullable(),
};
export const Progress = z
  .object({
    book: Book,
    asOf: z.string(),
    today: z.string(),
    towns: z.array(
      z.object({
        code: z.string(),
        name: z.string(),
        planStatus: z.enum(PLAN_STATUSES).nullable(),
        done: z.number(),
        behind: z.number(),
        total: z.number(),
        tasks: z.array(
          z.object({
            taskId: z.string(),
            title: z.string(),
            group: z.enum(TASK_GROUPS),
            groupLabel: z.string(),
            kind: z.enum(TASK_KINDS),
            metricLabel: z.string().nullable(),
            percent: z.boolean(),
            startOn: z.string(),
            dueOn: z.string(),
            ...Judged,
            villages: z.array(z.object({ code: z.string(), name: z.string(), ...Judged })),
          }),
        ),
      }),
    ),
  })
  .openapi('TaskbookProgress');
export const Alerts = z.object({
  year: z.number().nullable(),
  items: z.array(z.object({ kind: z.enum(['behind', 'rectification', 'review']), text: z.string(), to: z.string() })),
});

export const Rectification = z.object({
  id: z.string(),
  visitId: z.string(),
  ownerCode: z.string(),
  ownerName: z.string(),
  title: z.string(),
  dueOn: z.string(),
  status: z.enum(RECTIFICATION_STATUSES),
  statusLabel: z.string(),
  answer: z.string().nullable(),
  overdue: z.boolean(),
  escalated: z.boolean(),
  closedOnTime: z.boolean().nullable(),
  photos: z.array(z.string()),
});
export const RectificationList = z.object({ items: z.array(Rectification) });
export const RectificationMoved = Rectification.extend({ history: z.array(z.record(z.unknown())) });
const VisitFields = {
  id: z.string(),
  areaCode: z.string(),
  areaName: z.string(),
  on: z.string(),
  inspectors: z.string(),
  checked: z.string(),
  findings: z.string(),
  photos: z.array(z.string()),
};
export const Visit = z.object({ ...VisitFields, rectifications: z.array(Rectification) }).openapi('SupervisionVisit');
export const VisitList = z.object({ items: z.array(z.object({ ...VisitFields, rectificationCount: z.number(), openCount: z.number() })) });
export const Meeting = z.object({
  id: z.string(),
  on: z.string(),
  title: z.string(),
  attendees: z.array(z.string()),
  minutes: z.string(),
  decisions: z.array(z.object({ index: z.number(), text: z.string(), taskId: z.string().nullable() })),
});
export const MeetingList = z.object({ items: z.array(Meeting) });
