import { Schema, type Connection, type Model, type SchemaDefinition, type Types } from 'mongoose';
import { type Actor, assertInScope, scopeFilter, type StaffPrincipal } from '../access';
import type { AppContext } from '../context';
import { isDuplicateKey } from '../db/model';
import { AppError, notFound, validationError } from '../http/errors';
import { enqueue } from '../notify/outbox.service';
import { shanghaiDay } from './shanghai';
import { findPage, type Page } from './pagination';
import { canMove, isTerminal, type Edges } from './workflow';

/**
 * A case (referral, enrolment, care record…) moves along allowed edges only. A change is the insert of transition
 * `seq + 1` under a unique (case, seq) index, so of two concurrent changes one applies; the case document follows
 * from its transitions (`settle`), and each applied transition queues exactly one subscribe notice.
 */

/** What every case document has; a case without a resident (a care help request) sends no notice. */
interface CaseBase<S extends string> {
  _id: Types.ObjectId;
  residentId?: Types.ObjectId;
  areaPath: string[];
  status: S;
  /** Number of the last applied transition (0 = submission). */
  seq: number;
}

/** What every transition document has; a workflow adds its case reference and the extras it records. */
export interface TransitionBase<S extends string> {
  _id: Types.ObjectId;
  seq: number;
  from: S | null;
  to: S;
  actorType: Actor['type'];
  actorId: string;
  actorName?: string;
  note?: string;
  at: Date;
}

/** Schema of a transition collection: the case reference, the common fields, the extras; unique (case, seq). */
export function transitionSchema<T>(caseField: string, extras: SchemaDefinition = {}): Schema<T> {
  const schema = new Schema<T>({
    [caseField]: { type: Schema.Types.ObjectId, required: true },
    seq: { type: Number, required: true },
    from: { type: String, default: null },
    to: { type: String, required: true },
    actorType: { type: String, required: true },
    actorId: { type: String, required: true },
    actorName: String,
    note: String,
    ...extras,
    at: { type: Date, required: true },
  } as SchemaDefinition);
  schema.index({ [caseField]: 1, seq: 1 }, { unique: true });
  return schema;
}

interface CaseWorkflowSpec<S extends string, C extends CaseBase<S>, T extends TransitionBase<S>, X extends object> {
  /** What the case is called in a 404 (`转介记录`). */
  noun: string;
  cases: (db: Connection) => Model<C>;
  transitions: (db: Connection) => Model<T>;
  /** The transition field that references the case (`referralId`). */
  caseField: keyof T & string;
  edges: Edges<S>;
  labels: Readonly<Record<S, string>>;
  /** Extras a staff member must give when moving to a status: the field and the message when it is missing. */
  required?: Partial<Record<S, readonly [keyof X & string, string]>>;
  /** Extras a transition copies onto the case when given. */
  carry?: ReadonlyArray<keyof X & string>;
  /** Extras shown in the staff history beside the common fields. */
  historyExtras?: ReadonlyArray<keyof X & string>;
  /** More fields to set on the case when a transition is applied (e.g. when it closes). */
  stamp?: (t: T, terminal: boolean) => Record<string, unknown>;
  /** Runs after a transition is applied to the case, before its notice is queued. */
  afterApply?: (app: AppContext, c: C, t: T, terminal: boolean) => Promise<void>;
  /** The subscribe notice of an applied transition to the case's resident: key prefix, template, page, programme. */
  notice?: { key: string; templateKey: string; page: string; programme: string };
}

interface HistoryEntry {
  seq: number;
  from: string | null;
  to: string;
  actorType: Actor['type'];
  actorName: string | null;
  at: string;
  note: string | null;
  [extra: string]: unknown;
}

interface CaseWorkflow<S extends string, C extends CaseBase<S>, T extends TransitionBase<S>, X extends object> {
  /** Record the opening transition (seq 0) of a new case; insert the case document after it. */
  open(app: AppContext, id: Types.ObjectId, to: S, actor: Actor, at: Date): Promise<void>;
  apply(app: AppContext, id: Types.ObjectId, to: S, actor: Actor, extra: X): Promise<C>;
  settle(app: AppContext, id: Types.ObjectId): Promise<C>;
  /** Refuse a staff move that lacks the extras its target status needs. */
  checkRequired(to: S, extra: Partial<X>): void;
  /** The case if it lies in the staff member's area (404 when missing, 403 when outside). */
  inScope(app: AppContext, staff: StaffPrincipal, id: Types.ObjectId): Promise<C>;
  /** A page of cases in the staff member's area, newest first. */
  staffPage<R>(
    app: AppContext,
    staff: StaffPrincipal,
    filter: Record<string, unknown>,
    q: { limit: number; cursor?: string },
    shape: (rows: C[]) => R[] | Promise<R[]>,
  ): Promise<Page<R>>;
  history(app: AppContext, id: Types.ObjectId): Promise<T[]>;
  historyView(steps: T[]): HistoryEntry[];
}

export function caseWorkflow<S extends string, C extends CaseBase<S>, T extends TransitionBase<S>, X extends object>(
  spec: CaseWorkflowSpec<S, C, T, X>,
): CaseWorkflow<S, C, T, X> {
  const label = spec.labels;

  async function load(app: AppContext, id: Types.ObjectId): Promise<C> {
    const c = (await spec.cases(app.db).findById(id).lean()) as C | null;
    if (!c) throw notFound(spec.noun);
    return c;
  }

  async function settle(app: AppContext, id: Types.ObjectId): Promise<C> {
    let c = await load(app, id);
    const pending = (await spec
      .transitions(app.db)
      .find({ [spec.caseField]: id, seq: { $gt: c.seq } })
      .sort({ seq: 1 })
      .lean()) as T[];
    for (const t of pending) {
      const terminal = isTerminal(spec.edges, t.to);
      const set: Record<string, unknown> = { status: t.to, seq: t.seq, updatedAt: t.at };
      for (const k of spec.carry ?? []) if ((t as Record<string, unknown>)[k]) set[k] = (t as Record<string, unknown>)[k];
      Object.assign(set, spec.stamp?.(t, terminal));
      await spec.cases(app.db).updateOne({ _id: id, seq: t.seq - 1 }, { $set: set });
      c = { ...c, ...(set as Partial<C>) };
      await spec.afterApply?.(app, c, t, terminal);
      if (!spec.notice || !c.residentId) continue;
      await enqueue(app, {
        key: `${spec.notice.key}:${String(id)}:status:${t.seq}`,
        channel: 'subscribe',
        payload: {
          residentId: String(c.residentId),
          templateKey: spec.notice.templateKey,
          page: spec.notice.page,
          data: { thing1: spec.notice.programme, phrase2: label[t.to], time3: shanghaiDay(t.at) },
        },
        source: { [spec.caseField]: String(id) },
        areaPath: c.areaPath,
      });
    }
    return c;
  }

  return {
    async open(app, id, to, actor, at) {
      await spec.transitions(app.db).create({ [spec.caseField]: id, seq: 0, from: null, to, actorType: actor.type, actorId: actor.id, at });
    },

    async apply(app, id, to, actor, extra) {
      const c = await settle(app, id);
      if (!canMove(spec.edges, c.status, to)) {
        throw new AppError('INVALID_TRANSITION', 409, `当前状态“${label[c.status]}”不能改为“${label[to]}”`, { from: c.status, to });
      }
      try {
        await spec.transitions(app.db).create({
          [spec.caseField]: id,
          seq: c.seq + 1,
          from: c.status,
          to,
          actorType: actor.type,
          actorId: actor.id,
          actorName: actor.name,
          at: app.clock.now(),
          ...extra,
        });
      } catch (err) {
        if (isDuplicateKey(err)) throw new AppError('CONCURRENT_CHANGE', 409, '状态刚被其他人更改，请刷新后再试');
        throw err;
      }
      return settle(app, id);
    },

    settle,

    checkRequired(to, extra) {
      const need = spec.required?.[to];
      if (need && !extra[need[0]]) throw validationError(need[0], need[1]);
    },

    async inScope(app, staff, id) {
      const c = await load(app, id);
      assertInScope(staff, c.areaPath);
      return c;
    },

    staffPage(app, staff, filter, q, shape) {
      return findPage(spec.cases(app.db), { ...scopeFilter(staff), ...filter }, q, shape);
    },

    async history(app, id) {
      return (await spec
        .transitions(app.db)
        .find({ [spec.caseField]: id })
        .sort({ seq: 1 })
        .lean()) as T[];
    },

    historyView(steps) {
      return steps.map((s) => {
        const entry: HistoryEntry = {
          seq: s.seq,
          from: s.from,
          to: s.to,
          actorType: s.actorType,
          actorName: s.actorName ?? null,
          at: s.at.toISOString(),
          note: s.note ?? null,
        };
        for (const k of spec.historyExtras ?? []) entry[k] = (s as Record<string, unknown>)[k] ?? null;
        return entry;
      });
    },
  };
}
