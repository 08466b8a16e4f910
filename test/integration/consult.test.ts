import crypto from 'node:crypto';
import { Types } from 'mongoose';
import { AuditLog } from '../../src/modules/audit/audit.model';
import { Questions } from '../../src/modules/consult/consult.model';
import { sweepQuestions } from '../../src/modules/consult/consult.service';
import { Staff } from '../../src/modules/staff/staff.model';
import { Outbox } from '../../src/notify/outbox.model';
import { startTestApp, type TestApp } from '../helpers/app';
import { residentLogin, seedVillages, staffLogin, VILLAGE_A } from '../helpers/fixtures';

const PUSH_TOKEN = 'pushtoken1';
let t: TestApp;
let admin: { token: string; id: string };
const experts: Record<'a' | 'b' | 'c', { token: string; id: string }> = {} as never;
let resident: { token: string; id: string };

const png = () => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), crypto.randomBytes(64)]).toString('base64');

function signed(timestamp = '1764900000', nonce = 'n0nce') {
  const signature = crypto.createHash('sha1').update([PUSH_TOKEN, timestamp, nonce].sort().join('')).digest('hex');
  return `signature=${signature}&timestamp=${timestamp}&nonce=${nonce}`;
}

beforeAll(async () => {
  // 2026-11-30 is a Monday.
  t = await startTestApp({ now: '2026-11-30T02:00:00Z', config: { WECHAT_PUSH_TOKEN: PUSH_TOKEN } });
  await seedVillages(t);
  admin = await staffLogin(t, 'district_admin', '370303');
  await Staff(t.db).updateOne({ _id: new Types.ObjectId(admin.id) }, { $set: { wechatId: 'wx-admin' } });
  const pool = async (name: string) =>
    (
      await t.request('POST', '/api/admin/v1/experts', {
        token: admin.token,
        body: { name, hospital: '张店区妇幼保健院', title: '主任医师', specialties: ['产科'] },
      })
    ).body.id as string;
  const links: Array<['a' | 'b' | 'c', string, string[], number]> = [
    ['a', '王医生', ['pregnancy'], 1],
    ['b', '李医生', ['pregnancy', 'infant_care'], 2],
    ['c', '陈医生', ['adolescence'], 1],
  ];
  for (const [key, name, topics, rank] of links) {
    experts[key] = await staffLogin(t, 'expert', '370303', `expert-${key}`);
    const linked = await t.request('PUT', `/api/admin/v1/consult/experts/${experts[key].id}`, {
      token: admin.token,
      body: { expertId: await pool(name), topics, rank },
    });
    expect(linked.status).toBe(200);
  }
  resident = await residentLogin(t, 'asker', { village: VILLAGE_A, realName: '欧阳秀英' });
}, 120_000);
afterAll(() => t.close());

test('an expert reaches only the routes naming their role', async () => {
  expect((await t.request('GET', '/api/admin/v1/referrals', { token: experts.a.token })).status).toBe(403);
  expect((await t.request('GET', '/api/admin/v1/me', { token: experts.a.token })).status).toBe(200);
  const me = await t.request('GET', '/api/admin/v1/consult/me', { token: experts.a.token });
  expect(me.body.expert).toMatchObject({ name: '王医生', topics: ['pregnancy'] });
});

test('a question goes through the content checks, to an expert of its topic, is answered, followed up, rated and published', async () => {
  const refused = await t.request('POST', '/api/v1/consult/questions', { token: resident.token, body: { topic: 'pregnancy', text: '这里有违禁内容' } });
  expect(refused.status).toBe(400);
  expect(refused.body.error.code).toBe('CONTENT_REFUSED');
  expect(await Questions(t.db).countDocuments({})).toBe(0);

  const asked = await t.request('POST', '/api/v1/consult/questions', {
    token: resident.token,
    body: { topic: 'pregnancy', text: '怀孕 12 周，最近总是头晕，需要去医院吗？', photoCount: 1 },
  });
  expect(asked.status).toBe(201);
  expect(asked.body).toMatchObject({ status: 'checking', statusLabel: '内容审核中' });
  const id = asked.body.id as string;
  expect((await t.request('GET', '/api/admin/v1/consult/questions', { token: experts.a.token })).body.items).toEqual([]);

  const photo = await t.request('POST', `/api/v1/consult/questions/${id}/photos`, { token: resident.token, body: { dataBase64: png() } });
  expect(photo.status).toBe(201);
  const check = t.wechat.mediaChecks.at(-1)!;
  expect(check.mediaUrl).toMatch(/\/api\/v1\/consult\/media\/[\w-]+$/);
  // WeChat fetches the photo at its one-time address.
  const media = await t.request('GET', new URL(check.mediaUrl).pathname);
  expect(media.status).toBe(200);
  expect((await t.request('POST', `/api/v1/consult/questions/${id}/photos`, { token: resident.token, body: { dataBase64: png() } })).status).toBe(409);

  const push = { Event: 'wxa_media_check', trace_id: check.traceId, result: { suggest: 'pass', label: 100 } };
  expect((await t.request('POST', `/api/v1/wechat/push?signature=bad&timestamp=1&nonce=2`, { body: push })).status).toBe(403);
  expect((await t.request('POST', `/api/v1/wechat/push?${signed()}`, { body: push })).status).toBe(200);
  expect((await t.request('GET', new URL(check.mediaUrl).pathname)).status).toBe(404);

  const mine = await t.request('GET', `/api/v1/consult/questions/${id}`, { token: resident.token });
  expect(mine.body).toMatchObject({ status: 'open', dueDay: '2026-12-02' });
  // The least busy expert of the topic, the first in rank when equal.
  const listA = await t.request('GET', '/api/admin/v1/consult/questions?mine=true', { token: experts.a.token });
  expect(listA.body.items).toEqual([expect.objectContaining({ id, mine: true, topicLabel: '孕产期', photoCount: 1 })]);
  expect(JSON.stringify(listA.body)).not.toContain('头晕');

  // Scope: an expert of another topic and a village worker do not reach it.
  expect((await t.request('GET', `/api/admin/v1/consult/questions/${id}`, { token: experts.c.token })).status).toBe(404);
  expect((await t.request('GET', '/api/admin/v1/consult/questions', { token: experts.c.token })).body.items).toEqual([]);
  const worker = await staffLogin(t, 'village_worker', VILLAGE_A);
  expect((await t.request('GET', `/api/admin/v1/consult/questions/${id}`, { token: worker.token })).status).toBe(403);
  expect(
    (await t.request('POST', `/api/admin/v1/consult/questions/${id}/answer`, { token: experts.c.token, body: { text: '建议尽快就医检查。' } })).status,
  ).toBe(404);

  const full = await t.request('GET', `/api/admin/v1/consult/questions/${id}`, { token: experts.a.token, headers: { 'x-request-id': 'consult-view-1' } });
  expect(full.status).toBe(200);
  expect(full.body).toMatchObject({ text: expect.stringContaining('头晕'), callBackContact: null, canAnswer: true });
  expect(full.body.photos).toHaveLength(1);
  expect(await AuditLog(t.db).countDocuments({ requestId: 'consult-view-1', action: 'consult.view_full' })).toBe(1);
  const img = await t.request('GET', `/api/admin/v1/consult/questions/${id}/photos/${full.body.photos[0].id}`, { token: experts.a.token });
  expect(img.status).toBe(200);

  const answered = await t.request('POST', `/api/admin/v1/consult/questions/${id}/answer`, {
    token: experts.a.token,
    body: { text: '孕早期头晕多与血压偏低、血糖偏低有关，建议少量多餐，如伴有眼花心慌请及时就医。' },
  });
  expect(answered.status).toBe(200);
  expect(answered.body).toMatchObject({ status: 'answered', canAnswer: false });
  const notice = await Outbox(t.db)
    .findOne({ key: `consult:${id}:answered:1` })
    .lean();
  expect(notice).toMatchObject({ channel: 'subscribe', payload: expect.objectContaining({ residentId: resident.id, templateKey: 'consult_answered' }) });
  expect((await t.request('POST', `/api/admin/v1/consult/questions/${id}/answer`, { token: experts.b.token, body: { text: '再补充一点建议。' } })).status).toBe(
    409,
  );

  const seen = await t.request('GET', `/api/v1/consult/questions/${id}`, { token: resident.token });
  expect(seen.body).toMatchObject({ status: 'answered', canFollowUp: true, canRate: true, answer: { expert: { name: '王医生' } } });

  const follow = await t.request('POST', `/api/v1/consult/questions/${id}/follow-up`, { token: resident.token, body: { text: '血压 90/60 算低吗？' } });
  expect(follow.body).toMatchObject({ status: 'follow_up', canFollowUp: false });
  expect(
    (await t.request('POST', `/api/admin/v1/consult/questions/${id}/answer`, { token: experts.a.token, body: { text: '90/60 属于偏低，注意休息。' } })).status,
  ).toBe(200);
  expect(
    (await t.request('POST', `/api/v1/consult/questions/${id}/follow-up`, { token: resident.token, body: { text: '还要再问一个问题' } })).body.error.code,
  ).toBe('FOLLOW_UP_USED');
  const after = await t.request('GET', `/api/v1/consult/questions/${id}`, { token: resident.token });
  expect(after.body.followUpAnswer).toMatchObject({ text: '90/60 属于偏低，注意休息。' });

  // Publishing needs the resident's consent, given with the rating.
  const publishBody = { question: '孕早期经常头晕，需要去医院吗？', answer: '孕早期头晕多与血压、血糖偏低有关，建议少量多餐。' };
  expect((await t.request('POST', `/api/admin/v1/consult/questions/${id}/publish`, { token: experts.a.token, body: publishBody })).body.error.code).toBe(
    'PUBLISH_CONSENT_REQUIRED',
  );
  const rated = await t.request('POST', `/api/v1/consult/questions/${id}/rating`, { token: resident.token, body: { rating: 5, allowPublish: true } });
  expect(rated.body).toMatchObject({ rating: 5, canRate: false });
  expect((await t.request('POST', `/api/v1/consult/questions/${id}/rating`, { token: resident.token, body: { rating: 1 } })).status).toBe(409);
  const withName = await t.request('POST', `/api/admin/v1/consult/questions/${id}/publish`, {
    token: experts.a.token,
    body: { ...publishBody, question: '欧阳秀英问：孕早期经常头晕怎么办？' },
  });
  expect(withName.status).toBe(400);
  const withPhone = await t.request('POST', `/api/admin/v1/consult/questions/${id}/publish`, {
    token: experts.a.token,
    body: { ...publishBody, answer: '请拨打 13957310001 咨询门诊。' },
  });
  expect(withPhone.status).toBe(400);
  const published = await t.request('POST', `/api/admin/v1/consult/questions/${id}/publish`, { token: experts.a.token, body: publishBody });
  expect(published.status).toBe(201);
  expect(published.body).toMatchObject({ topicLabel: '孕产期', expertName: '王医生 主任医师' });

  const found = await t.request('GET', `/api/v1/consult/faq?q=${encodeURIComponent('头晕')}&topic=pregnancy`);
  expect(found.body.items).toEqual([expect.objectContaining({ question: publishBody.question })]);
  expect((await t.request('GET', `/api/v1/consult/faq?topic=adolescence`)).body.items).toEqual([]);
  expect((await t.request('GET', `/api/v1/consult/faq?q=${encodeURIComponent('牙疼')}`)).body.items).toEqual([]);
});

test('a refused photo is removed and the question goes on without it', async () => {
  const asked = await t.request('POST', '/api/v1/consult/questions', {
    token: resident.token,
    body: { topic: 'infant_care', text: '宝宝湿疹反复，怎么护理？', photoCount: 1 },
  });
  const id = asked.body.id as string;
  await t.request('POST', `/api/v1/consult/questions/${id}/photos`, { token: resident.token, body: { dataBase64: png() } });
  const check = t.wechat.mediaChecks.at(-1)!;
  await t.request('POST', `/api/v1/wechat/push?${signed()}`, { body: { Event: 'wxa_media_check', trace_id: check.traceId, result: { suggest: 'risky' } } });
  const full = await t.request('GET', `/api/admin/v1/consult/questions/${id}`, { token: experts.b.token });
  expect(full.body).toMatchObject({ status: 'open', mine: true, photos: [] });
});

test('a question not answered in two working days goes to the next expert and the district admin is told', async () => {
  const asked = await t.request('POST', '/api/v1/consult/questions', {
    token: resident.token,
    body: { topic: 'pregnancy', text: '孕晚期脚肿正常吗？', callBack: { name: '欧阳', phone: '13957310001' } },
  });
  const id = asked.body.id as string;
  const before = await Questions(t.db).findById(id).lean();
  expect(before).toMatchObject({ status: 'open' });
  const first = before!.expertStaffId!;
  const other = first === experts.a.id ? experts.b : experts.a;
  // The call back is asked for: the expert sees the name and phone in the audited full view.
  const firstToken = first === experts.a.id ? experts.a.token : experts.b.token;
  expect((await t.request('GET', `/api/admin/v1/consult/questions/${id}`, { token: firstToken })).body.callBackContact).toEqual({
    name: '欧阳',
    phone: '13957310001',
  });

  t.clock.advance(24 * 3600_000);
  expect((await sweepQuestions(t.app)).rerouted).toBe(0);
  t.clock.advance(2 * 24 * 3600_000);
  // This one (and the 婴幼儿照护 question of the test before, when it ran), past due now.
  expect((await sweepQuestions(t.app)).rerouted).toBeGreaterThanOrEqual(1);
  const moved = await Questions(t.db).findById(id).lean();
  expect(moved).toMatchObject({ expertStaffId: other.id, overdueCount: 1, hops: 2 });
  expect(await Outbox(t.db).countDocuments({ key: `consult:${id}:admin:2:${admin.id}`, channel: 'room' })).toBe(1);
  // Three days on, the sign-ins of the morning have expired.
  for (const key of ['a', 'b'] as const) {
    const login = await t.request('POST', '/api/admin/v1/auth/login', { body: { username: `expert-${key}`, password: 'correct-horse-battery' } });
    experts[key].token = login.body.token;
  }
  const list = await t.request('GET', '/api/admin/v1/consult/questions?mine=true', { token: other.token });
  expect(list.body.items.map((q: { id: string }) => q.id)).toContain(id);

  // Handing over: only to an expert of the topic.
  expect((await t.request('POST', `/api/admin/v1/consult/questions/${id}/handover`, { token: other.token, body: { toStaffId: experts.c.id } })).status).toBe(
    400,
  );
  const back = await t.request('POST', `/api/admin/v1/consult/questions/${id}/handover`, { token: other.token, body: { toStaffId: first } });
  expect(back.body).toMatchObject({
    mine: false,
    routing: [expect.objectContaining({ reason: 'new' }), expect.objectContaining({ reason: 'overdue' }), expect.objectContaining({ reason: 'handover' })],
  });
});

test('erasing the resident removes the texts of their questions and keeps the figures', async () => {
  const before = await Questions(t.db).countDocuments({ residentId: new Types.ObjectId(resident.id) });
  const erase = await t.request('DELETE', '/api/v1/me', { token: resident.token });
  expect(erase.status).toBeLessThan(300);
  const rows = await Questions(t.db)
    .find({ residentId: new Types.ObjectId(resident.id) })
    .lean();
  expect(rows).toHaveLength(before);
  expect(rows.every((q) => !q.textEnc && !q.callBackEnc && q.personalErasedAt)).toBe(true);
});
