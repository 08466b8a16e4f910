import { IsoDateTime, ObjectId, z } from '../../http/zod';
import { REQUEST_KINDS, REQUEST_STATUSES } from './requests.model';

const Kind = z.enum(REQUEST_KINDS);
const Status = z.enum(REQUEST_STATUSES);

export const RaiseBody = z
  .object({
    kind: Kind,
    text: z.string().trim().min(2, '请写下您的诉求').max(1000, '诉求不超过 1000 字'),
    villageCode: z.string().min(1).max(40).optional(),
  })
  .strict()
  .openapi('RequestRaise');
export const RateBody = z.object({ rating: z.number().int().min(1).max(5), note: z.string().trim().max(300).optional() }).strict();
export const PhotoBody = z.object({ dataBase64: z.string().min(1).max(3_000_000) }).strict();
export const IdParams = z.object({ id: ObjectId }).strict();
export const PhotoParams = z.object({ id: ObjectId, photoId: ObjectId }).strict();
export const TransitionBody = z
  .object({
    to: z.enum(['in_progress', 'escalated', 'replied']),
    note: z.string().trim().max(300).optional(),
    reply: z.string().trim().min(2).max(1000).optional(),
  })
  .strict()
  .openapi('RequestTransition');
export const StaffListQuery = z
  .object({
    status: Status.optional(),
    kind: Kind.optional(),
    villageCode: z.string().min(1).max(40).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: ObjectId.optional(),
  })
  .strict();
export const RulesBody = z
  .object({
    villageCode: z.string().min(1).max(40),
    title: z.string().trim().min(2).max(60),
    text: z.string().trim().min(10, '村规民约内容太短').max(20_000),
  })
  .strict()
  .openapi('VillageRulesPublish');
export const RulesQuery = z.object({ villageCode: z.string().min(1).max(40) }).strict();
export const MyRulesQuery = z.object({ villageCode: z.string().min(1).max(40).optional() }).strict();

// ---- replies ----

export const RequestForResident = z
  .object({
    id: z.string(),
    kind: Kind,
    kindLabel: z.string(),
    status: Status,
    statusLabel: z.string(),
    text: z.string().nullable(),
    villageCode: z.string(),
    level: z.enum(['village', 'town']),
    dueDay: z.string().nullable(),
    photos: z.number().int(),
    canRate: z.boolean(),
    rating: z.number().int().nullable(),
    createdAt: IsoDateTime,
    steps: z.array(
      z.object({
        status: Status,
        statusLabel: z.string(),
        at: IsoDateTime,
        by: z.string(),
        reply: z.string().nullable(),
        note: z.string().nullable(),
        rating: z.number().int().nullable(),
      }),
    ),
    personalErased: z.boolean(),
  })
  .openapi('RequestForResident');
export const RequestList = z.object({ items: z.array(RequestForResident) });
export const PhotoAdded = z.object({ id: z.string(), slot: z.number().int(), contentType: z.string(), size: z.number().int() });

export const RequestListItem = z
  .object({
    id: z.string(),
    kind: Kind,
    kindLabel: z.string(),
    status: Status,
    statusLabel: z.string(),
    villageCode: z.string(),
    level: z.enum(['village', 'town']),
    dueAt: IsoDateTime.nullable(),
    overdue: z.boolean(),
    escalated: z.boolean(),
    rating: z.number().int().nullable(),
    reopenCount: z.number().int(),
    createdAt: IsoDateTime,
    updatedAt: IsoDateTime,
  })
  .openapi('RequestListItem');
export const RequestForStaff = RequestListItem.extend({
  text: z.string().nullable(),
  photos: z.array(z.object({ id: z.string(), contentType: z.string(), size: z.number().int() })),
  allowedNext: z.array(Status),
  history: z.array(
    z.object({
      seq: z.number().int(),
      from: z.string().nullable(),
      to: z.string(),
      actorType: z.enum(['resident', 'staff', 'system']),
      actorName: z.string().nullable(),
      at: IsoDateTime,
      note: z.string().nullable(),
      reply: z.string().nullable(),
      rating: z.number().int().nullable(),
    }),
  ),
}).openapi('RequestForStaff');

const Rules = z.object({ villageCode: z.string(), version: z.number().int(), title: z.string(), text: z.string(), publishedAt: IsoDateTime });
export const RulesForResident = Rules.extend({ villageName: z.string() }).openapi('VillageRules');
export const RulesStatus = z
  .object({
    villageCode: z.string(),
    villageName: z.string(),
    current: Rules.nullable(),
    households: z.number().int(),
    read: z.number().int(),
    versions: z.array(z.object({ version: z.number().int(), title: z.string(), publishedAt: IsoDateTime })),
  })
  .openapi('VillageRulesStatus');
