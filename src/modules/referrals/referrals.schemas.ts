import { MAINLAND_MOBILE } from '../../lib/pii';
import { IsoDateTime, ObjectId, z } from '../../http/zod';
import { CONDITIONS, GUARDIAN_RELATIONS, HOUSEHOLD_SITUATIONS, REFERRAL_STATUSES } from './referrals.model';

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, '日期格式应为 YYYY-MM-DD');

export const SubmitReferralBody = z
  .object({
    childName: z
      .string()
      .trim()
      .min(1, '请填写孩子姓名')
      .max(20, '姓名不超过 20 字')
      .regex(/^[\u4e00-\u9fa5·A-Za-z ]+$/, '姓名只能包含汉字或字母'),
    childSex: z.enum(['male', 'female']),
    childBirthDate: day,
    condition: z.enum(CONDITIONS),
    diagnosed: z.boolean(),
    diagnosedWhere: z.string().trim().max(60, '医院名称不超过 60 字').optional(),
    otherConditions: z.string().trim().max(200, '其他情况不超过 200 字').optional(),
    household: z.array(z.enum(HOUSEHOLD_SITUATIONS)).max(HOUSEHOLD_SITUATIONS.length).default([]),
    guardianRelation: z.enum(GUARDIAN_RELATIONS),
    guardianPhone: z.string().regex(MAINLAND_MOBILE, '请填写 11 位手机号码'),
    villageCode: z.string().min(1).max(40),
  })
  .strict()
  .openapi('ReferralSubmit');
export type SubmitReferralBody = z.infer<typeof SubmitReferralBody>;

export const IdParams = z.object({ id: ObjectId }).strict();
export const PhotoParams = z.object({ id: ObjectId, photoId: ObjectId }).strict();

export const WithdrawBody = z.object({ note: z.string().trim().max(200).optional() }).strict();

export const TransitionBody = z
  .object({
    to: z.enum(REFERRAL_STATUSES),
    note: z.string().trim().max(500).optional(),
    referredTo: z.string().trim().min(1).max(100).optional(),
    surgeryDate: day.optional(),
    reason: z.string().trim().min(1).max(200).optional(),
  })
  .strict()
  .openapi('ReferralTransition');
export type TransitionBody = z.infer<typeof TransitionBody>;

export const PhotoBody = z
  .object({ dataBase64: z.string().min(1).max(3_000_000) })
  .strict()
  .openapi('ReferralPhotoUpload');

export const StaffListQuery = z
  .object({
    status: z.enum(REFERRAL_STATUSES).optional(),
    villageCode: z.string().min(1).max(40).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: ObjectId.optional(),
  })
  .strict();

// ---- replies ----

const Status = z.enum(REFERRAL_STATUSES);
const Priority = z.object({ code: z.enum(['approaching', 'in_window', 'past_window']), label: z.string(), ageMonths: z.number().int() });

/** What the guardian sees: the child's name masked, no diagnosis details beyond the condition. */
export const ReferralForResident = z
  .object({
    id: z.string(),
    status: Status,
    statusLabel: z.string(),
    childNameMasked: z.string().nullable(),
    condition: z.enum(CONDITIONS).nullable(),
    villageCode: z.string(),
    referredTo: z.string().nullable(),
    surgeryDate: day.nullable(),
    canWithdraw: z.boolean(),
    personalErased: z.boolean(),
    createdAt: IsoDateTime,
    history: z.array(z.object({ status: Status, statusLabel: z.string(), at: IsoDateTime, note: z.string().nullable() })),
  })
  .openapi('ReferralForResident');

export const ReferralList = z.object({ items: z.array(ReferralForResident) });

const PhotoInfo = z
  .object({ id: z.string(), contentType: z.enum(['image/jpeg', 'image/png']), size: z.number().int(), createdAt: IsoDateTime })
  .openapi('ReferralPhoto');
export const PhotoAdded = z.object({ id: z.string(), slot: z.number().int(), contentType: z.enum(['image/jpeg', 'image/png']), size: z.number().int() });

export const ReferralListItem = z
  .object({
    id: z.string(),
    status: Status,
    statusLabel: z.string(),
    childNameMasked: z.string().nullable(),
    priority: Priority.nullable(),
    villageCode: z.string(),
    possibleDuplicates: z.number().int(),
    createdAt: IsoDateTime,
  })
  .openapi('ReferralListItem');

/** The case as staff see it in lists and after a move: child and guardian masked (no audit needed). */
export const ReferralCaseForStaff = z
  .object({
    id: z.string(),
    status: Status,
    statusLabel: z.string(),
    villageCode: z.string(),
    childNameMasked: z.string().nullable(),
    guardianPhoneMasked: z.string().nullable(),
    priority: Priority.nullable(),
    referredTo: z.string().nullable(),
    surgeryDate: day.nullable(),
    /** The statuses a staff member may move it to now (withdrawing is the guardian's). */
    allowedNext: z.array(Status),
    personalErasedAt: IsoDateTime.nullable(),
    createdAt: IsoDateTime,
    history: z.array(
      z.object({
        seq: z.number().int(),
        from: Status.nullable(),
        to: Status,
        actorType: z.enum(['resident', 'staff', 'system']),
        actorName: z.string().nullable(),
        at: IsoDateTime,
        note: z.string().nullable(),
        referredTo: z.string().nullable(),
        surgeryDate: day.nullable(),
        reason: z.string().nullable(),
      }),
    ),
  })
  .openapi('ReferralCaseForStaff');

/** The full case for scoped staff (audited): the child's details in the clear (the guardian's phone stays masked), null once erased. */
export const ReferralForStaff = ReferralCaseForStaff.omit({ childNameMasked: true, guardianPhoneMasked: true })
  .extend({
    child: z
      .object({
        childName: z.string(),
        childSex: z.enum(['male', 'female']),
        childBirthDate: day,
        condition: z.enum(CONDITIONS),
        diagnosed: z.boolean(),
        diagnosedWhere: z.string().nullable(),
        otherConditions: z.string().nullable(),
        household: z.array(z.enum(HOUSEHOLD_SITUATIONS)),
        guardianRelation: z.enum(GUARDIAN_RELATIONS),
        guardianPhoneMasked: z.string(),
      })
      .nullable(),
    duplicates: z.array(z.object({ id: z.string(), status: Status, villageCode: z.string(), createdAt: IsoDateTime })),
    duplicatesOutsideArea: z.number().int(),
    photos: z.array(PhotoInfo),
  })
  .openapi('ReferralForStaff');
