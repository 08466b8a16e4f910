import { Types } from 'mongoose';
import { idCardCheckChar } from '../../src/lib/idcard';
import { Areas } from '../../src/modules/areas/areas.model';
import { AuditLog } from '../../src/modules/audit/audit.model';
import { Enrolments } from '../../src/modules/insurance/insurance.model';
import { createProduct } from '../../src/modules/insurance/insurance.products';
import { createStaff } from '../../src/modules/staff/staff.service';
import { callerFor, seedVillages, staffLogin, VILLAGE_A, VILLAGE_B } from '../../test/helpers/fixtures';
import type { BenchHarness } from './harness';

/**
 * Issue 6: XLSX export of 20,000 enrolments — time and peak memory. Streaming shows as heap growth that does not
 * scale with the row count: the same export of a quarter of the rows is measured for comparison.
 */
const ENROLMENTS = Number(process.env.CARE_BENCH_ENROLMENTS ?? 20_000);
const SMALL = Math.round(ENROLMENTS / 4);
const MB = 1024 * 1024;

async function seed(h: BenchHarness, productId: string, count: number): Promise<void> {
  const { t } = h;
  const villages = await Areas(t.db)
    .find({ code: { $in: [VILLAGE_A, VILLAGE_B] } })
    .lean();
  for (let from = 0; from < count; from += 2000) {
    const docs = [];
    for (let i = from; i < Math.min(count, from + 2000); i++) {
      const first17 = `370303${1950 + (i % 60)}0101${String(i % 1000).padStart(3, '0')}`;
      const idCard = first17 + idCardCheckChar(first17);
      const v = villages[i % villages.length]!;
      docs.push({
        productId: new Types.ObjectId(productId),
        residentId: new Types.ObjectId(),
        villageCode: v.code,
        areaPath: v.path,
        applicantPhoneEnc: t.app.pii.seal(`139${String(i).padStart(8, '0')}`),
        insured: [
          {
            nameEnc: t.app.pii.seal(`居民${i}`),
            idCardEnc: t.app.pii.seal(idCard),
            idIndex: t.app.pii.blindIndex('idcard', idCard),
            relation: '本人',
            planCode: 'A',
            premiumFen: 5000,
          },
        ],
        totalFen: 5000,
        status: 'issued',
        seq: 3,
        policyNo: `PZB${i}`,
        payment: { method: 'cash', paidAt: '2026-11-28', amountFen: 5000 },
        createdAt: new Date(),
        updatedAt: new Date(),
      });
    }
    await Enrolments(t.db).insertMany(docs, { lean: true });
  }
}

/** Download the export without keeping it, sampling this process's memory (server and client share it). */
async function exportOnce(h: BenchHarness, productId: string, token: string) {
  const base = process.memoryUsage();
  let peakRss = base.rss;
  let peakHeap = base.heapUsed;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 20);
  const started = Date.now();
  const res = await fetch(`${h.t.url}/api/admin/v1/insurance/products/${productId}/export.xlsx`, { headers: { authorization: `Bearer ${token}` } });
  let bytes = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) bytes += chunk.length;
  const ms = Date.now() - started;
  clearInterval(sampler);
  const audit = await AuditLog(h.t.db).findOne({ action: 'insurance.export_xlsx', targetId: productId }).lean();
  return { status: res.status, ms, bytes, rows: Number(audit?.details?.rowCount ?? -1), base, peakRss, peakHeap };
}

const product = (name: string) => ({
  year: 2027,
  name,
  insurer: '中国人寿淄博分公司',
  plans: [{ code: 'A', name: '基础保障', premiumFen: 5000, coverage: [{ item: '意外身故', amountFen: 5_000_000 }] }],
  enrolFrom: '2026-11-01',
  enrolTo: '2026-12-31',
  policyStart: '2027-01-01',
  policyEnd: '2027-12-31',
  eligibility: { description: '计生家庭成员', minAge: 0, maxAge: 80 },
});

export default async function care(h: BenchHarness): Promise<void> {
  const { t } = h;
  await seedVillages(t);
  const owner = await createStaff(t.app, { username: 'bench-products', password: 'correct-horse-battery', role: 'district_admin', areaCode: '370303' });
  const big = await createProduct(t.app, callerFor(t, owner), product('大批量'));
  const small = await createProduct(t.app, callerFor(t, owner), product('对照'));
  const admin = await staffLogin(t, 'district_admin', '370303');
  const seedStart = Date.now();
  await seed(h, big.id, ENROLMENTS);
  await seed(h, small.id, SMALL);
  const seedSec = (Date.now() - seedStart) / 1000;

  const health = await h.load({ title: 'healthz', path: '/healthz', connections: 20, durationSec: 3 });
  const a = await exportOnce(h, small.id, admin.token);
  const b = await exportOnce(h, big.id, admin.token);

  const growth = (r: typeof a) => (r.peakHeap - r.base.heapUsed) / MB;
  const line = (r: typeof a) => ({
    time: `${(r.ms / 1000).toFixed(2)} s (${Math.round(r.rows / (r.ms / 1000))} rows/s)`,
    size: `${(r.bytes / MB).toFixed(2)} MB, ${r.rows} rows (audited), HTTP ${r.status}`,
    mem: `rss ${(r.base.rss / MB).toFixed(0)} → peak ${(r.peakRss / MB).toFixed(0)} MB; heapUsed ${(r.base.heapUsed / MB).toFixed(0)} → peak ${(r.peakHeap / MB).toFixed(0)} MB (+${growth(r).toFixed(1)})`,
  });
  const la = line(a);
  const lb = line(b);
  h.print(`care: insurer XLSX export (database: ${h.dbKind}, one process serves and downloads)`, {
    'seeded with insertMany': `${ENROLMENTS} + ${SMALL} enrolments in ${seedSec.toFixed(1)} s`,
    [`export ${ENROLMENTS} rows: time`]: lb.time,
    [`export ${ENROLMENTS} rows: file`]: lb.size,
    [`export ${ENROLMENTS} rows: memory`]: lb.mem,
    [`export ${SMALL} rows: time`]: la.time,
    [`export ${SMALL} rows: file`]: la.size,
    [`export ${SMALL} rows: memory`]: la.mem,
    'heap growth ratio (big / small export)': (growth(b) / Math.max(growth(a), 0.1)).toFixed(2),
    'row ratio (big / small export)': (ENROLMENTS / SMALL).toFixed(1),
    'GET /healthz requests/s (same run)': health.rps,
  });
}
