import crypto from 'node:crypto';
import type { TestApp } from './app';
import { residentLogin, seedVillages, staffLogin, TOWN_MS, VILLAGE_A, VILLAGE_B } from './fixtures';
import { createProduct, idOf } from './insurance';
import { createContest, rightAnswers, seedQuestionBank } from './quiz';
import { publishedTalk } from './talks';

/** A small district's worth of data, made through the APIs as residents and staff would. */
export interface Dataset {
  residents: Array<{ name: string; token: string; id: string }>;
  staff: { district: string; town: string };
  talkId: string;
  referralId: string;
  photoId: string;
  enrolmentId: string;
  contestId: string;
}

export const STAFF_PASSWORD = 'correct-horse-battery';
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), crypto.randomBytes(3000)]);

async function ok(res: Promise<{ status: number; body: any }>, status = 200): Promise<any> {
  const r = await res;
  if (r.status !== status) throw new Error(`expected ${status}, got ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body;
}

export async function buildDataset(t: TestApp): Promise<Dataset> {
  await seedVillages(t);
  await seedQuestionBank(t.app);
  const district = await staffLogin(t, 'district_admin', '370303', 'drill-district');
  const town = await staffLogin(t, 'town_admin', TOWN_MS, 'drill-town');
  const residents = [];
  for (let i = 0; i < 6; i++) {
    const name = `drill-r${i}`;
    residents.push({
      name,
      ...(await residentLogin(t, name, { village: i % 2 ? VILLAGE_B : VILLAGE_A, phone: `1380000${1000 + i}`, realName: `居民${'甲乙丙丁戊己'[i]}` })),
    });
  }
  const [guardian, quizzer, insured] = residents as [Dataset['residents'][0], Dataset['residents'][0], Dataset['residents'][0]];
  const policyVersion = t.app.config.POLICY_VERSION;

  const talk = await publishedTalk(t, town.token);
  for (const r of residents.slice(0, 4)) await ok(t.request('POST', `/api/v1/talks/${talk.id}/registrations`, { token: r.token, body: {} }), 201);

  await ok(t.request('POST', '/api/v1/me/consents', { token: guardian.token, body: { purpose: 'child-data', policyVersion, guardianRelation: '母亲' } }), 201);
  const referral = await ok(
    t.request('POST', '/api/v1/referrals', {
      token: guardian.token,
      body: {
        childName: '李小宝',
        childSex: 'male',
        childBirthDate: '2026-07-10',
        condition: 'cleft_lip',
        diagnosed: true,
        diagnosedWhere: '淄博市妇幼保健院',
        otherConditions: '先天性心脏病待查',
        household: ['dibao'],
        guardianRelation: '母亲',
        guardianPhone: '13912345678',
        villageCode: VILLAGE_A,
      },
    }),
    201,
  );
  const photo = await ok(
    t.request('POST', `/api/v1/referrals/${referral.id}/photos`, { token: guardian.token, body: { dataBase64: PNG.toString('base64') } }),
    201,
  );

  const productId = await createProduct(t, district.token);
  await ok(t.request('POST', '/api/v1/me/consents', { token: insured.token, body: { purpose: 'insurance', policyVersion } }), 201);
  const enrolment = await ok(
    t.request('POST', '/api/v1/insurance/enrolments', {
      token: insured.token,
      body: {
        productId,
        applicantPhone: '13911112222',
        insured: [
          { name: '王大明', idCard: idOf('19800101', '123'), birthDate: '1980-01-01', sex: 'male', relation: '本人', planCode: 'A' },
          { name: '王小红', idCard: idOf('20100505', '124'), birthDate: '2010-05-05', sex: 'female', relation: '子女', planCode: 'A' },
        ],
      },
    }),
    201,
  );

  const contestId = await createContest(t, district.token);
  const attempt = await ok(t.request('POST', `/api/v1/quiz/contests/${contestId}/attempts`, { token: quizzer.token }), 201);
  t.clock.advance(120_000);
  await ok(t.request('POST', `/api/v1/quiz/attempts/${attempt.id}/submit`, { token: quizzer.token, body: { answers: await rightAnswers(t, attempt.id) } }));

  return {
    residents,
    staff: { district: 'drill-district', town: 'drill-town' },
    talkId: talk.id,
    referralId: referral.id,
    photoId: photo.id,
    enrolmentId: enrolment.id,
    contestId,
  };
}

export async function staffToken(t: TestApp, username: string): Promise<string> {
  return (await ok(t.request('POST', '/api/admin/v1/auth/login', { body: { username, password: STAFF_PASSWORD } }))).token;
}

/** What residents and staff see: every view the dataset feeds, the photo as a hash of its bytes. */
export async function views(t: TestApp, d: Dataset): Promise<Record<string, unknown>> {
  const district = await staffToken(t, d.staff.district);
  const town = await staffToken(t, d.staff.town);
  const out: Record<string, unknown> = {};
  for (const r of d.residents) {
    out[`${r.name} me`] = await ok(t.request('GET', '/api/v1/me', { token: r.token }));
    out[`${r.name} export`] = await ok(t.request('GET', '/api/v1/me/export', { token: r.token }));
    out[`${r.name} registrations`] = await ok(t.request('GET', '/api/v1/me/registrations', { token: r.token }));
  }
  const [guardian, quizzer, insured] = d.residents;
  out.referrals = await ok(t.request('GET', '/api/v1/referrals', { token: guardian!.token }));
  out.contests = await ok(t.request('GET', '/api/v1/quiz/contests', { token: quizzer!.token }));
  out.enrolments = await ok(t.request('GET', '/api/v1/insurance/enrolments', { token: insured!.token }));
  out.dashboard = await ok(t.request('GET', '/api/admin/v1/dashboard?area=370303&year=2026', { token: district }));
  out.yearly = await ok(t.request('GET', '/api/admin/v1/reports/yearly?year=2026&format=json', { token: district }));
  out.residentList = await ok(t.request('GET', '/api/admin/v1/residents', { token: district }));
  out.talkRegistrations = await ok(t.request('GET', `/api/admin/v1/talks/${d.talkId}/registrations`, { token: town }));
  out.talkFigures = await ok(t.request('GET', `/api/admin/v1/talks/${d.talkId}/figures`, { token: town }));
  out.referral = await ok(t.request('GET', `/api/admin/v1/referrals/${d.referralId}`, { token: town }));
  out.enrolment = await ok(t.request('GET', `/api/admin/v1/insurance/enrolments/${d.enrolmentId}`, { token: district }));
  const photo = await fetch(`${t.url}/api/admin/v1/referrals/${d.referralId}/photos/${d.photoId}`, { headers: { authorization: `Bearer ${town}` } });
  if (photo.status !== 200) throw new Error(`photo: ${photo.status}`);
  out.photo = {
    type: photo.headers.get('content-type'),
    sha256: crypto
      .createHash('sha256')
      .update(Buffer.from(await photo.arrayBuffer()))
      .digest('hex'),
  };
  return out;
}

/** The audit log as the district admin reads it (newest first). */
export async function auditLog(t: TestApp, d: Dataset): Promise<Array<{ id: string }>> {
  const token = await staffToken(t, d.staff.district);
  return (await ok(t.request('GET', '/api/admin/v1/audit?limit=100', { token }))).items;
}
