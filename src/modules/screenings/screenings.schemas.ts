import { IsoDateTime, ObjectId, z } from '../../http/zod';
import { CASE_STATUSES, CONTACT_KINDS, LEVELS, LOST_REASONS, NEXT_STEPS, PROGRAMMES, TOPICS } from './screenings.model';

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, '日期格式应为 YYYY-MM-DD');
export const TalkParams = z.object({ talkId: ObjectId });
export const IdParams = z.object({ id: ObjectId });
export const EntryParams = z.object({ talkId: ObjectId, residentId: ObjectId });
export const ProgrammeParams = z.object({ programme: z.enum(PROGRAMMES) });

export const ConsentBody = z.object({ given: z.boolean() }).strict();
export const ConsentView = z
  .object({ state: z.enum(['given', 'withdrawn', 'none']), stateLabel: z.string(), given: z.boolean(), text: z.string(), updatedAt: IsoDateTime.nullable() })
  .openapi('ScreeningConsent');

const Code = z.object({
  code: z.string().trim().min(1).max(20),
  label: z.string().trim().min(1).max(40),
  level: z.enum(LEVELS),
  advice: z.string().trim().max(300),
});
const Test = z.object({ test: z.string().trim().min(1).max(20), label: z.string().trim().min(1).max(40), codes: z.array(Code).min(1).max(20) });
export const CodeBookBody = z.object({ tests: z.array(Test).min(1).max(12) }).strict();
export const CodeBooks = z
  .object({ items: z.array(z.object({ programme: z.enum(PROGRAMMES), label: z.string(), tests: z.array(Test) })) })
  .openapi('ScreeningCodeBooks');

export const Participants = z
  .object({
    talk: z.object({ id: z.string(), title: z.string(), kind: z.string(), startAt: IsoDateTime }),
    programmes: z.array(z.object({ programme: z.enum(PROGRAMMES), label: z.string() })),
    items: z.array(
      z.object({
        no: z.number().int(),
        residentId: z.string(),
        nameMasked: z.string(),
        village: z.string(),
        attended: z.boolean(),
        consent: z.enum(['given', 'withdrawn', 'none']),
        consentLabel: z.string(),
        results: z.array(z.object({ programme: z.enum(PROGRAMMES), entered: z.boolean(), released: z.boolean() })),
      }),
    ),
  })
  .openapi('ScreeningParticipants');

export const ResultBody = z
  .object({
    programme: z.enum(PROGRAMMES),
    items: z
      .array(z.object({ test: z.string().min(1).max(20), code: z.string().trim().min(1).max(40) }).strict())
      .min(1)
      .max(12),
    remark: z.string().trim().max(200).optional(),
  })
  .strict();
export const ResultEntered = z.object({
  id: z.string(),
  programme: z.enum(PROGRAMMES),
  level: z.enum(LEVELS),
  caseId: z.string().nullable(),
  released: z.boolean(),
});

const ResultItem = z.object({
  test: z.string(),
  testLabel: z.string(),
  code: z.string(),
  codeLabel: z.string(),
  level: z.enum(LEVELS),
  advice: z.string(),
});
export const ResultFull = z
  .object({
    id: z.string(),
    programme: z.enum(PROGRAMMES),
    programmeLabel: z.string(),
    level: z.enum(LEVELS),
    levelLabel: z.string(),
    items: z.array(ResultItem),
    advice: z.array(z.string()),
    remark: z.string().nullable(),
    erased: z.boolean(),
    enteredAt: IsoDateTime,
    releasedAt: IsoDateTime.nullable(),
    caseId: z.string().nullable(),
  })
  .openapi('ScreeningResultFull');
export const ResultForStaff = ResultFull.extend({ residentId: z.string() });
export const ParticipantResults = z.object({ items: z.array(ResultFull) });

export const ImportBody = z.object({ format: z.literal('xlsx'), content: z.string().min(1).max(1_400_000) }).strict();
export const ImportResult = z
  .object({
    imported: z.number(),
    rows: z.number(),
    byProgramme: z.array(z.object({ programme: z.enum(PROGRAMMES), label: z.string(), count: z.number() })),
    followUps: z.number(),
  })
  .openapi('ScreeningImportResult');

export const ReleaseBody = z.object({ residentIds: z.array(ObjectId).max(1000).optional() }).strict();
export const Released = z.object({ released: z.number(), notified: z.number() });

const Status = z.enum(CASE_STATUSES);
export const CaseSummary = z.object({
  id: z.string(),
  programme: z.enum(PROGRAMMES),
  programmeLabel: z.string(),
  level: z.enum(LEVELS),
  levelLabel: z.string(),
  status: Status,
  statusLabel: z.string(),
  villageCode: z.string(),
  assigneeId: z.string().nullable(),
  dueAt: IsoDateTime.nullable(),
  overdue: z.boolean(),
  callbackRequested: z.boolean(),
  escalated: z.boolean(),
  residentWent: z.boolean(),
  hospital: z.string().nullable(),
  lostReason: z.string().nullable(),
  allowedNext: z.array(Status),
  createdAt: IsoDateTime,
});
export const CaseQuery = z.object({
  mine: z.enum(['true', 'false']).optional(),
  state: z.enum(['active', 'overdue', 'ended']).optional(),
});
export const CaseList = z.object({ items: z.array(CaseSummary.extend({ nameMasked: z.string(), village: z.string() })) }).openapi('ScreeningCaseList');

const Hospital = z.object({ name: z.string(), address: z.string(), phone: z.string() });
export const Hospitals = z.object({ items: z.array(Hospital) }).openapi('ScreeningHospitals');
export const HospitalBody = z
  .object({ name: z.string().trim().min(1).max(60), address: z.string().trim().max(100), phone: z.string().trim().max(30) })
  .strict();

const ContactView = z.object({
  id: z.string(),
  caseId: z.string().nullable(),
  on: day,
  kind: z.enum(CONTACT_KINDS),
  kindLabel: z.string(),
  topic: z.enum(TOPICS),
  topicLabel: z.string(),
  nextStep: z.enum(NEXT_STEPS),
  nextStepLabel: z.string(),
  by: z.string(),
});
export const CaseFull = CaseSummary.extend({
  resident: z.object({ name: z.string().nullable(), phone: z.string().nullable() }),
  contactDue: IsoDateTime,
  referralDue: IsoDateTime,
  result: ResultFull.omit({ caseId: true }).nullable(),
  history: z.array(
    z.object({
      seq: z.number(),
      from: Status.nullable(),
      to: Status,
      toLabel: z.string(),
      actorType: z.enum(['resident', 'staff', 'system']),
      actorName: z.string().nullable(),
      at: IsoDateTime,
      hospital: z.string().nullable(),
      lostReason: z.string().nullable(),
      note: z.string().nullable(),
    }),
  ),
  contacts: z.array(ContactView.extend({ note: z.string().nullable() })),
  hospitals: z.array(Hospital),
}).openapi('ScreeningCaseFull');

export const MoveBody = z
  .object({
    to: z.enum(['contacted', 'referred', 'attended', 'diagnosed', 'closed', 'lost']),
    hospital: z.string().trim().max(60).optional(),
    lostReason: z.enum(LOST_REASONS).optional(),
    note: z.string().trim().max(500).optional(),
  })
  .strict();

export const ContactBody = z
  .object({
    kind: z.enum(CONTACT_KINDS),
    topic: z.enum(TOPICS).optional(),
    nextStep: z.enum(NEXT_STEPS),
    on: day.optional(),
    note: z.string().trim().max(500).optional(),
  })
  .strict();
export const ResidentContactBody = ContactBody.extend({ residentId: ObjectId, topic: z.enum(TOPICS) }).strict();
export const ContactAdded = z.object({ contact: ContactView, caseStatus: Status.nullable(), caseStatusLabel: z.string().nullable() });
export const ContactList = z
  .object({ items: z.array(ContactView.extend({ nameMasked: z.string() })), nextCursor: z.string().nullable() })
  .openapi('ScreeningContactList');
export const ContactQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(30), cursor: ObjectId.optional() });

export const Summary = z.object({ open: z.number(), overdue: z.number(), callbacks: z.number() });

// resident
export const MyResults = z
  .object({
    items: z.array(
      z.object({
        talkId: z.string(),
        title: z.string(),
        day,
        consent: ConsentView,
        results: z.array(
          z.union([
            z.object({ id: z.string(), programme: z.enum(PROGRAMMES), programmeLabel: z.string(), released: z.literal(false) }),
            z.object({
              id: z.string(),
              programme: z.enum(PROGRAMMES),
              programmeLabel: z.string(),
              released: z.literal(true),
              level: z.enum(LEVELS),
              levelLabel: z.string(),
              items: z.array(z.object({ testLabel: z.string(), codeLabel: z.string(), level: z.enum(LEVELS) })),
              advice: z.array(z.string()),
              followUp: z
                .object({
                  status: Status,
                  statusLabel: z.string(),
                  nextStep: z.string(),
                  hospital: Hospital.nullable(),
                  callbackRequested: z.boolean(),
                  canCallBack: z.boolean(),
                  canConfirmWent: z.boolean(),
                })
                .nullable(),
            }),
          ]),
        ),
      }),
    ),
  })
  .openapi('MyScreeningResults');
export const CallbackDone = z.object({ callbackRequested: z.boolean() });
export const WentDone = z.object({ status: Status, statusLabel: z.string() });
