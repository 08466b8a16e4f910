import { MAINLAND_MOBILE } from '../../lib/pii';
import { ObjectId, z } from '../../http/zod';
import { CONDITIONS, GUARDIAN_RELATIONS, HOUSEHOLD_SITUATIONS, REFERRAL_STATUSES } from './referrals.model';

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, '日期格式应为 YYYY-MM-DD');

export const SubmitReferralBody = z
  .object({
    childName: z.string().trim().min(1, '请填写孩子姓名').max(20, '姓名不超过 20 字').regex(/^[\u4e00-\u9fa5·A-Za-z ]+$/, '姓名只能包含汉字或字母'),
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
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: ObjectId.optional(),
  })
  .strict();
