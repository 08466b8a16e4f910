import { PNG } from 'pngjs';
import { AuditLog } from '../../src/modules/audit/audit.model';
import { seedContentLibrary } from '../../src/modules/content';
import { Articles, Versions } from '../../src/modules/content/content.model';
import { shippedArticles } from '../../src/modules/content/library';
import { Residents } from '../../src/modules/residents/residents.model';
import { Outbox } from '../../src/notify/outbox.model';
import { startTestApp, type TestApp } from '../helpers/app';
import { boundGroups, residentLogin, seedVillages, staffLogin, TOWN_MS, VILLAGE_A, VILLAGE_B } from '../helpers/fixtures';
import { rightAnswers, seedQuestionBank, wrongAnswers } from '../helpers/quiz';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  await seedVillages(t);
  await seedQuestionBank(t.app);
  await seedContentLibrary(t.app);
});
afterAll(() => t.close());

const draft = (over: Record<string, unknown> = {}) => ({
  title: '秋冬季节防流感',
  blocks: [{ text: '流感高发季，老人和孩子要接种流感疫苗。' }, { text: '勤洗手、常通风，咳嗽时捂住口鼻。' }],
  topics: ['disease'],
  items: [10],
  source: '国家卫生健康委流感防治指引',
  ...over,
});

const png = (marker = ''): string => {
  const img = new PNG({ width: 4, height: 4 });
  img.data.fill(200);
  return Buffer.concat([PNG.sync.write(img), Buffer.from(marker)]).toString('base64');
};

const publish = async (authorToken: string, reviewerToken: string, body = draft()) => {
  const v = await t.request('POST', '/api/admin/v1/content/articles', { token: authorToken, body });
  expect(v.status).toBe(201);
  expect((await t.request('POST', `/api/admin/v1/content/versions/${v.body.id}/submit`, { token: authorToken })).status).toBe(200);
  const ok = await t.request('POST', `/api/admin/v1/content/versions/${v.body.id}/approve`, { token: reviewerToken });
  expect(ok.status).toBe(200);
  return ok.body as { id: string; articleId: string };
};

describe('shipped library', () => {
  test('when the library is seeded, then every one of the 66 items and every 三减四健 theme has a short article with its source, once', async () => {
    const shipped = shippedArticles();
    expect(new Set(shipped.flatMap((a) => (a.topics.includes('hl66') ? a.items : []))).size).toBe(66);
    for (const key of ['sjsj-salt', 'sjsj-oil', 'sjsj-sugar', 'sjsj-teeth', 'sjsj-weight', 'sjsj-bones']) expect(shipped.map((a) => a.key)).toContain(key);
    for (const a of shipped) {
      expect(a.paragraphs.join('').length).toBeLessThanOrEqual(400);
      expect(a.source.length).toBeGreaterThan(4);
    }
    expect(await Articles(t.db).countDocuments({ status: 'published' })).toBe(shipped.length);
    expect(await seedContentLibrary(t.app)).toEqual({ created: 0 });
    const staff = await staffLogin(t, 'village_worker', VILLAGE_A);
    expect((await t.request('GET', '/api/admin/v1/content/coverage', { token: staff.token })).body.missing).toEqual([]);
    const { token } = await residentLogin(t, 'lib-reader', { village: VILLAGE_A });
    const page = await t.request('GET', '/api/v1/content/articles?topic=sjsj&limit=20', { token });
    expect(page.body.items.map((i: { title: string }) => i.title)).toEqual(expect.arrayContaining(['减盐：每天不超过5克', '健康骨骼：补钙、晒太阳、常运动']));
    const found = await t.request('GET', `/api/v1/content/articles?q=${encodeURIComponent('煤炉')}`, { token });
    expect(found.body.items[0].items).toEqual([49]);
  });
});

describe('writing, review and publishing', () => {
  test('when a village worker drafts, then only another district admin publishes it (four eyes), audited with the author', async () => {
    const worker = await staffLogin(t, 'village_worker', VILLAGE_A);
    const town = await staffLogin(t, 'town_admin', TOWN_MS);
    const boss = await staffLogin(t, 'district_admin', '370303');
    const v = await t.request('POST', '/api/admin/v1/content/articles', { token: worker.token, body: draft() });
    expect(v.body).toMatchObject({ status: 'draft', version: 1, createdBy: worker.id });
    const submitted = await t.request('POST', `/api/admin/v1/content/versions/${v.body.id}/submit`, { token: worker.token });
    expect(submitted.body.status).toBe('pending_review');
    expect((await t.request('POST', `/api/admin/v1/content/versions/${v.body.id}/approve`, { token: worker.token })).status).toBe(403);
    expect((await t.request('POST', `/api/admin/v1/content/versions/${v.body.id}/approve`, { token: town.token })).status).toBe(403);
    const { token } = await residentLogin(t, 'four-eyes-reader', { village: VILLAGE_A });
    expect((await t.request('GET', `/api/v1/content/articles/${v.body.articleId}`, { token })).status).toBe(404);
    const ok = await t.request('POST', `/api/admin/v1/content/versions/${v.body.id}/approve`, { token: boss.token });
    expect(ok.body).toMatchObject({ status: 'published', reviewedByName: expect.any(String) });
    const read = await t.request('GET', `/api/v1/content/articles/${v.body.articleId}`, { token });
    expect(read.body).toMatchObject({ title: '秋冬季节防流感', version: 1, share: { path: `/pages/content/article/index?id=${v.body.articleId}` } });
    expect(read.body.speech).toContain('勤洗手、常通风');
    const log = await AuditLog(t.db).findOne({ action: 'content.publish', targetId: v.body.articleId }).lean();
    expect(log?.details).toMatchObject({ author: worker.id, version: 1 });

    const own = await t.request('POST', '/api/admin/v1/content/articles', { token: boss.token, body: draft({ title: '区里自己写的' }) });
    await t.request('POST', `/api/admin/v1/content/versions/${own.body.id}/submit`, { token: boss.token });
    const refused = await t.request('POST', `/api/admin/v1/content/versions/${own.body.id}/approve`, { token: boss.token });
    expect([refused.status, refused.body.error.code]).toEqual([403, 'OWN_CONTENT']);
  });

  test('when the text fails WeChat content check, then nothing is published and the draft returns to its author with the reason', async () => {
    const worker = await staffLogin(t, 'village_worker', VILLAGE_B);
    const boss = await staffLogin(t, 'district_admin', '370303');
    const v = await t.request('POST', '/api/admin/v1/content/articles', {
      token: worker.token,
      body: draft({ title: '来路不明的偏方', blocks: [{ text: '这段话含有违禁内容。' }] }),
    });
    await t.request('POST', `/api/admin/v1/content/versions/${v.body.id}/submit`, { token: worker.token });
    const res = await t.request('POST', `/api/admin/v1/content/versions/${v.body.id}/approve`, { token: boss.token });
    expect([res.status, res.body.error.code]).toEqual([422, 'CONTENT_CHECK_FAILED']);
    expect(t.wechat.calls.some((c) => c.path === '/wxa/msg_sec_check' && String((c.body as { content: string }).content).includes('来路不明的偏方'))).toBe(
      true,
    );
    const after = await t.request('GET', `/api/admin/v1/content/versions/${v.body.id}`, { token: worker.token });
    expect(after.body).toMatchObject({ status: 'draft', reviewNote: expect.stringContaining('微信内容安全检测') });
    expect(await Articles(t.db).exists({ _id: v.body.articleId })).toBeNull();
  });

  test('when a picture fails the image check, then it is refused at upload; a clean one is served and can be published', async () => {
    const worker = await staffLogin(t, 'village_worker', VILLAGE_A);
    const boss = await staffLogin(t, 'district_admin', '370303');
    const bad = await t.request('POST', '/api/admin/v1/content/files', { token: worker.token, body: { kind: 'image', dataBase64: png('违禁') } });
    expect([bad.status, bad.body.error.code]).toEqual([422, 'CONTENT_CHECK_FAILED']);
    const good = await t.request('POST', '/api/admin/v1/content/files', { token: worker.token, body: { kind: 'image', dataBase64: png() } });
    expect(good.status).toBe(201);
    expect(t.wechat.calls.filter((c) => c.path === '/wxa/img_sec_check').length).toBeGreaterThanOrEqual(2);
    const published = await publish(
      worker.token,
      boss.token,
      draft({ title: '配图文章', cover: good.body.id, blocks: [{ text: '第一段。' }, { image: good.body.id }] }),
    );
    const { token } = await residentLogin(t, 'pic-reader', { village: VILLAGE_A });
    const read = await t.request('GET', `/api/v1/content/articles/${published.articleId}`, { token });
    expect(read.body.blocks[1]).toEqual({ image: good.body.url });
    const img = await fetch(`${t.url}${good.body.url}`);
    expect([img.status, img.headers.get('content-type')]).toEqual([200, 'image/png']);
  });

  test('when a published article is edited, then a new version replaces it on publishing; one open version at a time; retired articles are gone', async () => {
    const worker = await staffLogin(t, 'village_worker', VILLAGE_A);
    const other = await staffLogin(t, 'town_admin', TOWN_MS);
    const boss = await staffLogin(t, 'district_admin', '370303');
    const first = await publish(worker.token, boss.token, draft({ title: '第一版标题' }));
    const v2 = await t.request('POST', `/api/admin/v1/content/articles/${first.articleId}/versions`, { token: other.token });
    expect(v2.body).toMatchObject({ version: 2, status: 'draft', title: '第一版标题' });
    const v3 = await t.request('POST', `/api/admin/v1/content/articles/${first.articleId}/versions`, { token: worker.token });
    expect([v3.status, v3.body.error.code]).toEqual([409, 'VERSION_EXISTS']);
    expect((await t.request('PUT', `/api/admin/v1/content/versions/${v2.body.id}`, { token: boss.token, body: draft({ title: '别人改' }) })).status).toBe(403);
    await t.request('PUT', `/api/admin/v1/content/versions/${v2.body.id}`, { token: other.token, body: draft({ title: '第二版标题' }) });
    await t.request('POST', `/api/admin/v1/content/versions/${v2.body.id}/submit`, { token: other.token });
    const { token } = await residentLogin(t, 'version-reader', { village: VILLAGE_A });
    expect((await t.request('GET', `/api/v1/content/articles/${first.articleId}`, { token })).body.title).toBe('第一版标题');
    await t.request('POST', `/api/admin/v1/content/versions/${v2.body.id}/approve`, { token: boss.token });
    expect((await t.request('GET', `/api/v1/content/articles/${first.articleId}`, { token })).body).toMatchObject({ title: '第二版标题', version: 2 });
    const staffView = await t.request('GET', `/api/admin/v1/content/articles/${first.articleId}`, { token: boss.token });
    expect(staffView.body.versions.map((v: { version: number; status: string }) => [v.version, v.status])).toEqual([
      [2, 'published'],
      [1, 'superseded'],
    ]);
    expect((await t.request('POST', `/api/admin/v1/content/articles/${first.articleId}/retire`, { token: worker.token })).status).toBe(403);
    const retired = await t.request('POST', `/api/admin/v1/content/articles/${first.articleId}/retire`, { token: boss.token });
    expect(retired.body.status).toBe('retired');
    expect((await t.request('GET', `/api/v1/content/articles/${first.articleId}`, { token })).status).toBe(404);
    expect(await Versions(t.db).countDocuments({ articleId: first.articleId })).toBe(2);
  });

  test('when staff attach an article to a campaign, then the group gets its text, the card and the link text', async () => {
    await boundGroups(t, VILLAGE_A, ['东村健康群']);
    const worker = await staffLogin(t, 'village_worker', VILLAGE_A);
    const salt = (await Articles(t.db).findOne({ key: 'sjsj-salt' }).lean())!;
    const att = await t.request('GET', `/api/admin/v1/content/articles/${salt._id}/attachment`, { token: worker.token });
    expect(att.body).toMatchObject({ card: { title: '减盐：每天不超过5克', pagePath: `pages/content/article/index?id=${salt._id}` } });
    expect(att.body.text).toContain('减盐');
    expect(att.body.linkText).toContain('健康知识');
    const town = await staffLogin(t, 'town_admin', TOWN_MS);
    const b = await t.request('POST', '/api/admin/v1/broadcasts', {
      token: worker.token,
      body: { text: att.body.text, card: att.body.card, linkText: att.body.linkText, targets: { areaCodes: [VILLAGE_A] } },
    });
    expect([b.status, b.body.error]).toEqual([201, undefined]);
    expect((await t.request('POST', `/api/admin/v1/campaigns/${b.body.id}/approve`, { token: town.token })).status).toBe(200);
    const items = await Outbox(t.db).find({ 'source.campaignId': b.body.id }).lean();
    expect(items.map((i) => i.payload)).toEqual([expect.objectContaining({ text: att.body.text, card: att.body.card, linkText: att.body.linkText })]);
  });
});

describe('reading, listening and points', () => {
  test('when a resident finishes articles, then each pays once, and never past the daily cap shared with the quiz', async () => {
    const { token, id } = await residentLogin(t, 'points-reader', { village: VILLAGE_A });
    const daily = await t.request('GET', '/api/v1/quiz/daily', { token });
    t.clock.advance(60_000);
    const quiz = await t.request('POST', `/api/v1/quiz/attempts/${daily.body.attempt.id}/submit`, {
      token,
      body: { answers: (await rightAnswers(t, daily.body.attempt.id)).slice(0, 3).concat((await wrongAnswers(t, daily.body.attempt.id)).slice(3)) },
    });
    expect(quiz.body.pointsEarned).toBe(30);
    const articles = await Articles(t.db)
      .find({ key: { $in: ['hl66-01', 'hl66-02', 'hl66-03'] } })
      .lean();
    const done = [];
    for (const a of articles) {
      await t.request('GET', `/api/v1/content/articles/${a._id}`, { token });
      done.push((await t.request('POST', `/api/v1/content/articles/${a._id}/complete`, { token, body: { how: 'read' } })).body);
    }
    expect(done.map((d) => d.pointsEarned)).toEqual([10, 10, 0]);
    expect(done[2]).toMatchObject({ today: 50, dailyCap: 50, alreadyCompleted: false });
    const again = await t.request('POST', `/api/v1/content/articles/${articles[0]!._id}/complete`, { token, body: { how: 'listen' } });
    expect(again.body).toMatchObject({ pointsEarned: 0, alreadyCompleted: true });
    expect((await t.request('GET', `/api/v1/content/articles/${articles[0]!._id}`, { token })).body.mine).toEqual({ completed: true, points: 10 });
    expect((await t.request('GET', '/api/v1/quiz/points', { token })).body).toMatchObject({ today: 50 });
    expect(id).toBeTruthy();

    // the next day the cap starts again; a second quiz the same day would have found it reached
    t.clock.advance(24 * 3600_000);
    const next = (await Articles(t.db).findOne({ key: 'hl66-04' }).lean())!;
    const paid = await t.request('POST', `/api/v1/content/articles/${next._id}/complete`, { token, body: { how: 'listen' } });
    expect(paid.body).toMatchObject({ pointsEarned: 10, today: 10 });
    t.clock.advance(-24 * 3600_000);
  });

  test('when a resident got a question wrong, then the question leads to its article and the mistake shapes the recommendations', async () => {
    const { token, id } = await residentLogin(t, 'mistake-reader', { village: VILLAGE_A });
    await Residents(t.db).updateOne({ _id: id }, { $set: { sex: 'female', birthYear: 1980 } });
    const daily = await t.request('GET', '/api/v1/quiz/daily', { token });
    t.clock.advance(60_000);
    const res = await t.request('POST', `/api/v1/quiz/attempts/${daily.body.attempt.id}/submit`, {
      token,
      body: { answers: await wrongAnswers(t, daily.body.attempt.id) },
    });
    const wrong = res.body.items[0] as { item: number | null; topics: string[]; stem: string };
    const q = wrong.item ? `item=${wrong.item}` : `topic=${encodeURIComponent(wrong.topics[0]!)}&text=${encodeURIComponent(wrong.stem)}`;
    const ref = await t.request('GET', `/api/v1/content/for-question?${q}`, { token });
    expect(ref.body.id).toEqual(expect.any(String));
    if (wrong.item) expect((await Articles(t.db).findById(ref.body.id).lean())!.items).toContain(wrong.item);
    const book = await t.request('GET', '/api/v1/quiz/wrong-book', { token });
    expect(book.body.items[0]).toHaveProperty('item');
    const rec = await t.request('GET', '/api/v1/content/recommended', { token });
    expect(rec.body.basis).toContain('性别');
    expect(rec.body.items.some((i: { reason: string }) => i.reason.includes('答错'))).toBe(true);
    expect(rec.body.items.map((i: { title: string }) => i.title)).toContain('两癌筛查：女性的健康保障');
  });

  test('when a salt question is wrong, then its article is the salt one among the 三减四健 articles', async () => {
    const { token } = await residentLogin(t, 'salt-reader', { village: VILLAGE_A });
    const ref = await t.request(
      'GET',
      `/api/v1/content/for-question?topic=${encodeURIComponent('三减四健')}&text=${encodeURIComponent('成年人每天吃盐不超过多少克？')}`,
      {
        token,
      },
    );
    expect(ref.body.title).toMatch(/盐/);
  });

  test('when residents read and listen, then the figures count readers, listens and completions per topic and area, and the missing items', async () => {
    const a = await residentLogin(t, 'fig-a', { village: VILLAGE_A });
    const b = await residentLogin(t, 'fig-b', { village: VILLAGE_B });
    const salt = (await Articles(t.db).findOne({ key: 'sjsj-salt' }).lean())!;
    const oil = (await Articles(t.db).findOne({ key: 'sjsj-oil' }).lean())!;
    const town = await staffLogin(t, 'town_admin', TOWN_MS);
    const rowOf = (body: { rows: Array<{ code: string; content: { readers: number; listens: number; completions: number } }> }, code: string) =>
      body.rows.find((r) => r.code === code)!.content;
    await t.request('GET', `/api/v1/content/articles/${salt._id}`, { token: a.token });
    await t.request('POST', `/api/v1/content/articles/${salt._id}/listen`, { token: a.token });
    await t.request('POST', `/api/v1/content/articles/${salt._id}/complete`, { token: a.token, body: { how: 'listen' } });
    await t.request('GET', `/api/v1/content/articles/${salt._id}`, { token: b.token });
    await t.request('GET', `/api/v1/content/articles/${oil._id}`, { token: b.token });
    const after = await t.request('GET', '/api/admin/v1/dashboard?year=2026', { token: town.token });
    // nobody else in 西村 read anything; the dashboard is kept a minute, so it is read once
    expect(rowOf(after.body, VILLAGE_B)).toEqual({ readers: 1, listens: 0, completions: 0 });
    const report = await t.request('GET', '/api/admin/v1/reports/yearly?year=2026&format=json', { token: town.token });
    expect(report.status).toBe(200);
    const vb = report.body.areas.find((r: { code: string }) => r.code === VILLAGE_B).content;
    expect(vb.byTopic.find((x: { topic: string }) => x.topic === 'sjsj')).toMatchObject({ reads: expect.any(Number) });
    expect(vb.byTopic.find((x: { topic: string }) => x.topic === 'sjsj').reads).toBeGreaterThanOrEqual(2);
    expect(report.body.contentMissingItems).toEqual([]);
    const va = report.body.areas.find((r: { code: string }) => r.code === VILLAGE_A).content;
    expect(va.listens).toBeGreaterThanOrEqual(1);

    // an item whose only article is retired shows as missing
    const boss = await staffLogin(t, 'district_admin', '370303');
    const only = (await Articles(t.db).find({ items: 57 }).lean()).filter((x) => x.status === 'published');
    for (const x of only) await t.request('POST', `/api/admin/v1/content/articles/${x._id}/retire`, { token: boss.token });
    expect((await t.request('GET', '/api/admin/v1/content/coverage', { token: boss.token })).body.missing).toEqual([57]);
  });
});
