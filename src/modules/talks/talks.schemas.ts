import { IsoDateTime, ObjectId, z } from '../../http/zod';
import { TALK_KINDS, TALK_STATUSES } from './talks.model';

const isoDate = z.string().datetime({ offset: true, message: '时间格式不正确' });
const text = (max: number) => z.string().trim().min(1).max(max);

const EligibilitySchema = z
  .object({
    sex: z.enum(['male', 'female']).optional(),
    minAge: z.number().int().min(0).max(120).optional(),
    maxAge: z.number().int().min(0).max(120).optional(),
  })
  .strict()
  .refine((e) => e.minAge === undefined || e.maxAge === undefined || e.minAge <= e.maxAge, { message: '最小年龄不能大于最大年龄' });

const talkFields = {
  kind: z.enum(TALK_KINDS),
  title: text(60),
  description: z.string().max(2000).optional(),
  expertIds: z.array(ObjectId).max(10).optional(),
  venue: text(100),
  areaCode: z.string().min(1).max(40),
  localOnly: z.boolean().optional(),
  startAt: isoDate,
  endAt: isoDate,
  capacity: z.number().int().min(1).max(5000),
  maxSeatsPerRegistration: z.number().int().min(1).max(5).optional(),
  signupOpensAt: isoDate.optional(),
  signupClosesAt: isoDate.optional(),
  cancelCutoffAt: isoDate.optional(),
  eligibility: EligibilitySchema.optional(),
  waitlistEnabled: z.boolean().optional(),
  waitlistCap: z.number().int().min(0).max(10000).optional(),
};

export const TalkInputSchema = z.object(talkFields).strict().openapi('TalkInput');
export type TalkInput = z.infer<typeof TalkInputSchema>;

export const TalkPatchSchema = z
  .object(
    Object.fromEntries(Object.entries(talkFields).map(([k, v]) => [k, v.optional()])) as {
      [K in keyof typeof talkFields]: z.ZodOptional<(typeof talkFields)[K]>;
    },
  )
  .strict()
  .openapi('TalkPatch');
export type TalkPatch = z.infer<typeof TalkPatchSchema>;

export const ExpertSchema = z
  .object({ id: z.string(), name: z.string(), hospital: z.string(), title: z.string(), specialties: z.array(z.string()), active: z.boolean() })
  .openapi('Expert');

export const ExpertInputSchema = z
  .object({ name: text(20), hospital: text(40), title: z.string().max(20).default(''), specialties: z.array(text(20)).max(10).default([]) })
  .strict();
export const ExpertPatchSchema = z
  .object({
    name: text(20).optional(),
    hospital: text(40).optional(),
    title: z.string().max(20).optional(),
    specialties: z.array(text(20)).max(10).optional(),
    active: z.boolean().optional(),
  })
  .strict();

export const TalkSchema = z
  .object({
    id: z.string(),
    kind: z.enum(TALK_KINDS),
    title: z.string(),
    description: z.string(),
    venue: z.string(),
    areaCode: z.string(),
    localOnly: z.boolean(),
    startAt: z.string(),
    endAt: z.string(),
    capacity: z.number(),
    seatsTaken: z.number(),
    seatsLeft: z.number(),
    maxSeatsPerRegistration: z.number(),
    signupOpensAt: z.string(),
    signupClosesAt: z.string(),
    cancelCutoffAt: z.string(),
    eligibility: z.object({ sex: z.enum(['male', 'female']).optional(), minAge: z.number().optional(), maxAge: z.number().optional() }),
    waitlistEnabled: z.boolean(),
    status: z.enum(TALK_STATUSES),
    experts: z.array(ExpertSchema),
  })
  .openapi('Talk');

export const TalkListQuery = z
  .object({
    kind: z.enum(TALK_KINDS).optional(),
    areaCode: z.string().max(40).optional(),
    limit: z.coerce.number().int().min(1).max(50).default(20),
    cursor: z.string().max(60).optional(),
  })
  .strict();

/** scope=mine: only sessions held for the resident's village, town or the whole district. */
export const ResidentTalkListQuery = TalkListQuery.extend({ scope: z.enum(['mine', 'all']).optional() }).strict();

export const TalkPage = z.object({ items: z.array(TalkSchema), nextCursor: z.string().nullable() });

export const IdParams = z.object({ id: ObjectId });

export const RegistrationBody = z
  .object({ seats: z.number().int().min(1).max(5).optional() })
  .strict()
  .openapi('RegistrationRequest');

export const RegistrationResult = z
  .object({
    registrationId: z.string(),
    status: z.enum(['confirmed', 'waitlisted']),
    seats: z.number(),
    position: z.number().optional(),
  })
  .openapi('RegistrationResult');

export const MyRegistration = z.object({
  registrationId: z.string(),
  talk: z.object({
    id: z.string(),
    title: z.string(),
    kind: z.enum(TALK_KINDS),
    venue: z.string(),
    startAt: z.string(),
    endAt: z.string(),
    status: z.enum(TALK_STATUSES),
    cancelCutoffAt: z.string(),
  }),
  status: z.enum(['pending', 'confirmed', 'waitlisted', 'rejected', 'cancelled']),
  seats: z.number(),
  position: z.number().nullable(),
  attended: z.boolean(),
  feedbackGiven: z.boolean(),
  createdAt: z.string(),
});

export const CheckinBody = z.object({ scene: z.string().min(1).max(64) }).strict();
export const FeedbackBody = z.object({ rating: z.number().int().min(1).max(5), comment: z.string().trim().max(300).optional() }).strict();

// ---- staff replies ----

const Rating = z.object({ count: z.number().int(), average: z.number().nullable() });

export const ExpertList = z.object({ items: z.array(ExpertSchema.extend({ feedback: Rating }).openapi('ExpertWithRating')) });

export const StaffTalk = TalkSchema.extend({
  checkinScene: z.string(),
  areaPath: z.array(z.string()),
  /** False for a village worker at a town or district session: they mark their own residents, never manage it. */
  manage: z.boolean(),
  /** From when staff may mark attendance at the door. */
  attendanceOpensAt: IsoDateTime,
}).openapi('StaffTalk');

/** One line of a roster: name and phone masked unless a district admin exports the full list. */
const RosterEntry = z
  .object({
    registrationId: z.string(),
    name: z.string(),
    phone: z.string(),
    village: z.string(),
    seats: z.number().int(),
    /** `walk_in`: came without signing up, added by staff at the door (always attended). */
    status: z.enum(['confirmed', 'waitlisted', 'walk_in']),
    position: z.number().int().nullable(),
    attended: z.boolean(),
    checkedInAt: IsoDateTime.nullable(),
    registeredAt: IsoDateTime,
  })
  .openapi('TalkRosterEntry');

/** A page of the list: `cursor` is the offset the previous page returned as `nextCursor`. */
export const RosterQuery = z
  .object({
    status: z.enum(['confirmed', 'waitlisted', 'walk_in']).optional(),
    attended: z.enum(['true', 'false']).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
    cursor: z
      .string()
      .regex(/^\d{1,6}$/, '分页参数不正确')
      .optional(),
    /** Part of a name, or a phone number's last 4 digits. */
    q: z.string().trim().max(20).optional(),
  })
  .strict();
export const CallListQuery = RosterQuery.extend({ status: z.enum(['confirmed', 'waitlisted']).optional() })
  .omit({ q: true })
  .strict();
export const RosterPage = z.object({ items: z.array(RosterEntry), total: z.number().int(), nextCursor: z.string().nullable() }).openapi('TalkRosterPage');

export const WalkInBody = z
  .object({
    name: z.string().trim().min(1, '请填写姓名').max(20, '姓名最多 20 个字'),
    phone: z
      .string()
      .trim()
      .max(20)
      .optional()
      .transform((v) => v || undefined),
    villageCode: z.string().min(1).max(40).optional(),
    sex: z.enum(['male', 'female']).optional(),
    birthYear: z.number().int().min(1900).max(2030).optional(),
  })
  .strict()
  .openapi('TalkWalkInInput');
export const WalkInResult = z.object({ id: z.string(), checkedInAt: IsoDateTime }).openapi('TalkWalkIn');

export const AttendanceResult = z.object({ changed: z.number().int(), unchanged: z.number().int(), invalid: z.number().int() });

export const SessionFigures = z
  .object({
    talkId: z.string(),
    title: z.string(),
    startAt: IsoDateTime,
    status: z.enum(TALK_STATUSES),
    capacity: z.number().int(),
    confirmedRegistrations: z.number().int(),
    confirmedSeats: z.number().int(),
    waitlisted: z.number().int(),
    /** Includes walk-ins. */
    attended: z.number().int(),
    walkIns: z.number().int(),
    /** Confirmed registrants who did not come (null before the start). */
    noShow: z.number().int().nullable(),
    byArea: z.array(
      z.object({
        areaCode: z.string(),
        confirmed: z.number().int(),
        attended: z.number().int(),
        walkIns: z.number().int(),
        noShow: z.number().int().nullable(),
      }),
    ),
  })
  .openapi('TalkFigures');

export const AreaFigures = z
  .object({
    sessions: z.array(SessionFigures.pick({ talkId: true, title: true, startAt: true, confirmedRegistrations: true, attended: true, noShow: true })),
    totals: z.object({ sessions: z.number().int(), confirmedRegistrations: z.number().int(), attended: z.number().int(), noShow: z.number().int() }),
  })
  .openapi('TalkAreaFigures');

export const TalkOutbox = z.object({
  items: z.array(
    z.object({
      key: z.string(),
      channel: z.enum(['subscribe', 'room']),
      kind: z.string().nullable(),
      status: z.enum(['pending', 'sent', 'dead', 'cancelled']),
      notBefore: IsoDateTime,
      attempts: z.number().int(),
      lastError: z.string().nullable(),
      text: z.string().nullable(),
    }),
  ),
});

const CommentState = z.enum(['none', 'visible', 'review', 'rejected']);
export const SessionFeedback = z
  .object({
    talkId: z.string(),
    count: z.number().int(),
    average: z.number().nullable(),
    comments: z.array(z.object({ id: z.string(), rating: z.number().int(), comment: z.string(), state: CommentState, at: IsoDateTime })),
  })
  .openapi('TalkFeedback');
export const ReviewResult = z.object({ state: CommentState });
