import { Types } from 'mongoose';
import type { Caller, StaffPrincipal } from '../../access';
import type { AppContext } from '../../context';
import { AppError, notFound } from '../../http/errors';
import { caseWorkflow } from '../../lib/case-workflow';
import type { Edges } from '../../lib/workflow';
import { familyFor } from './care.service';
import { HelpRequests, HelpTransitions, type HelpRequestDoc, type HelpStatus, type HelpTransitionDoc } from './care.model';
import { careHelpStatus } from '../../dictionaries';

/** open → in_progress → resolved; a request can be declined (with a note) before it is resolved. */
const HELP_EDGES: Edges<HelpStatus> = { open: ['in_progress', 'declined'], in_progress: ['resolved', 'declined'], resolved: [], declined: [] };
const HELP_LABELS = careHelpStatus.labels;

type Extra = { note?: string };

const workflow = caseWorkflow<HelpStatus, HelpRequestDoc, HelpTransitionDoc, Extra>({
  noun: '求助',
  cases: HelpRequests,
  transitions: HelpTransitions,
  caseField: 'helpRequestId',
  edges: HELP_EDGES,
  labels: HELP_LABELS,
  required: { declined: ['note', '请说明未能帮助的原因'] },
});

function view(app: AppContext, h: HelpRequestDoc, full: boolean) {
  return {
    id: String(h._id),
    familyId: String(h.familyId),
    kind: h.kind,
    status: h.status,
    statusLabel: HELP_LABELS[h.status],
    detail: full && h.detailEnc ? app.pii.open(h.detailEnc) : null,
    createdAt: h.createdAt.toISOString(),
    updatedAt: h.updatedAt.toISOString(),
  };
}

export async function openHelpRequest(app: AppContext, caller: Caller, familyId: string, input: { kind: HelpRequestDoc['kind']; detail: string }) {
  const f = await familyFor(app, caller.staff, familyId);
  if (f.status !== 'active') throw new AppError('FAMILY_CLOSED', 409, '该家庭已不在关怀名单中');
  const id = new Types.ObjectId();
  const now = app.clock.now();
  await workflow.open(app, id, 'open', caller.actor, now);
  const doc = await HelpRequests(app.db).create({
    _id: id,
    familyId: f._id,
    villageCode: f.villageCode,
    areaPath: f.areaPath,
    kind: input.kind,
    detailEnc: app.pii.seal(input.detail),
    status: 'open',
    seq: 0,
    createdBy: caller.staff.id,
    createdAt: now,
    updatedAt: now,
  });
  await caller.audit('care.help_open', { type: 'care_help', id: String(id) }, { familyId });
  return view(app, doc.toObject(), true);
}

async function helpFor(app: AppContext, staff: StaffPrincipal, id: string): Promise<HelpRequestDoc> {
  const h = Types.ObjectId.isValid(id) ? await HelpRequests(app.db).findById(id).lean() : null;
  if (!h) throw notFound('求助');
  await familyFor(app, staff, String(h.familyId)); // the family's visibility rules apply to its requests
  return h;
}

export async function listHelpRequests(app: AppContext, caller: Caller, familyId: string) {
  const f = await familyFor(app, caller.staff, familyId);
  const rows = await HelpRequests(app.db).find({ familyId: f._id }).sort({ _id: -1 }).limit(100).lean();
  await caller.audit('care.help_view', { type: 'care_family', id: familyId });
  return { items: rows.map((h) => view(app, h, true)) };
}

export async function moveHelpRequest(app: AppContext, caller: Caller, id: string, to: HelpStatus, note?: string) {
  const h = await helpFor(app, caller.staff, id);
  workflow.checkRequired(to, { note });
  const moved = await workflow.apply(app, h._id, to, caller.actor, note ? { note } : {});
  await caller.audit(`care.help_${to}`, { type: 'care_help', id });
  return { ...view(app, moved, false), history: workflow.historyView(await workflow.history(app, h._id)) };
}
