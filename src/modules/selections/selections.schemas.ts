import { ObjectId, z } from '../../http/zod';
import { NOMINATION_STATUSES, ROUND_STATUSES, SELECTION_KINDS } from './selections.model';

const instant = z.string().datetime({ offset: true, message: '时间格式不正确' });

export const RoundBody = z
  .object({
    kind: z.enum(SELECTION_KINDS),
    title: z.string().trim().min(2, '请填写活动名称').max(40, '活动名称不超过 40 字'),
    rules: z.string().trim().max(2000, '评选规则不超过 2000 字').default(''),
    areaCode: z.string().min(1).max(40),
    nominateFrom: instant,
    nominateTo: instant,
    voteFrom: instant,
    voteTo: instant,
    winners: z.number().int().min(1).max(100),
    votesPerDay: z.number().int().min(1).max(10).default(3),
    residentNominations: z.boolean().default(false),
  })
  .strict()
  .openapi('SelectionRound');

/** A draft round's changes: any field of the round, the time order checked against the others. */
export const RoundPatch = RoundBody.partial().strict();

export const Round = z
  .object({
    id: z.string(),
    kind: z.enum(SELECTION_KINDS),
    kindLabel: z.string(),
    title: z.string(),
    rules: z.string(),
    areaCode: z.string(),
    nominateFrom: z.string(),
    nominateTo: z.string(),
    voteFrom: z.string(),
    voteTo: z.string(),
    winners: z.number(),
    votesPerDay: z.number(),
    residentNominations: z.boolean(),
    status: z.enum(ROUND_STATUSES),
    statusLabel: z.string(),
  })
  .openapi('SelectionRoundView');

export const IdParams = z.object({ id: ObjectId }).strict();
export const NominationParams = z.object({ id: ObjectId, nid: ObjectId }).strict();
export const PhotoParams = z.object({ id: ObjectId, nid: ObjectId, photoId: ObjectId }).strict();

export const AdvanceBody = z.object({ to: z.enum(ROUND_STATUSES) }).strict();

const nominationFields = {
  subject: z.enum(['family', 'person']),
  name: z.string().trim().min(1, '请填写被推荐的家庭或个人').max(30, '名称不超过 30 字'),
  phone: z
    .string()
    .regex(/^1[3-9]\d{9}$/, '请填写 11 位手机号码')
    .optional(),
  villageCode: z.string().min(1).max(40),
  story: z.string().trim().min(10, '事迹至少 10 个字').max(500, '事迹不超过 500 字'),
};
export const StaffNominationBody = z
  .object({
    ...nominationFields,
    consent: z
      .object({ method: z.enum(['signed_form', 'in_person']) })
      .strict()
      .optional(),
  })
  .strict()
  .openapi('SelectionNomination');
export const ResidentNominationBody = z.object(nominationFields).strict().openapi('SelectionResidentNomination');
export const ConsentBody = z.object({ method: z.enum(['signed_form', 'in_person']) }).strict();
export const ReviewBody = z
  .object({ decision: z.enum(['approve', 'reject', 'merge']), reason: z.string().trim().max(200).optional(), mergeInto: ObjectId.optional() })
  .strict();
export const PhotoBody = z.object({ dataBase64: z.string().min(8).max(3_000_000) }).strict();
export const NominationListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: ObjectId.optional(),
  status: z.enum(NOMINATION_STATUSES).optional(),
});
export const LimitQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(50) });

export const StaffNomination = z
  .object({
    id: z.string(),
    selectionId: z.string(),
    subject: z.enum(['family', 'person']),
    villageCode: z.string(),
    villageName: z.string(),
    name: z.string(),
    phone: z.string().nullable(),
    story: z.string(),
    consent: z.object({ method: z.string(), at: z.string() }).nullable(),
    nominatedBy: z.enum(['staff', 'resident']),
    status: z.enum(NOMINATION_STATUSES),
    rejectReason: z.string().nullable(),
    mergedInto: z.string().nullable(),
    photoIds: z.array(z.string()),
  })
  .openapi('SelectionNominationView');

export const PublicCandidate = z
  .object({
    id: z.string(),
    subject: z.enum(['family', 'person']),
    name: z.string(),
    villageCode: z.string(),
    villageName: z.string(),
    story: z.string(),
    photoIds: z.array(z.string()),
    votes: z.number().nullable(),
  })
  .openapi('SelectionCandidate');

export const ResidentRoundView = z.object({
  round: Round,
  villages: z.array(z.object({ villageCode: z.string(), villageName: z.string(), candidates: z.array(PublicCandidate) })),
  today: z.object({ day: z.string(), votedFor: z.array(z.string()), remaining: z.number() }),
});
export const VoteResult = z.object({ voted: z.literal(true), remainingToday: z.number(), flagged: z.boolean() });
const Total = z.object({ nominationId: z.string(), votes: z.number(), flagged: z.number(), name: z.string(), villageName: z.string() });
export const ResultsView = z.object({ round: Round, winners: z.array(Total.extend({ rank: z.number() })), totals: z.array(Total) });
export const FlaggedVotes = z.object({
  items: z.array(z.object({ id: z.string(), nominationId: z.string(), resident: z.string(), day: z.string(), at: z.string(), flags: z.array(z.string()) })),
});
export const RoundPage = z.object({ items: z.array(Round), nextCursor: z.string().nullable() });
export const NominationPage = z.object({ items: z.array(StaffNomination), nextCursor: z.string().nullable() });
export const PhotoAdded = z.object({ id: z.string(), slot: z.number(), contentType: z.string(), size: z.number() });
export const ResidentNominated = z.object({ id: z.string(), status: z.string(), message: z.string() });
