import type { ZodRawShape, ZodTypeAny } from 'zod';
import { ObjectId, z } from '../../http/zod';
import type { FigureSection } from '../module';
import { figureSections } from './figures';
import { CASE_STATUSES } from './reports.model';

export const YearlyQuery = z
  .object({
    year: z.coerce.number().int().min(2020, '年份不正确').max(2100, '年份不正确'),
    area: z.string().min(1).max(40).optional(),
    format: z.enum(['json', 'xlsx', 'docx']).default('json'),
  })
  .strict();

export const CaseView = z
  .object({
    id: z.string(),
    title: z.string(),
    text: z.string(),
    areaCode: z.string(),
    areaName: z.string().nullable(),
    talkId: z.string().nullable(),
    familyResidentId: z.string().nullable(),
    hasPhoto: z.boolean(),
    status: z.enum(CASE_STATUSES),
    createdBy: z.string(),
    createdAt: z.string(),
    reviewedBy: z.string().nullable(),
    reviewedAt: z.string().nullable(),
    reviewNote: z.string().nullable(),
    broadcastIds: z.array(z.string()),
  })
  .openapi('TypicalCase');

const schemas = new WeakMap<readonly FigureSection[], { yearly: ZodTypeAny; dashboard: ZodTypeAny }>();

/** The yearly report and the dashboard as their responses describe them: each module's section adds its fields. */
function figureSchemas() {
  const list = figureSections();
  let out = schemas.get(list);
  if (!out) {
    const area = z.object({ code: z.string(), name: z.string(), level: z.string() });
    const shapes = (pick: (s: FigureSection) => ZodRawShape | undefined) => Object.assign({}, ...list.map((s) => pick(s) ?? {})) as ZodRawShape;
    out = {
      yearly: z
        .object({
          year: z.number(),
          area,
          /** Who submitted it and when, on a report read back as submitted (报送). */
          submitted: z.object({ at: z.string(), by: z.string() }).optional(),
          generatedAt: z.string(),
          ...shapes((s) => s.headShape),
          areas: z.array(z.object({ code: z.string(), name: z.string(), level: z.string(), ...shapes((s) => s.rowShape) })),
          ...shapes((s) => s.tailShape),
          cases: z.array(CaseView),
        })
        .openapi('YearlyReport'),
      dashboard: z
        .object({
          year: z.number(),
          area,
          generatedAt: z.string(),
          /** From the staff member's own area down to the one shown. */
          trail: z.array(z.object({ code: z.string(), name: z.string() })),
          /** The area itself (`total`), then each child area. */
          rows: z.array(
            z.object({
              code: z.string(),
              name: z.string(),
              level: z.string(),
              total: z.boolean(),
              drillable: z.boolean(),
              disabled: z.boolean(),
              ...shapes((s) => s.dashboardShape),
            }),
          ),
        })
        .openapi('Dashboard'),
    };
    schemas.set(list, out);
  }
  return out;
}

export const yearlyReportResponse = () => figureSchemas().yearly;
export const dashboardResponse = () => figureSchemas().dashboard;

export const CaseList = z.object({ items: z.array(CaseView) }).openapi('TypicalCaseList');

export const CaseBody = z
  .object({
    title: z.string().trim().min(2, '请填写标题').max(60),
    text: z.string().trim().min(10, '内容至少 10 个字').max(3000),
    areaCode: z.string().min(1).max(40).optional(),
    talkId: ObjectId.optional(),
    familyResidentId: ObjectId.optional(),
    photo: z
      .string()
      .max(1_400_000, '照片不能超过 1MB')
      .regex(/^[A-Za-z0-9+/=]+$/, '照片格式不正确')
      .optional(),
  })
  .strict()
  .openapi('TypicalCaseInput');

export const CaseListQuery = z.object({ status: z.enum(CASE_STATUSES).optional(), limit: z.coerce.number().int().min(1).max(100).default(50) }).strict();
export const ReviewBody = z.object({ decision: z.enum(['approve', 'reject']), note: z.string().trim().max(200).optional() }).strict();
export const IdParams = z.object({ id: ObjectId }).strict();
export const BroadcastResponse = z.object({ caseId: z.string(), campaignId: z.string(), status: z.string() }).openapi('TypicalCaseBroadcast');
export const ReminderResponse = z
  .object({ due: z.boolean(), year: z.number(), areaCode: z.string(), deadline: z.string(), message: z.string().nullable() })
  .openapi('YearlyReportReminder');

export const DashboardQuery = z
  .object({
    area: z.string().min(1).max(40).optional(),
    year: z.coerce.number().int().min(2020, '年份不正确').max(2100, '年份不正确').optional(),
  })
  .strict();

export const SubmissionStatusSchema = z
  .object({
    year: z.number(),
    areaCode: z.string(),
    areaName: z.string().optional(),
    status: z.enum(['not_generated', 'generated', 'submitted']),
    submittedAt: z.string().nullable(),
    submittedBy: z.string().nullable(),
    /** Not submitted after the 15 December deadline. */
    overdue: z.boolean(),
    deadline: z.string(),
    /** The last return's reason while the town has not submitted again. */
    returned: z.object({ reason: z.string(), by: z.string(), at: z.string() }).nullable(),
  })
  .openapi('YearlyReportSubmission');
export const SubmissionList = z.object({ year: z.number(), items: z.array(SubmissionStatusSchema) }).openapi('YearlyReportSubmissions');
export const YearBody = z.object({ year: z.number().int().min(2020, '年份不正确').max(2100, '年份不正确') }).strict();
export const ReturnBody = YearBody.extend({
  areaCode: z.string().min(1).max(40),
  reason: z.string().trim().min(1, '请写明退回原因').max(200, '退回原因最多 200 字'),
}).strict();
export const SubmittedQuery = YearlyQuery.extend({ area: z.string().min(1).max(40) }).strict();
