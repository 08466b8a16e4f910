import { ObjectId, z } from '../../http/zod';
import { FAMILY_TYPES, HELP_KINDS, HELP_STATUSES } from './care.model';

const name = z.string().trim().min(1, '请填写姓名').max(20, '姓名不超过 20 字');
const phone = z.string().regex(/^1[3-9]\d{9}$/, '请填写 11 位手机号码');
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, '日期格式应为 YYYY-MM-DD');

export const FamilyBody = z
  .object({
    type: z.enum(FAMILY_TYPES),
    villageCode: z.string().min(1).max(40),
    contact: z.object({ name, phone: phone.optional() }).strict(),
    members: z
      .array(z.object({ name, relation: z.string().trim().min(1).max(10), birthYear: z.number().int().min(1900).max(2100).optional() }).strict())
      .max(12)
      .default([]),
    needs: z.string().trim().max(500, '需求不超过 500 字').default(''),
    pairedStaffId: ObjectId.optional(),
    visitEveryDays: z.number().int().min(7).max(365).optional(),
    consent: z.object({ method: z.enum(['signed_form', 'in_person']) }).strict(),
  })
  .strict()
  .openapi('CareFamily');

export const FamilyPatch = z
  .object({
    pairedStaffId: ObjectId.nullable().optional(),
    visitEveryDays: z.number().int().min(7).max(365).optional(),
    needs: z.string().trim().max(500).optional(),
  })
  .strict();
export const CloseBody = z.object({ reason: z.string().trim().min(1, '请填写原因').max(200) }).strict();
export const VisitBody = z
  .object({ on: day, done: z.string().trim().min(2, '请填写做了什么').max(500), nextStep: z.string().trim().max(200).optional() })
  .strict();
export const HelpBody = z.object({ kind: z.enum(HELP_KINDS), detail: z.string().trim().min(2, '请填写需要什么帮助').max(500) }).strict();
export const HelpMoveBody = z.object({ to: z.enum(HELP_STATUSES), note: z.string().trim().max(200).optional() }).strict();
export const IdParams = z.object({ id: ObjectId }).strict();
export const PairOptionsQuery = z.object({ villageCode: z.string().min(1).max(32) }).strict();
export const PairOptions = z.object({ items: z.array(z.object({ id: z.string(), name: z.string() })) });
export const FamilyListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: ObjectId.optional(),
  villageCode: z.string().max(40).optional(),
  type: z.enum(FAMILY_TYPES).optional(),
  overdue: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
});
export const FiguresQuery = z.object({ since: day.optional() });

const Personal = z.object({
  contact: z.object({ name: z.string(), phone: z.string().optional() }),
  members: z.array(z.object({ name: z.string(), relation: z.string(), birthYear: z.number().optional() })),
  /** Only in the audited full view (and a district admin's full export); masked views leave it out. */
  needs: z.string().optional(),
});
export const FamilyView = z
  .object({
    id: z.string(),
    type: z.enum(FAMILY_TYPES),
    typeLabel: z.string(),
    villageCode: z.string(),
    status: z.enum(['active', 'closed', 'withdrawn']),
    personal: Personal.nullable(),
    registeredBy: z.string(),
    pairedStaffId: z.string().nullable(),
    visitEveryDays: z.number(),
    lastVisitAt: z.string().nullable(),
    nextVisitDue: z.string(),
    overdue: z.boolean(),
    consentAt: z.string(),
  })
  .openapi('CareFamilyView');
export const FamilyPage = z.object({ items: z.array(FamilyView), nextCursor: z.string().nullable() });
export const FamilyExport = z.object({ full: z.boolean(), items: z.array(FamilyView) });
export const Visit = z.object({ id: z.string(), on: z.string(), by: z.string(), done: z.string(), nextStep: z.string() });
export const VisitList = z.object({ items: z.array(Visit) });
export const HelpView = z.object({
  id: z.string(),
  familyId: z.string(),
  kind: z.enum(HELP_KINDS),
  status: z.enum(HELP_STATUSES),
  statusLabel: z.string(),
  detail: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const HelpList = z.object({ items: z.array(HelpView) });
export const HelpMoved = HelpView.extend({ history: z.array(z.record(z.unknown())) });
export const Figures = z.object({
  since: z.string(),
  villages: z.array(
    z.object({ villageCode: z.string(), families: z.record(z.number()), visitsOverdue: z.number(), visitsDone: z.number(), helpOpen: z.number() }),
  ),
});
