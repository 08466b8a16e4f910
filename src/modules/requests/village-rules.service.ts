import type { Types } from 'mongoose';
import { type Caller, inScope, type StaffPrincipal } from '../../access';
import type { AppContext } from '../../context';
import { insertWins } from '../../db/coordination';
import { AppError, forbidden, notFound } from '../../http/errors';
import { requireVillage } from '../areas';
import { getResident, registeredByVillage } from '../residents';
import { RulesReads, VillageRules, type VillageRulesDoc } from './requests.model';

const current = (app: AppContext, villageCode: string) => VillageRules(app.db).findOne({ villageCode }).sort({ version: -1 }).lean();

const view = (r: VillageRulesDoc) => ({
  villageCode: r.villageCode,
  version: r.version,
  title: r.title,
  text: r.text,
  publishedAt: r.publishedAt.toISOString(),
});

/** A village worker of the village, or an admin above it, publishes a new version; the unique version decides a race. */
export async function publishRules(app: AppContext, caller: Caller, input: { villageCode: string; title: string; text: string }) {
  const village = await requireVillage(app, input.villageCode);
  if (!inScope(caller.staff, village.path)) throw forbidden('只能发布本辖区村居的村规民约');
  for (let attempt = 0; attempt < 3; attempt++) {
    const version = ((await current(app, village.code))?.version ?? 0) + 1;
    const doc = {
      villageCode: village.code,
      areaPath: village.path,
      version,
      title: input.title,
      text: input.text,
      publishedBy: caller.staff.id,
      publishedAt: app.clock.now(),
    };
    if (await insertWins(() => VillageRules(app.db).create(doc))) {
      await caller.audit('village_rules.publish', { type: 'village_rules', id: `${village.code}:${version}` }, { version });
      return rulesStatus(app, caller.staff, village.code);
    }
  }
  throw new AppError('CONCURRENT_CHANGE', 409, '村规民约刚被其他人发布了，请刷新后再试');
}

/** The current version, how many residents registered in the village have read it, and the earlier versions. */
export async function rulesStatus(app: AppContext, staff: StaffPrincipal, villageCode: string) {
  const village = await requireVillage(app, villageCode);
  if (!inScope(staff, village.path)) throw notFound('村居');
  const versions = await VillageRules(app.db).find({ villageCode }).sort({ version: -1 }).limit(20).lean();
  const now = versions[0];
  const households = (await registeredByVillage(app, village.code)).get(village.code) ?? 0;
  const read = now ? await RulesReads(app.db).countDocuments({ villageCode, version: now.version }) : 0;
  return {
    villageCode,
    villageName: village.name,
    current: now ? view(now) : null,
    households,
    read,
    versions: versions.map((v) => ({ version: v.version, title: v.title, publishedAt: v.publishedAt.toISOString() })),
  };
}

/** The rules of the resident's village (or the one asked for); opening them counts as read, once per version. */
export async function readRules(app: AppContext, residentId: Types.ObjectId, villageCode?: string) {
  const resident = await getResident(app, residentId);
  const code = villageCode ?? resident.villageCode;
  if (!code) throw new AppError('NO_RULES', 404, '请先在“我的”里选择所在的村或社区');
  const village = await requireVillage(app, code);
  const rules = await current(app, village.code);
  if (!rules) throw new AppError('NO_RULES', 404, `${village.name}还没有发布村规民约`);
  if (resident.villageCode === village.code) {
    await insertWins(() =>
      RulesReads(app.db).create({
        _id: `${village.code}:${rules.version}:${String(residentId)}`,
        villageCode: village.code,
        version: rules.version,
        residentId,
        at: app.clock.now(),
      }),
    );
  }
  return { ...view(rules), villageName: village.name };
}

export async function eraseReads(app: AppContext, residentId: Types.ObjectId): Promise<void> {
  await RulesReads(app.db).deleteMany({ residentId });
}
