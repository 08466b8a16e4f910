import { Types } from 'mongoose';
import { type Caller, inScope, scopeFilter, type StaffPrincipal } from '../../access';
import type { AppContext } from '../../context';
import { AppError, forbidden, notFound, validationError } from '../../http/errors';
import { shanghaiDay } from '../../lib/shanghai';
import { findPage, type PageQuery } from '../../lib/pagination';
import { MAINLAND_MOBILE, maskName, maskPhone } from '../../lib/pii';
import { getArea } from '../areas';
import { getActiveStaff, linkedWechatIds, villageWorkerNames } from '../staff';
import { enqueue } from '../../notify/outbox.service';
import {
  CareFamilies,
  CareVisits,
  FAMILY_TYPE_LABELS,
  HelpRequests,
  VISIT_EVERY_DAYS,
  type CareFamilyDoc,
  type FamilyPersonal,
  type FamilyType,
} from './care.model';

const DAY = 86_400_000;

/**
 * Who sees a family: the village worker who registered it, the paired core member, and town/district admins whose
 * area holds it. Anyone else gets 404, as if it did not exist.
 */
function canSee(staff: StaffPrincipal, f: Pick<CareFamilyDoc, 'registeredBy' | 'pairedStaffId' | 'areaPath'>): boolean {
  if (staff.role === 'village_worker') return f.registeredBy === staff.id || f.pairedStaffId === staff.id;
  return inScope(staff, f.areaPath);
}

function visibleFilter(staff: StaffPrincipal): Record<string, unknown> {
  return staff.role === 'village_worker' ? { $or: [{ registeredBy: staff.id }, { pairedStaffId: staff.id }] } : scopeFilter(staff);
}

export async function familyFor(app: AppContext, staff: StaffPrincipal, id: string): Promise<CareFamilyDoc> {
  const f = Types.ObjectId.isValid(id) ? await CareFamilies(app.db).findById(id).lean() : null;
  if (!f || !canSee(staff, f)) throw notFound('关怀家庭');
  return f;
}

const openFamily = (app: AppContext, f: CareFamilyDoc): FamilyPersonal | null =>
  f.personalEnc ? (JSON.parse(app.pii.open(f.personalEnc)) as FamilyPersonal) : null;

/** Names and phone masked; the needs (health, hardship) are left out: they are read only in the audited full view. */
function maskPersonal(p: FamilyPersonal): Omit<FamilyPersonal, 'needs'> {
  return {
    contact: { name: maskName(p.contact.name), ...(p.contact.phone ? { phone: maskPhone(p.contact.phone) } : {}) },
    members: p.members.map((m) => ({ ...m, name: maskName(m.name) })),
  };
}

function familyView(app: AppContext, f: CareFamilyDoc, full: boolean, now: Date) {
  const p = openFamily(app, f);
  return {
    id: String(f._id),
    type: f.type,
    typeLabel: FAMILY_TYPE_LABELS[f.type],
    villageCode: f.villageCode,
    status: f.status,
    personal: p ? (full ? p : maskPersonal(p)) : null,
    registeredBy: f.registeredBy,
    pairedStaffId: f.pairedStaffId ?? null,
    visitEveryDays: f.visitEveryDays,
    lastVisitAt: f.lastVisitAt?.toISOString() ?? null,
    nextVisitDue: f.nextVisitDue.toISOString(),
    overdue: f.status === 'active' && f.nextVisitDue < now,
    consentAt: f.consent.at.toISOString(),
  };
}

interface FamilyInput extends FamilyPersonal {
  type: FamilyType;
  villageCode: string;
  pairedStaffId?: string;
  visitEveryDays?: number;
  consent: { method: 'signed_form' | 'in_person' };
}

async function checkPaired(app: AppContext, pairedStaffId: string | undefined, villagePath: string[]): Promise<void> {
  if (!pairedStaffId) return;
  const s = Types.ObjectId.isValid(pairedStaffId) ? await getActiveStaff(app, new Types.ObjectId(pairedStaffId)) : null;
  if (!s || s.role !== 'village_worker' || !villagePath.includes(s.areaCode)) throw validationError('pairedStaffId', '结对的骨干会员应是本村的工作人员');
}

/**
 * Who a family of this village may be paired with: its active village workers, by name. Any staff member whose area
 * holds the village may ask (a village worker registering a family picks a partner too), not only those who manage staff.
 */
export async function pairOptions(app: AppContext, staff: StaffPrincipal, villageCode: string) {
  const village = await getArea(app, villageCode);
  if (!village || !['village', 'community'].includes(village.level)) throw validationError('villageCode', '请选择村（社区）');
  if (!inScope(staff, village.path)) throw forbidden('只能查看本辖区的工作人员');
  return { items: await villageWorkerNames(app, village.code) };
}

/** A village worker registers a family of their village, with the family's consent recorded. */
export async function registerFamily(app: AppContext, caller: Caller, input: FamilyInput) {
  const village = await getArea(app, input.villageCode);
  if (!village || !['village', 'community'].includes(village.level)) throw validationError('villageCode', '请选择村（社区）');
  if (!inScope(caller.staff, village.path)) throw forbidden('只能登记本辖区的家庭');
  if (input.contact.phone && !MAINLAND_MOBILE.test(input.contact.phone)) throw validationError('contact.phone', '手机号格式不正确');
  await checkPaired(app, input.pairedStaffId, village.path);
  const now = app.clock.now();
  const every = input.visitEveryDays ?? VISIT_EVERY_DAYS[input.type];
  const personal: FamilyPersonal = { contact: input.contact, members: input.members, needs: input.needs };
  const doc = await CareFamilies(app.db).create({
    type: input.type,
    villageCode: village.code,
    areaPath: village.path,
    personalEnc: app.pii.seal(JSON.stringify(personal)),
    registeredBy: caller.staff.id,
    pairedStaffId: input.pairedStaffId,
    consent: { method: input.consent.method, recordedBy: caller.staff.id, at: now },
    status: 'active',
    visitEveryDays: every,
    nextVisitDue: new Date(now.getTime() + every * DAY),
    createdAt: now,
    updatedAt: now,
  });
  await caller.audit('care.family_register', { type: 'care_family', id: String(doc._id) }, { type: input.type, villageCode: village.code });
  return familyView(app, doc.toObject(), false, now);
}

export async function listFamilies(app: AppContext, staff: StaffPrincipal, q: PageQuery & { villageCode?: string; type?: FamilyType; overdue?: boolean }) {
  const now = app.clock.now();
  const filter: Record<string, unknown> = {
    ...visibleFilter(staff),
    ...(q.villageCode ? { villageCode: q.villageCode } : {}),
    ...(q.type ? { type: q.type } : {}),
    ...(q.overdue ? { status: 'active', nextVisitDue: { $lt: now } } : {}),
  };
  return findPage(CareFamilies(app.db), filter, q, (rows) => rows.map((f) => familyView(app, f, false, now)));
}

/** The full record: every view is audited. */
export async function viewFamily(app: AppContext, caller: Caller, id: string) {
  const f = await familyFor(app, caller.staff, id);
  await caller.audit('care.family_view', { type: 'care_family', id });
  return familyView(app, f, true, app.clock.now());
}

export async function updateFamily(
  app: AppContext,
  caller: Caller,
  id: string,
  patch: { pairedStaffId?: string | null; visitEveryDays?: number; needs?: string },
) {
  const f = await familyFor(app, caller.staff, id);
  if (f.status !== 'active') throw new AppError('FAMILY_CLOSED', 409, '该家庭已不在关怀名单中');
  const set: Record<string, unknown> = { updatedAt: app.clock.now() };
  const unset: Record<string, 1> = {};
  if (patch.pairedStaffId === null) unset.pairedStaffId = 1;
  else if (patch.pairedStaffId) {
    await checkPaired(app, patch.pairedStaffId, f.areaPath);
    set.pairedStaffId = patch.pairedStaffId;
  }
  if (patch.visitEveryDays) {
    set.visitEveryDays = patch.visitEveryDays;
    set.nextVisitDue = new Date((f.lastVisitAt ?? f.createdAt).getTime() + patch.visitEveryDays * DAY);
  }
  if (patch.needs !== undefined) {
    const p = openFamily(app, f)!;
    set.personalEnc = app.pii.seal(JSON.stringify({ ...p, needs: patch.needs }));
  }
  await CareFamilies(app.db).updateOne({ _id: f._id }, { $set: set, ...(Object.keys(unset).length ? { $unset: unset } : {}) });
  await caller.audit('care.family_update', { type: 'care_family', id }, { fields: Object.keys(patch) });
  return familyView(app, { ...f, ...set, ...(unset.pairedStaffId ? { pairedStaffId: undefined } : {}) } as CareFamilyDoc, false, app.clock.now());
}

/** The family withdraws its consent: personal data is erased at once; type, village and dates stay for figures. */
export async function withdrawConsent(app: AppContext, caller: Caller, id: string) {
  const f = await familyFor(app, caller.staff, id);
  await erasePersonal(app, f._id, 'withdrawn');
  await caller.audit('care.consent_withdrawn', { type: 'care_family', id });
  return familyView(app, (await CareFamilies(app.db).findById(f._id).lean())!, false, app.clock.now());
}

/** Off the list (moved away, no longer eligible): personal data is kept REFERRAL_RETENTION_DAYS, then erased. */
export async function closeFamily(app: AppContext, caller: Caller, id: string, reason: string) {
  const f = await familyFor(app, caller.staff, id);
  if (f.status !== 'active') throw new AppError('FAMILY_CLOSED', 409, '该家庭已不在关怀名单中');
  const now = app.clock.now();
  await CareFamilies(app.db).updateOne({ _id: f._id }, { $set: { status: 'closed', closedAt: now, updatedAt: now } });
  await caller.audit('care.family_close', { type: 'care_family', id }, { reason });
  return familyView(app, { ...f, status: 'closed', closedAt: now }, false, now);
}

export async function erasePersonal(app: AppContext, id: Types.ObjectId, status?: 'withdrawn'): Promise<void> {
  const now = app.clock.now();
  await CareVisits(app.db).updateMany({ familyId: id }, { $unset: { notesEnc: 1 } });
  await HelpRequests(app.db).updateMany({ familyId: id }, { $unset: { detailEnc: 1 } });
  await CareFamilies(app.db).updateOne(
    { _id: id },
    { $unset: { personalEnc: 1 }, $set: { personalErasedAt: now, updatedAt: now, ...(status ? { status, closedAt: now } : {}) } },
  );
}

export async function runCareRetention(app: AppContext): Promise<{ erased: number }> {
  const cutoff = new Date(app.clock.now().getTime() - app.config.REFERRAL_RETENTION_DAYS * DAY);
  const due = await CareFamilies(app.db)
    .find({ closedAt: { $lt: cutoff }, personalErasedAt: { $exists: false } }, { _id: 1 })
    .lean();
  for (const f of due) await erasePersonal(app, f._id);
  return { erased: due.length };
}

// ---- visits ----

export async function addVisit(app: AppContext, caller: Caller, id: string, input: { on: string; done: string; nextStep?: string }) {
  const f = await familyFor(app, caller.staff, id);
  if (f.status !== 'active') throw new AppError('FAMILY_CLOSED', 409, '该家庭已不在关怀名单中');
  const at = new Date(`${input.on}T12:00:00+08:00`);
  const now = app.clock.now();
  if (at.getTime() > now.getTime() + DAY) throw validationError('on', '走访日期不能晚于今天');
  const v = await CareVisits(app.db).create({
    familyId: f._id,
    villageCode: f.villageCode,
    areaPath: f.areaPath,
    on: input.on,
    at,
    byStaffId: caller.staff.id,
    byName: caller.staff.username,
    notesEnc: app.pii.seal(JSON.stringify({ done: input.done, nextStep: input.nextStep ?? '' })),
    createdAt: now,
  });
  if (!f.lastVisitAt || at > f.lastVisitAt) {
    await CareFamilies(app.db).updateOne(
      { _id: f._id },
      { $set: { lastVisitAt: at, nextVisitDue: new Date(at.getTime() + f.visitEveryDays * DAY), updatedAt: now } },
    );
  }
  await caller.audit('care.visit_add', { type: 'care_family', id }, { visitId: String(v._id) });
  return { id: String(v._id), on: input.on, by: caller.staff.username, done: input.done, nextStep: input.nextStep ?? '' };
}

/** The visit log with its notes: a full view, audited. */
export async function listVisits(app: AppContext, caller: Caller, id: string) {
  const f = await familyFor(app, caller.staff, id);
  const rows = await CareVisits(app.db).find({ familyId: f._id }).sort({ at: -1 }).limit(100).lean();
  await caller.audit('care.visits_view', { type: 'care_family', id });
  return {
    items: rows.map((v) => {
      const n = v.notesEnc ? (JSON.parse(app.pii.open(v.notesEnc)) as { done: string; nextStep: string }) : { done: '', nextStep: '' };
      return { id: String(v._id), on: v.on, by: v.byName, done: n.done, nextStep: n.nextStep };
    }),
  };
}

// ---- figures, export, reminders ----

/** Families by type, visits due and done, help requests open — per village of the staff member's area. */
export async function figures(app: AppContext, staff: StaffPrincipal, since?: string) {
  if (staff.role === 'village_worker') throw forbidden('统计由镇街或区管理员查看');
  const now = app.clock.now();
  const from = since ? new Date(`${since}T00:00:00+08:00`) : new Date(now.getTime() - 30 * DAY);
  const scope = scopeFilter(staff);
  const [byType, overdue, visits, help] = await Promise.all([
    CareFamilies(app.db).aggregate<{ _id: { v: string; t: FamilyType }; n: number }>([
      { $match: { ...scope, status: 'active' } },
      { $group: { _id: { v: '$villageCode', t: '$type' }, n: { $sum: 1 } } },
    ]),
    CareFamilies(app.db).aggregate<{ _id: string; n: number }>([
      { $match: { ...scope, status: 'active', nextVisitDue: { $lt: now } } },
      { $group: { _id: '$villageCode', n: { $sum: 1 } } },
    ]),
    CareVisits(app.db).aggregate<{ _id: string; n: number }>([
      { $match: { ...scope, at: { $gte: from } } },
      { $group: { _id: '$villageCode', n: { $sum: 1 } } },
    ]),
    HelpRequests(app.db).aggregate<{ _id: string; n: number }>([
      { $match: { ...scope, status: { $in: ['open', 'in_progress'] } } },
      { $group: { _id: '$villageCode', n: { $sum: 1 } } },
    ]),
  ]);
  const villages = new Map<string, { villageCode: string; families: Record<string, number>; visitsOverdue: number; visitsDone: number; helpOpen: number }>();
  const row = (v: string) => villages.get(v) ?? villages.set(v, { villageCode: v, families: {}, visitsOverdue: 0, visitsDone: 0, helpOpen: 0 }).get(v)!;
  for (const r of byType) row(r._id.v).families[r._id.t] = r.n;
  for (const r of overdue) row(r._id).visitsOverdue = r.n;
  for (const r of visits) row(r._id).visitsDone = r.n;
  for (const r of help) row(r._id).helpOpen = r.n;
  return { since: shanghaiDay(from), villages: [...villages.values()].sort((a, b) => a.villageCode.localeCompare(b.villageCode)) };
}

/** A list for printing: masked unless a district admin asks; audited with its row count either way. */
export async function exportFamilies(app: AppContext, caller: Caller) {
  const full = caller.staff.role === 'district_admin';
  const rows = await CareFamilies(app.db)
    .find({ ...visibleFilter(caller.staff), status: 'active' })
    .sort({ villageCode: 1, _id: 1 })
    .limit(5000)
    .lean();
  const now = app.clock.now();
  await caller.audit('care.export', { type: 'care_family', id: 'export' }, { rows: rows.length, full });
  return { full, items: rows.map((f) => familyView(app, f, full, now)) };
}

/**
 * Each morning, every responsible village worker (registering worker or paired core member) with overdue visits
 * and a linked WeChat gets one private bot message — a count, never a name. Keyed per worker and day: queued once.
 */
export async function queueOverdueReminders(app: AppContext): Promise<{ queued: number }> {
  const now = app.clock.now();
  const due = await CareFamilies(app.db)
    .find({ status: 'active', nextVisitDue: { $lt: now } }, { registeredBy: 1, pairedStaffId: 1, areaPath: 1 })
    .lean();
  const perStaff = new Map<string, number>();
  for (const f of due) for (const s of new Set([f.registeredBy, f.pairedStaffId].filter((x): x is string => !!x))) perStaff.set(s, (perStaff.get(s) ?? 0) + 1);
  if (!perStaff.size) return { queued: 0 };
  const linked = await linkedWechatIds(app, [...perStaff.keys()]);
  let queued = 0;
  const day = shanghaiDay(now);
  for (const [staffId, wechatId] of linked) {
    const n = perStaff.get(staffId)!;
    const r = await enqueue(app, {
      key: `care:overdue:${staffId}:${day}`,
      channel: 'room',
      payload: {
        contactId: wechatId,
        text: `您好，您负责的关怀家庭中有 ${n} 户已到走访时间，请安排走访，并在工作台登记走访记录。`,
        expiresAt: new Date(now.getTime() + 12 * 3600_000).toISOString(),
      },
      source: { task: 'care.reminders' },
      areaPath: [],
    });
    if (r.created) queued++;
  }
  return { queued };
}
