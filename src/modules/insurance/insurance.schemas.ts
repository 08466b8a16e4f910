import { MAINLAND_MOBILE } from '../../lib/pii';
import { IsoDateTime, ObjectId, z } from '../../http/zod';
import { ENROLMENT_STATUSES, PAYMENT_METHODS, RELATIONS } from './insurance.model';

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, '日期格式应为 YYYY-MM-DD');
const fen = z.number().int().min(0).max(100_000_000);

export const ProductBody = z
  .object({
    year: z.number().int().min(2020).max(2100),
    name: z.string().trim().min(1).max(60),
    insurer: z.string().trim().min(1).max(60),
    plans: z
      .array(
        z
          .object({
            code: z.string().regex(/^[A-Za-z0-9_-]{1,20}$/),
            name: z.string().trim().min(1).max(40),
            premiumFen: fen,
            coverage: z
              .array(z.object({ item: z.string().trim().min(1).max(40), amountFen: fen }).strict())
              .min(1)
              .max(20),
          })
          .strict(),
      )
      .min(1)
      .max(10),
    enrolFrom: day,
    enrolTo: day,
    policyStart: day,
    policyEnd: day,
    eligibility: z
      .object({ description: z.string().trim().max(200), minAge: z.number().int().min(0).max(120), maxAge: z.number().int().min(0).max(120) })
      .strict(),
  })
  .strict()
  .refine((p) => p.enrolFrom <= p.enrolTo && p.policyStart <= p.policyEnd, { message: '日期先后不正确', path: ['policyEnd'] })
  .refine((p) => new Set(p.plans.map((x) => x.code)).size === p.plans.length, { message: '方案编码重复', path: ['plans'] })
  .openapi('InsuranceProduct');
export type ProductBody = z.infer<typeof ProductBody>;

export const InsuredInput = z
  .object({
    name: z
      .string()
      .trim()
      .min(1, '请填写姓名')
      .max(20, '姓名不超过 20 字')
      .regex(/^[\u4e00-\u9fa5·A-Za-z ]+$/, '姓名只能包含汉字或字母'),
    idCard: z.string().trim().min(1, '请填写身份证号').max(18, '身份证号应为 18 位'),
    birthDate: day,
    sex: z.enum(['male', 'female']),
    relation: z.enum(RELATIONS),
    planCode: z.string().min(1).max(20),
  })
  .strict();
export type InsuredInput = z.infer<typeof InsuredInput>;

export const EnrolBody = z
  .object({
    productId: ObjectId,
    /** Omitted: the phone number in the resident's profile. */
    applicantPhone: z.string().regex(MAINLAND_MOBILE, '请填写 11 位手机号码').optional(),
    insured: z.array(InsuredInput).min(1, '请至少添加一位被保险人').max(10, '一次最多为 10 人投保'),
  })
  .strict()
  .openapi('InsuranceEnrol');
export type EnrolBody = z.infer<typeof EnrolBody>;

export const IdParams = z.object({ id: ObjectId }).strict();

export const TransitionBody = z
  .object({
    to: z.enum(ENROLMENT_STATUSES),
    note: z.string().trim().max(500).optional(),
    payment: z
      .object({ method: z.enum(PAYMENT_METHODS), paidAt: day, amountFen: fen })
      .strict()
      .optional(),
    policyNo: z.string().trim().min(1).max(40).optional(),
    reason: z.string().trim().min(1).max(200).optional(),
  })
  .strict()
  .openapi('InsuranceTransition');
export type TransitionBody = z.infer<typeof TransitionBody>;

export const StaffListQuery = z
  .object({
    productId: ObjectId.optional(),
    status: z.enum(ENROLMENT_STATUSES).optional(),
    villageCode: z.string().min(1).max(40).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: ObjectId.optional(),
  })
  .strict();

export const ExportQuery = z.object({ status: z.enum(ENROLMENT_STATUSES).optional() }).strict();

// ---- replies ----

const Status = z.enum(ENROLMENT_STATUSES);

export const ProductView = z
  .object({
    id: z.string(),
    year: z.number().int(),
    name: z.string(),
    insurer: z.string(),
    plans: z.array(
      z.object({
        code: z.string(),
        name: z.string(),
        premiumFen: z.number().int(),
        coverage: z.array(z.object({ item: z.string(), amountFen: z.number().int() })),
      }),
    ),
    enrolFrom: day,
    enrolTo: day,
    policyStart: day,
    policyEnd: day,
    eligibility: z.object({ description: z.string(), minAge: z.number().int(), maxAge: z.number().int() }),
    enrolOpen: z.boolean(),
  })
  .openapi('InsuranceProductView');
export const ProductList = z.object({ items: z.array(ProductView) });

/** An enrolment as the applicant sees it: names, ID numbers and phone masked. */
export const EnrolmentForResident = z
  .object({
    id: z.string(),
    productId: z.string(),
    productName: z.string().nullable(),
    status: Status,
    statusLabel: z.string(),
    insured: z.array(
      z.object({
        nameMasked: z.string().nullable(),
        idCardMasked: z.string().nullable(),
        relation: z.enum(RELATIONS),
        planCode: z.string(),
        premiumFen: z.number().int(),
      }),
    ),
    totalFen: z.number().int(),
    applicantPhoneMasked: z.string().nullable(),
    policyNo: z.string().nullable(),
    reason: z.string().nullable(),
    canCancel: z.boolean(),
    createdAt: IsoDateTime,
  })
  .openapi('InsuranceEnrolment');
export const EnrolmentList = z.object({ items: z.array(EnrolmentForResident) });

export const EnrolmentListItem = EnrolmentForResident.extend({ villageCode: z.string() }).openapi('InsuranceEnrolmentListItem');

/** The enrolment as staff see it after a move: names, ID numbers and phone masked (no audit needed). */
export const EnrolmentCaseForStaff = EnrolmentListItem.extend({
  /** The statuses a staff member may move it to now. */
  allowedNext: z.array(Status),
  payment: z.object({ method: z.enum(PAYMENT_METHODS), paidAt: day, amountFen: z.number().int() }).nullable(),
  history: z.array(
    z.object({
      seq: z.number().int(),
      from: Status.nullable(),
      to: Status,
      actorType: z.enum(['resident', 'staff', 'system']),
      actorName: z.string().nullable(),
      at: IsoDateTime,
      note: z.string().nullable(),
    }),
  ),
}).openapi('InsuranceEnrolmentCaseForStaff');

/** The full enrolment for scoped staff (audited): names, ID numbers and phone in the clear, null once erased. */
export const EnrolmentForStaff = EnrolmentCaseForStaff.extend({
  applicantPhone: z.string().nullable(),
  insuredFull: z.array(z.object({ name: z.string().nullable(), idCard: z.string().nullable(), relation: z.enum(RELATIONS), planCode: z.string() })),
}).openapi('InsuranceEnrolmentForStaff');

export const BatchVerifyBody = z
  .object({ ids: z.array(ObjectId).min(1, '请至少选择一条投保').max(100, '一次最多审核 100 条') })
  .strict()
  .openapi('InsuranceBatchVerify');
export const BatchVerifyResult = z
  .object({
    verified: z.number().int(),
    failed: z.number().int(),
    results: z.array(z.object({ id: z.string(), ok: z.boolean(), status: Status.nullable(), message: z.string().nullable() })),
  })
  .openapi('InsuranceBatchVerifyResult');

export const PolicyImportBody = z
  .object({ contentBase64: z.string().min(1, '请选择文件').max(4_000_000, '文件不超过 3 MB') })
  .strict()
  .openapi('InsurancePolicyImport');
const RowError = z.object({ row: z.number().int(), field: z.enum(['name', 'idCard', 'policyNo', 'file']), message: z.string() });
export const PolicyImportResult = z
  .object({ rows: z.number().int(), issued: z.number().int(), unchanged: z.number().int(), failures: z.array(RowError) })
  .openapi('InsurancePolicyImportResult');
