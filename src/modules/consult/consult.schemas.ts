import { IsoDateTime, ObjectId, z } from '../../http/zod';
import { QUESTION_STATUSES, TOPICS } from './consult.model';

const Topic = z.enum(TOPICS);
const Status = z.enum(QUESTION_STATUSES);
const text = (max: number, what: string) => z.string().trim().min(2, `请写下您的${what}`).max(max, `${what}不超过 ${max} 字`);

export const AskBody = z
  .object({
    topic: Topic,
    text: text(1000, '问题'),
    photoCount: z.number().int().min(0).max(3).default(0),
    callBack: z
      .object({ name: z.string().trim().min(1, '请填写称呼').max(20), phone: z.string().trim() })
      .strict()
      .optional(),
  })
  .strict()
  .openapi('ConsultAsk');
export const FollowUpBody = z.object({ text: text(500, '追问') }).strict();
export const RateBody = z.object({ rating: z.number().int().min(1).max(5), allowPublish: z.boolean().default(false) }).strict();
export const PhotoBody = z.object({ dataBase64: z.string().min(1).max(3_000_000) }).strict();
export const IdParams = z.object({ id: ObjectId }).strict();
export const PhotoParams = z.object({ id: ObjectId, photoId: ObjectId }).strict();
export const MediaParams = z.object({ token: z.string().regex(/^[A-Za-z0-9_-]{20,40}$/) }).strict();
export const StaffIdParams = z.object({ staffId: ObjectId }).strict();

export const AnswerBody = z.object({ text: z.string().trim().min(5, '回复至少 5 个字').max(2000, '回复不超过 2000 字') }).strict();
export const HandoverBody = z.object({ toStaffId: ObjectId }).strict();
export const CheckBody = z.object({ pass: z.boolean() }).strict();
export const PublishBody = z
  .object({ question: z.string().trim().min(5).max(1000), answer: z.string().trim().min(5).max(2000) })
  .strict()
  .openapi('ConsultPublish');
export const LinkExpertBody = z
  .object({
    expertId: ObjectId,
    topics: z.array(Topic).min(1).max(TOPICS.length),
    rank: z.number().int().min(1).max(999).optional(),
    active: z.boolean().optional(),
  })
  .strict()
  .openapi('ConsultExpertLink');

export const StaffListQuery = z
  .object({
    status: Status.optional(),
    topic: Topic.optional(),
    mine: z
      .enum(['true', 'false'])
      .transform((v) => v === 'true')
      .optional(),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: ObjectId.optional(),
  })
  .strict();
export const ExpertsQuery = z.object({ topic: Topic.optional() }).strict();
export const FaqQuery = z
  .object({
    topic: Topic.optional(),
    q: z.string().trim().max(40).optional(),
    limit: z.coerce.number().int().min(1).max(50).default(20),
    cursor: ObjectId.optional(),
  })
  .strict();
export const PushQuery = z
  .object({ signature: z.string().max(64), timestamp: z.string().max(20), nonce: z.string().max(40), echostr: z.string().max(100).optional() })
  .passthrough();
export const PushBody = z
  .object({
    Event: z.string().max(40).optional(),
    trace_id: z.string().max(80).optional(),
    result: z
      .object({ suggest: z.string().max(20) })
      .passthrough()
      .optional(),
  })
  .passthrough();

// ---- replies ----

const ExpertCard = z.object({ name: z.string(), title: z.string(), hospital: z.string() });
const Answer = z.object({ text: z.string().nullable(), at: IsoDateTime, expert: ExpertCard.nullable() });

export const QuestionForResident = z
  .object({
    id: z.string(),
    topic: Topic,
    topicLabel: z.string(),
    status: Status,
    statusLabel: z.string(),
    text: z.string().nullable(),
    callBack: z.boolean(),
    photoCount: z.number().int(),
    photosUploaded: z.number().int(),
    createdAt: IsoDateTime,
    dueDay: z.string().nullable(),
    answer: Answer.nullable(),
    followUp: z.object({ text: z.string().nullable(), at: IsoDateTime }).nullable(),
    followUpAnswer: Answer.nullable(),
    canFollowUp: z.boolean(),
    canRate: z.boolean(),
    rating: z.number().int().nullable(),
    allowPublish: z.boolean(),
    published: z.boolean(),
    personalErased: z.boolean(),
  })
  .openapi('ConsultQuestionForResident');
export const QuestionList = z.object({ items: z.array(QuestionForResident) });
export const PhotoAdded = z.object({ id: z.string(), slot: z.number().int(), check: z.literal('pending') });

export const QuestionListItem = z
  .object({
    id: z.string(),
    topic: Topic,
    topicLabel: z.string(),
    status: Status,
    statusLabel: z.string(),
    textHeld: z.boolean(),
    mine: z.boolean(),
    expertName: z.string().nullable(),
    callBack: z.boolean(),
    photoCount: z.number().int(),
    overdue: z.boolean(),
    overdueCount: z.number().int(),
    dueAt: IsoDateTime.nullable(),
    rating: z.number().int().nullable(),
    allowPublish: z.boolean(),
    published: z.boolean(),
    createdAt: IsoDateTime,
  })
  .openapi('ConsultQuestionListItem');

export const QuestionForStaff = QuestionListItem.extend({
  text: z.string().nullable(),
  callBackContact: z.object({ name: z.string(), phone: z.string() }).nullable(),
  photos: z.array(z.object({ id: z.string(), contentType: z.string(), size: z.number().int() })),
  followUp: z.object({ text: z.string().nullable(), at: IsoDateTime }).nullable(),
  answers: z.array(z.object({ n: z.number().int(), text: z.string().nullable(), at: IsoDateTime, expertName: z.string().nullable() })),
  routing: z.array(
    z.object({ expertName: z.string().nullable(), reason: z.enum(['new', 'overdue', 'handover']), byName: z.string().nullable(), at: IsoDateTime }),
  ),
  canAnswer: z.boolean(),
}).openapi('ConsultQuestionForStaff');

export const HeldList = z.object({
  items: z.array(z.object({ id: z.string(), topic: Topic, topicLabel: z.string(), text: z.string().nullable(), createdAt: IsoDateTime })),
});
export const CheckResult = z.object({ id: z.string(), status: Status, statusLabel: z.string() });

export const ConsultExpert = z
  .object({
    staffId: z.string(),
    expertId: z.string(),
    name: z.string(),
    title: z.string(),
    hospital: z.string(),
    topics: z.array(Topic),
    topicLabels: z.array(z.string()),
    rank: z.number().int(),
    active: z.boolean(),
  })
  .openapi('ConsultExpert');
export const ConsultExpertList = z.object({ items: z.array(ConsultExpert) });
export const ConsultMe = z.object({ expert: ConsultExpert.nullable(), waiting: z.number().int() });

export const Faq = z
  .object({ id: z.string(), topic: Topic, topicLabel: z.string(), question: z.string(), answer: z.string(), expertName: z.string(), publishedAt: IsoDateTime })
  .openapi('ConsultFaq');
