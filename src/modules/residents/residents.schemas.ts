import { MAINLAND_MOBILE } from '../../lib/pii';
import { IsoDateTime, z } from '../../http/zod';
import { CONSENT_PURPOSES } from './residents.model';

export const LoginBody = z
  .object({ code: z.string().min(1).max(128) })
  .strict()
  .openapi('ResidentLogin');

export const ConsentState = z.object({ purpose: z.enum(CONSENT_PURPOSES), policyVersion: z.string(), grantedAt: IsoDateTime });

export const LoginResponse = z
  .object({
    token: z.string(),
    expiresAt: IsoDateTime,
    resident: z.object({ id: z.string(), profileComplete: z.boolean(), consents: z.array(ConsentState) }),
  })
  .openapi('ResidentSession');

export const MeResponse = z
  .object({
    id: z.string(),
    name: z.string().nullable(),
    villageCode: z.string().nullable(),
    villageName: z.string().nullable(),
    phoneMasked: z.string().nullable(),
    sex: z.enum(['male', 'female']).nullable(),
    birthYear: z.number().nullable(),
    elderlyMode: z.boolean(),
    profileComplete: z.boolean(),
    consents: z.array(ConsentState),
  })
  .openapi('Me');

const chineseName = z
  .string()
  .trim()
  .min(1, '请填写姓名')
  .max(20, '姓名不超过 20 字')
  .regex(/^[\u4e00-\u9fa5·A-Za-z ]+$/, '姓名只能包含汉字或字母');

export const PatchMeBody = z
  .object({
    name: chineseName.optional(),
    villageCode: z.string().min(1).max(40).optional(),
    phone: z.string().regex(MAINLAND_MOBILE, '请填写 11 位手机号码').optional(),
    sex: z.enum(['male', 'female']).optional(),
    birthYear: z.number().int().min(1900).max(2100).optional(),
    elderlyMode: z.boolean().optional(),
    /** Read for sex and birth year, never stored. */
    idNumber: z
      .string()
      .trim()
      .regex(/^\d{17}[\dXx]$/, '请填写 18 位身份证号码')
      .optional(),
  })
  .strict()
  .openapi('PatchMe');

export const PhoneBody = z.object({ code: z.string().min(1).max(128) }).strict();

export const ConsentBody = z
  .object({
    purpose: z.enum(CONSENT_PURPOSES),
    policyVersion: z.string().min(1).max(20),
    guardianRelation: z.enum(['父亲', '母亲', '祖父母', '外祖父母', '其他监护人']).optional(),
  })
  .strict()
  .openapi('ConsentGrant');

export const PurposeParams = z.object({ purpose: z.enum(CONSENT_PURPOSES) });

/** A resident in full, for the resident's own export and an audited staff view: the profile with the phone unmasked. */
export const ResidentFull = MeResponse.extend({ phone: z.string().nullable(), createdAt: IsoDateTime }).openapi('ResidentFull');

export const MyDataExport = z
  .object({
    exportedAt: IsoDateTime,
    profile: ResidentFull,
    consentLedger: z.array(
      z.object({
        purpose: z.enum(CONSENT_PURPOSES),
        action: z.enum(['grant', 'withdraw']),
        policyVersion: z.string(),
        guardianRelation: z.string().nullable(),
        at: IsoDateTime,
      }),
    ),
  })
  // Each module that holds resident data adds its own section (quiz, talks, referrals, insurance).
  .catchall(z.unknown())
  .openapi('MyDataExport');

export const ResidentListItem = z
  .object({
    id: z.string(),
    nameMasked: z.string().nullable(),
    phoneMasked: z.string().nullable(),
    villageCode: z.string().nullable(),
    profileComplete: z.boolean(),
    createdAt: IsoDateTime,
  })
  .openapi('ResidentListItem');
