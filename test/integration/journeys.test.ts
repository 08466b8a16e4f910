/** Server side of the resident journeys: policy, notice templates, profile from an ID number, who may come, resuming a quiz. */
import { seedStartContent } from '../../src/bootstrap';
import { Campaigns } from '../../src/modules/campaigns/campaigns.model';
import { QuizDrafts } from '../../src/modules/quiz/drafts.service';
import { Questions, Submissions } from '../../src/modules/quiz/quiz.model';
import { idCardCheckChar } from '../../src/lib/idcard';
import { startTestApp, type TestApp } from '../helpers/app';
import { residentLogin, seedVillages, staffLogin, TOWN_MS, TOWN_ND, VILLAGE_A, VILLAGE_C } from '../helpers/fixtures';
import { createContest, districtAdmin, rightAnswers, seedQuestionBank } from '../helpers/quiz';
import { publishedTalk } from '../helpers/talks';

jest.setTimeout(30_000);

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  await seedVillages(t);
});
afterAll(() => t.close());

const idNumber = (birth: string, sexDigit: number) => {
  const first17 = `370303${birth}01${sexDigit}`;
  return first17 + idCardCheckChar(first17);
};

describe('first run', () => {
  test('when the start seeding runs on an empty database twice, then the bank, the daily tips and the health-content library are there once', async () => {
    expect(await Questions(t.db).countDocuments({})).toBe(0);
    const first = await seedStartContent(t.app);
    const count = await Questions(t.db).countDocuments({});
    expect(first.questions).toBe(count);
    expect(count).toBeGreaterThan(80);
    expect(first.dailyTips).toBe(true);
    const again = await seedStartContent(t.app);
    expect(first.articles).toBeGreaterThanOrEqual(72);
    expect(again).toEqual({ questions: 0, dailyTips: false, articles: 0 });
    expect(await Questions(t.db).countDocuments({})).toBe(count);
    expect(await Campaigns(t.db).countDocuments({ kind: 'daily_tips' })).toBe(1);
    const { token } = await residentLogin(t, 'first-run', { village: VILLAGE_A });
    const daily = await t.request('GET', '/api/v1/quiz/daily', { token });
    expect(daily.status).toBe(200);
    expect(daily.body.attempt.questions.length).toBeGreaterThan(0);
  });
});

describe('policy and notice templates', () => {
  test('when anyone asks without logging in, then the current policy version and its text come back', async () => {
    const res = await t.request('GET', '/api/v1/policy');
    expect(res.status).toBe(200);
    expect(res.body.version).toBe(t.app.config.POLICY_VERSION);
    expect(res.body.sections.length).toBeGreaterThan(0);
    expect(res.body.sections[0].items[0].text).toMatch(/[\u4e00-\u9fa5]/);
  });

  test('when templates are configured, then every notice kind maps to its id and unmapped kinds to their key', async () => {
    const other = await startTestApp({ config: { WECHAT_SUBSCRIBE_TEMPLATES: JSON.stringify({ talk_reminder: 'TPL-A', insurance_renewal: 'TPL-B' }) } });
    try {
      const res = await other.request('GET', '/api/v1/notice-templates');
      expect(res.status).toBe(200);
      const byKind = Object.fromEntries(res.body.items.map((i: { kind: string; templateId: string }) => [i.kind, i.templateId]));
      expect(byKind).toEqual({
        talk_reminder: 'TPL-A',
        talk_start: 'talk_start',
        talk_status: 'talk_status',
        referral_status: 'referral_status',
        insurance_status: 'insurance_status',
        insurance_renewal: 'TPL-B',
        consult_answered: 'consult_answered',
        request_status: 'request_status',
        screening_result: 'screening_result',
      });
      expect(res.body.items.every((i: { title: string; flow: string }) => /[\u4e00-\u9fa5]/.test(i.title) && i.flow)).toBe(true);
    } finally {
      await other.close();
    }
  });
});

describe('profile from an ID number', () => {
  test('when a resident gives an ID number, then sex and birth year are read from it and the number is not kept', async () => {
    const { token } = await residentLogin(t, 'idcard', { consent: true });
    const id = idNumber('19680512', 2);
    const res = await t.request('PATCH', '/api/v1/me', { token, body: { idNumber: id } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ sex: 'female', birthYear: 1968 });
    expect(JSON.stringify(await t.db.collection('residents').findOne({ sex: 'female', birthYear: 1968 }))).not.toContain(id);
  });

  test('when the ID number is wrong or disagrees with the sex sent beside it, then 400 in Chinese and nothing changes', async () => {
    const { token } = await residentLogin(t, 'idcard-bad', { consent: true });
    const bad = await t.request('PATCH', '/api/v1/me', { token, body: { idNumber: '370303196805120120' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0]).toEqual({ path: 'idNumber', message: '身份证号码不正确，请核对' });
    const clash = await t.request('PATCH', '/api/v1/me', { token, body: { idNumber: idNumber('19680512', 2), sex: 'male' } });
    expect(clash.status).toBe(400);
    const me = await t.request('GET', '/api/v1/me', { token });
    expect(me.body).toMatchObject({ sex: null, birthYear: null });
  });
});

describe('who may come to a session', () => {
  let staff: string;
  let screening: string;
  beforeAll(async () => {
    staff = (await staffLogin(t, 'town_admin', TOWN_MS)).token;
    screening = (await publishedTalk(t, staff, { kind: 'screening', title: '“两癌”免费筛查', eligibility: { sex: 'female', minAge: 35, maxAge: 64 } })).id;
  });

  test('when the resident has no sex or birth year, then the page says the rule and asks for them', async () => {
    const { token } = await residentLogin(t, 'elig-none', { village: VILLAGE_A });
    const res = await t.request('GET', `/api/v1/talks/${screening}`, { token });
    expect(res.status).toBe(200);
    expect(res.body.eligibilityText).toBe('仅限女性，35–64 岁');
    expect(res.body.myEligibility).toEqual({ eligible: false, code: 'PROFILE_INCOMPLETE', reason: expect.stringContaining('性别和出生年份') });
  });

  test('when the resident is eligible, then sign-up is allowed; when not, the reason is the one sign-up gives', async () => {
    const ok = await residentLogin(t, 'elig-ok', { village: VILLAGE_A });
    await t.request('PATCH', '/api/v1/me', { token: ok.token, body: { sex: 'female', birthYear: 1970 } });
    expect((await t.request('GET', `/api/v1/talks/${screening}`, { token: ok.token })).body.myEligibility).toEqual({
      eligible: true,
      code: null,
      reason: null,
    });

    const no = await residentLogin(t, 'elig-no', { village: VILLAGE_A });
    await t.request('PATCH', '/api/v1/me', { token: no.token, body: { sex: 'male', birthYear: 1970 } });
    const view = (await t.request('GET', `/api/v1/talks/${screening}`, { token: no.token })).body.myEligibility;
    const signUp = await t.request('POST', `/api/v1/talks/${screening}/registrations`, { token: no.token, body: {} });
    expect(view).toEqual({ eligible: false, code: signUp.body.error.code, reason: signUp.body.error.message });
    expect(view.code).toBe('NOT_ELIGIBLE');
  });

  test('when a resident lists sessions of their own area, then those of other towns are left out and district-wide ones stay', async () => {
    const district = (await districtAdmin(t)).token;
    const own = await publishedTalk(t, staff, { title: '马尚本地讲座' });
    const wide = await publishedTalk(t, district, { title: '全区讲座', areaCode: '370303' });
    const nd = await publishedTalk(t, (await staffLogin(t, 'town_admin', TOWN_ND)).token, { title: '南定讲座', areaCode: TOWN_ND });
    const { token } = await residentLogin(t, 'near', { village: VILLAGE_A });
    const mine = await t.request('GET', '/api/v1/talks?scope=mine&limit=50', { token });
    const ids = mine.body.items.map((x: { id: string }) => x.id);
    expect(ids).toEqual(expect.arrayContaining([own.id, wide.id]));
    expect(ids).not.toContain(nd.id);
    const all = await t.request('GET', '/api/v1/talks?limit=50', { token });
    expect(all.body.items.map((x: { id: string }) => x.id)).toContain(nd.id);
    const southern = await residentLogin(t, 'near-nd', { village: VILLAGE_C });
    const theirs = await t.request('GET', '/api/v1/talks?scope=mine&limit=50', { token: southern.token });
    expect(theirs.body.items.map((x: { id: string }) => x.id)).toEqual(expect.arrayContaining([nd.id, wide.id]));
    expect(theirs.body.items.map((x: { id: string }) => x.id)).not.toContain(own.id);
  });
});

describe('a contest left half-way', () => {
  let contestId: string;
  beforeAll(async () => {
    await seedQuestionBank(t.app);
    contestId = await createContest(t, (await districtAdmin(t)).token, { timeLimitSec: 600, attemptsPerDay: 1 });
  });

  test('when answers are saved and the resident comes back, then the same attempt resumes with them and submits once', async () => {
    const { token } = await residentLogin(t, 'resume', { village: VILLAGE_A });
    const start = await t.request('POST', `/api/v1/quiz/contests/${contestId}/attempts`, { token });
    expect(start.status).toBe(201);
    const right = await rightAnswers(t, start.body.id);
    const saved = await t.request('PUT', `/api/v1/quiz/attempts/${start.body.id}/answers`, { token, body: { answers: right.slice(0, 2) } });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ attemptId: start.body.id, saved: 2, deadline: start.body.deadline });

    const list = await t.request('GET', '/api/v1/quiz/contests', { token });
    expect(list.body.items.find((c: { id: string }) => c.id === contestId).openAttemptId).toBe(start.body.id);
    const again = await t.request('POST', `/api/v1/quiz/contests/${contestId}/attempts`, { token });
    expect(again.body.error.code).toBe('DAILY_ATTEMPTS_USED');

    const resumed = await t.request('GET', `/api/v1/quiz/attempts/${start.body.id}`, { token });
    expect(resumed.body.savedAnswers).toEqual(right.slice(0, 2));
    expect(resumed.body.attempt.deadline).toBe(start.body.deadline);

    t.clock.advance(120_000);
    const first = await t.request('POST', `/api/v1/quiz/attempts/${start.body.id}/submit`, { token, body: { answers: right } });
    expect(first.status).toBe(200);
    expect(first.body.score).toBe(100);
    const second = await t.request('POST', `/api/v1/quiz/attempts/${start.body.id}/submit`, { token, body: { answers: right } });
    expect(second.body.error.code).toBe('ALREADY_SUBMITTED');
    const late = await t.request('PUT', `/api/v1/quiz/attempts/${start.body.id}/answers`, { token, body: { answers: right } });
    expect(late.body.error.code).toBe('ALREADY_SUBMITTED');
    expect(await Submissions(t.db).countDocuments({ _id: start.body.id })).toBe(1);
    const after = await t.request('GET', '/api/v1/quiz/contests', { token });
    expect(after.body.items.find((c: { id: string }) => c.id === contestId).openAttemptId).toBeNull();
    t.clock.advance(-120_000);
  });

  test('when a resident passes, then their certificate shows their own name to them and a masked one to anyone else', async () => {
    const { token } = await residentLogin(t, 'cert', { village: VILLAGE_A, realName: '王秀英', phone: '13812345678' });
    const start = await t.request('POST', `/api/v1/quiz/contests/${contestId}/attempts`, { token });
    t.clock.advance(120_000);
    const done = await t.request('POST', `/api/v1/quiz/attempts/${start.body.id}/submit`, { token, body: { answers: await rightAnswers(t, start.body.id) } });
    t.clock.advance(-120_000);
    expect(done.body.certificateCode).toEqual(expect.any(String));
    const mine = await t.request('GET', '/api/v1/quiz/certificates', { token });
    expect(mine.body.items[0]).toMatchObject({ code: done.body.certificateCode, name: '王秀英' });
    const pub = await t.request('GET', `/api/v1/certificates/${done.body.certificateCode}`);
    expect(pub.body.name).not.toBe('王秀英');
    expect(pub.body.name).toMatch(/^王\*/);
  });

  test('when the server-owned deadline has passed, then saving is refused and the attempt is no longer offered', async () => {
    const { token } = await residentLogin(t, 'resume-late', { village: VILLAGE_A });
    const start = await t.request('POST', `/api/v1/quiz/contests/${contestId}/attempts`, { token });
    t.clock.advance(601_000 + 60_000);
    try {
      const res = await t.request('PUT', `/api/v1/quiz/attempts/${start.body.id}/answers`, { token, body: { answers: [] } });
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('ATTEMPT_EXPIRED');
      const list = await t.request('GET', '/api/v1/quiz/contests', { token });
      expect(list.body.items.find((c: { id: string }) => c.id === contestId).openAttemptId).toBeNull();
    } finally {
      t.clock.advance(-(601_000 + 60_000));
    }
  });

  test('when saved answers name a question of another attempt, then 400 and nothing is saved; another resident gets 404', async () => {
    const { token } = await residentLogin(t, 'resume-bad', { village: VILLAGE_A });
    const start = await t.request('POST', `/api/v1/quiz/contests/${contestId}/attempts`, { token });
    const bad = await t.request('PUT', `/api/v1/quiz/attempts/${start.body.id}/answers`, {
      token,
      body: { answers: [{ questionId: 'a'.repeat(24), choice: ['A'] }] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('UNKNOWN_QUESTION');
    expect(await QuizDrafts(t.db).countDocuments({ _id: start.body.id })).toBe(0);
    const other = await residentLogin(t, 'resume-other', { village: VILLAGE_A });
    const foreign = await t.request('PUT', `/api/v1/quiz/attempts/${start.body.id}/answers`, { token: other.token, body: { answers: [] } });
    expect(foreign.status).toBe(404);
  });
});
