import { AuditLog } from '../../src/modules/audit/audit.model';
import { Campaigns } from '../../src/modules/campaigns/campaigns.model';
import { Nominations, Votes } from '../../src/modules/selections/selections.model';
import { startTestApp, type TestApp } from '../helpers/app';
import { boundGroups, residentLogin, seedVillages, staffLogin, TOWN_MS, TOWN_ND, VILLAGE_A, VILLAGE_B, VILLAGE_C } from '../helpers/fixtures';
import { advance, approvedCandidate, createRound, PNG_1PX } from '../helpers/selections';

jest.setTimeout(120_000);
let t: TestApp;
let town: { token: string };
let worker: { token: string };
beforeAll(async () => {
  t = await startTestApp({ config: { STAFF_TOKEN_TTL_HOURS: '168' } });
  await seedVillages(t);
  town = await staffLogin(t, 'town_admin', TOWN_MS);
  worker = await staffLogin(t, 'village_worker', VILLAGE_A);
});
afterAll(() => t.close());

describe('rounds, nominations and review', () => {
  let id: string;
  let nid: string;

  test('when a town admin creates a round, then it is a draft; a village worker cannot create one and bad times are refused', async () => {
    expect((await t.request('POST', '/api/admin/v1/selections', { token: worker.token, body: {} })).status).toBe(403);
    const bad = await t.request('POST', '/api/admin/v1/selections', {
      token: town.token,
      body: {
        kind: 'happy_family',
        title: '倒序',
        areaCode: TOWN_MS,
        winners: 1,
        nominateFrom: '2026-12-05T00:00:00Z',
        nominateTo: '2026-12-01T00:00:00Z',
        voteFrom: '2026-12-06T00:00:00Z',
        voteTo: '2026-12-07T00:00:00Z',
      },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('voteFrom');
    id = await createRound(t, town.token);
    const round = await t.request('GET', `/api/admin/v1/selections/${id}`, { token: worker.token });
    expect(round.body).toMatchObject({ status: 'draft', kindLabel: '幸福家庭', votesPerDay: 3 });
    const other = await staffLogin(t, 'village_worker', VILLAGE_C);
    expect((await t.request('GET', `/api/admin/v1/selections/${id}`, { token: other.token })).status).toBe(404);
  });

  test('when a town admin changes the draft, then dates, votes per day and area change; once nominating it is locked, and bad times are refused', async () => {
    const url = `/api/admin/v1/selections/${id}`;
    expect((await t.request('PATCH', url, { token: worker.token, body: { votesPerDay: 5 } })).status).toBe(403);
    const bad = await t.request('PATCH', url, { token: town.token, body: { voteTo: '2020-01-01T00:00:00Z' } });
    expect(bad.body.error.details[0].path).toBe('voteFrom');
    expect((await t.request('PATCH', url, { token: town.token, body: { areaCode: TOWN_ND } })).status).toBe(403);
    const voteTo = new Date(t.clock.now().getTime() + 5 * 86_400_000).toISOString();
    const changed = await t.request('PATCH', url, { token: town.token, body: { votesPerDay: 5, voteTo, title: '2026年马尚街道幸福家庭评选（修订）' } });
    expect(changed.body).toMatchObject({ votesPerDay: 5, voteTo, title: '2026年马尚街道幸福家庭评选（修订）', status: 'draft' });
    expect((await t.request('GET', url, { token: worker.token })).body.votesPerDay).toBe(5);
    expect(await AuditLog(t.db).countDocuments({ action: 'selection.update', targetId: id })).toBe(1);
    await t.request('PATCH', url, { token: town.token, body: { votesPerDay: 3 } });
  });

  test('when a village worker nominates during nominating, then the name is sealed, masked in lists, and shown in full only with an audit record', async () => {
    expect(
      (
        await t.request('POST', `/api/admin/v1/selections/${id}/nominations`, {
          token: worker.token,
          body: { subject: 'family', name: '王建国家庭', villageCode: VILLAGE_A, story: '孝老爱亲，邻里和睦，热心公益十余年。' },
        })
      ).body.error.code,
    ).toBe('NOT_NOMINATING');
    expect((await advance(t, town.token, id, 'nominating')).body.status).toBe('nominating');
    expect((await t.request('PATCH', `/api/admin/v1/selections/${id}`, { token: town.token, body: { votesPerDay: 4 } })).body.error.code).toBe('ROUND_LOCKED');
    const n = await t.request('POST', `/api/admin/v1/selections/${id}/nominations`, {
      token: worker.token,
      body: { subject: 'family', name: '王建国家庭', phone: '13812345678', villageCode: VILLAGE_A, story: '孝老爱亲，邻里和睦，热心公益十余年。' },
    });
    expect(n.status).toBe(201);
    nid = n.body.id;
    expect(n.body).toMatchObject({ name: '王*国家庭'.slice(0, 1) + n.body.name.slice(1), phone: '138****5678', status: 'pending', consent: null });
    expect(
      (
        await t.request('POST', `/api/admin/v1/selections/${id}/nominations`, {
          token: worker.token,
          body: { subject: 'family', name: '外村', villageCode: VILLAGE_B, story: '不是本村的推荐不能由本村干部提交。' },
        })
      ).status,
    ).toBe(403);
    const raw = JSON.stringify(await Nominations(t.db).findById(nid).lean());
    expect(raw).not.toContain('王建国');
    expect(raw).not.toContain('13812345678');
    const full = await t.request('GET', `/api/admin/v1/selections/${id}/nominations/${nid}`, { token: worker.token });
    expect(full.body).toMatchObject({ name: '王建国家庭', phone: '13812345678' });
    expect(await AuditLog(t.db).countDocuments({ action: 'selection.nomination_view', targetId: nid })).toBe(1);
  });

  test('when photos are added, then only JPEG/PNG are taken and at most three', async () => {
    const url = `/api/admin/v1/selections/${id}/nominations/${nid}/photos`;
    expect((await t.request('POST', url, { token: worker.token, body: { dataBase64: Buffer.from('not an image at all').toString('base64') } })).status).toBe(
      415,
    );
    const up = await Promise.all([1, 2, 3, 4].map(() => t.request('POST', url, { token: worker.token, body: { dataBase64: PNG_1PX } })));
    expect(up.map((r) => r.status).sort()).toEqual([201, 201, 201, 409]);
    const photo = await t.request('GET', `${url}/${up.find((r) => r.status === 201)!.body.id}`, { token: worker.token });
    expect(photo.headers.get('content-type')).toBe('image/png');
    // Not public while the nomination waits for review.
    expect((await t.request('GET', `/api/v1/selections/${id}/candidates/${nid}/photos/${up.find((r) => r.status === 201)!.body.id}`)).status).toBe(404);
    expect(await AuditLog(t.db).countDocuments({ action: 'selection.photo_view', targetId: nid })).toBe(1);
  });

  test('when the town reviews, then approval needs the nominee’s consent, a rejection needs a reason, and a duplicate is merged', async () => {
    const review = (n: string, body: object, token = town.token) =>
      t.request('POST', `/api/admin/v1/selections/${id}/nominations/${n}/review`, { token, body });
    expect((await review(nid, { decision: 'approve' }, worker.token)).status).toBe(403);
    expect((await review(nid, { decision: 'approve' })).body.error.code).toBe('NOMINEE_CONSENT_REQUIRED');
    expect(
      (await t.request('POST', `/api/admin/v1/selections/${id}/nominations/${nid}/consent`, { token: worker.token, body: { method: 'signed_form' } })).body
        .consent.method,
    ).toBe('signed_form');
    expect((await review(nid, { decision: 'approve' })).body.status).toBe('approved');
    const dup = await t.request('POST', `/api/admin/v1/selections/${id}/nominations`, {
      token: worker.token,
      body: { subject: 'family', name: '王建国一家', villageCode: VILLAGE_A, story: '孝老爱亲，邻里和睦，热心公益十余年。' },
    });
    expect((await review(dup.body.id, { decision: 'merge', mergeInto: nid })).body).toMatchObject({ status: 'merged', mergedInto: nid });
    const weak = await t.request('POST', `/api/admin/v1/selections/${id}/nominations`, {
      token: worker.token,
      body: { subject: 'person', name: '李四', villageCode: VILLAGE_A, story: '材料不全，事迹无法核实的推荐。' },
    });
    expect((await review(weak.body.id, { decision: 'reject' })).status).toBe(400);
    expect((await review(weak.body.id, { decision: 'reject', reason: '事迹无法核实' })).body).toMatchObject({
      status: 'rejected',
      rejectReason: '事迹无法核实',
    });
    const list = await t.request('GET', `/api/admin/v1/selections/${id}/nominations?status=approved`, { token: town.token });
    expect(list.body.items.map((x: { id: string }) => x.id)).toEqual([nid]);
  });

  test('when a resident looks at the round, then only approved candidates with consent are public, with photos', async () => {
    const resident = await residentLogin(t, undefined, { village: VILLAGE_A });
    const round = await t.request('GET', `/api/v1/selections/${id}`, { token: resident.token });
    expect(round.status).toBe(200);
    const names = round.body.villages.flatMap((v: { candidates: Array<{ name: string }> }) => v.candidates.map((c) => c.name));
    expect(names).toEqual(['王建国家庭']);
    const cand = round.body.villages[0].candidates[0];
    expect(cand.photoIds).toHaveLength(3);
    const photo = await t.request('GET', `/api/v1/selections/${id}/candidates/${nid}/photos/${cand.photoIds[0]}`);
    expect(photo.status).toBe(200);
    expect(JSON.stringify(round.body)).not.toContain('138');
    const rounds = await t.request('GET', '/api/v1/selections', { token: resident.token });
    expect(rounds.body.items.map((r: { id: string }) => r.id)).toContain(id);
    const nd = await residentLogin(t, undefined, { village: VILLAGE_C });
    expect((await t.request('GET', '/api/v1/selections', { token: nd.token })).body.items.map((r: { id: string }) => r.id)).not.toContain(id);
  });
});

describe('public voting', () => {
  let id: string;
  let candidates: string[];
  let residents: Array<{ token: string; id: string }>;

  beforeAll(async () => {
    t.clock.set('2026-11-28T02:00:00Z');
    await boundGroups(t, VILLAGE_A, ['东村群']);
    id = await createRound(t, town.token, { title: '健康之星', kind: 'health_star', votesPerDay: 3 });
    await advance(t, town.token, id, 'nominating');
    candidates = [];
    for (const [i, v] of [VILLAGE_A, VILLAGE_A, VILLAGE_B, VILLAGE_B, VILLAGE_B].entries())
      candidates.push(await approvedCandidate(t, id, town.token, town.token, `候选${i}`, v));
    residents = [];
    for (let i = 0; i < 50; i++) residents.push(await residentLogin(t, undefined, { consent: true, village: i % 2 ? VILLAGE_A : VILLAGE_B }));
    await advance(t, town.token, id, 'reviewing');
  });

  const voteUrl = (nid: string) => `/api/v1/selections/${id}/candidates/${nid}/vote`;

  test('when voting opens, then the candidate list goes to the round’s groups as a broadcast under the campaign rules', async () => {
    expect((await t.request('POST', voteUrl(candidates[0]!), { token: residents[0]!.token })).body.error.code).toBe('NOT_VOTING');
    t.clock.set('2026-11-30T03:00:00Z');
    const res = await advance(t, town.token, id, 'voting');
    expect(res.body.status).toBe('voting');
    const posts = await Campaigns(t.db).find({ kind: 'broadcast', title: '健康之星评选' }).lean();
    expect(posts).toHaveLength(1);
    // A group post is a broadcast under the campaign rules: another approver lets it out.
    expect(posts[0]).toMatchObject({ status: 'pending_review', targets: { areaCodes: [TOWN_MS] } });
    expect(posts[0]!.text).toContain('共 5 位候选');
    expect((await t.request('POST', `/api/admin/v1/campaigns/${posts[0]!._id}/approve`, { token: town.token })).status).toBe(403);
    const district = await staffLogin(t, 'district_admin', '370303');
    expect((await t.request('POST', `/api/admin/v1/campaigns/${posts[0]!._id}/approve`, { token: district.token })).body.status).toBe('finished');
    expect((await advance(t, town.token, id, 'voting')).status).toBe(409);
  });

  async function storm(): Promise<{ expected: number; created: number; codes: Set<string> }> {
    // 200 votes: 4 per resident, on random candidates (repeats included), all at once.
    const plan = residents.flatMap((r, i) => Array.from({ length: 4 }, (_, k) => ({ r, nid: candidates[(i * 7 + k * k * 3 + (i % 3) * k) % 5]! })));
    const expected = residents.reduce((n, r) => n + Math.min(3, new Set(plan.filter((p) => p.r === r).map((p) => p.nid)).size), 0);
    const res = await Promise.all(plan.map((p) => t.request('POST', voteUrl(p.nid), { token: p.r.token })));
    const codes = new Set(res.filter((x) => x.status !== 201).map((x) => `${x.status}:${x.body.error.code}`));
    return { expected, created: res.filter((x) => x.status === 201).length, codes };
  }

  async function invariants(day: string): Promise<number> {
    const votes = await Votes(t.db).find({ selectionId: id, day }).lean();
    const byResident = new Map<string, string[]>();
    for (const v of votes) byResident.set(String(v.residentId), [...(byResident.get(String(v.residentId)) ?? []), String(v.nominationId)]);
    for (const list of byResident.values()) {
      expect(list.length).toBeLessThanOrEqual(3);
      expect(new Set(list).size).toBe(list.length);
    }
    return votes.length;
  }

  test('when 50 residents cast 200 votes at once on 5 candidates, and again the next day, then the totals are exactly the allowed votes', async () => {
    const d1 = await storm();
    expect(d1.created).toBe(d1.expected);
    expect([...d1.codes].every((c) => ['409:ALREADY_VOTED_TODAY', '409:DAILY_VOTE_LIMIT'].includes(c))).toBe(true);
    expect(await invariants('2026-11-30')).toBe(d1.expected);
    t.clock.advance(86_400_000);
    const d2 = await storm();
    expect(d2.created).toBe(d2.expected);
    expect(await invariants('2026-12-01')).toBe(d2.expected);
    const results = await t.request('GET', `/api/admin/v1/selections/${id}/results`, { token: town.token });
    const sum = results.body.totals.reduce((n: number, x: { votes: number; flagged: number }) => n + x.votes + x.flagged, 0);
    expect(sum).toBe(d1.expected + d2.expected);
  });

  test('when one resident votes, then the same candidate again that day is refused, and the fourth vote of the day too', async () => {
    const r = await residentLogin(t, undefined, { consent: true, village: VILLAGE_A });
    const first = await t.request('POST', voteUrl(candidates[0]!), { token: r.token });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ remainingToday: 2, flagged: true }); // the account was made after voting opened
    expect((await t.request('POST', voteUrl(candidates[0]!), { token: r.token })).body.error).toMatchObject({
      code: 'ALREADY_VOTED_TODAY',
      message: '今天已经给TA投过票了，明天再来吧',
    });
    await t.request('POST', voteUrl(candidates[1]!), { token: r.token });
    await t.request('POST', voteUrl(candidates[2]!), { token: r.token });
    expect((await t.request('POST', voteUrl(candidates[3]!), { token: r.token })).body.error.code).toBe('DAILY_VOTE_LIMIT');
    const mine = await t.request('GET', `/api/v1/selections/${id}`, { token: r.token });
    expect(mine.body.today).toMatchObject({ remaining: 0, votedFor: [candidates[0], candidates[1], candidates[2]] });
    const noConsent = await residentLogin(t);
    expect((await t.request('POST', voteUrl(candidates[0]!), { token: noConsent.token })).body.error.code).toBe('CONSENT_REQUIRED');
  });

  test('when a resident of another town or with no village votes in a town’s round, then the vote is refused and nothing is counted', async () => {
    const before = await Votes(t.db).countDocuments({ selectionId: id });
    for (const r of [await residentLogin(t, undefined, { consent: true, village: VILLAGE_C }), await residentLogin(t, undefined, { consent: true })]) {
      const res = await t.request('POST', voteUrl(candidates[1]!), { token: r.token });
      expect(res.status).toBe(403);
      expect(res.body).toEqual({ error: { code: 'OUT_OF_AREA', message: '本次评选只限活动范围内的村（社区）居民投票' } });
      expect((await t.request('GET', '/api/v1/selections', { token: r.token })).body.items.map((x: { id: string }) => x.id)).not.toContain(id);
    }
    expect(await Votes(t.db).countDocuments({ selectionId: id })).toBe(before);
  });

  test('when votes come from a new account or in a burst, then they are flagged for staff and shown apart from the clean count', async () => {
    const flagged = await t.request('GET', `/api/admin/v1/selections/${id}/flagged-votes`, { token: town.token });
    expect(flagged.body.items.length).toBeGreaterThanOrEqual(3);
    expect(flagged.body.items.some((v: { flags: string[] }) => v.flags.includes('new_account'))).toBe(true);
    expect(flagged.body.items.some((v: { flags: string[] }) => v.flags.includes('burst'))).toBe(true);
    const results = await t.request('GET', `/api/admin/v1/selections/${id}/results`, { token: town.token });
    const c0 = results.body.totals.find((x: { nominationId: string }) => x.nominationId === candidates[0]);
    const clean = await Votes(t.db).countDocuments({ selectionId: id, nominationId: candidates[0], flagged: false });
    expect(c0.votes).toBe(clean);
    expect(c0.flagged).toBe(await Votes(t.db).countDocuments({ selectionId: id, nominationId: candidates[0], flagged: true }));
  });

  test('when voting ends and results are published, then winners are fixed, posted to groups, and each has a certificate', async () => {
    const r = residents[0]!;
    expect((await t.request('GET', `/api/v1/selections/${id}/results`, { token: r.token })).body.error.code).toBe('NOT_PUBLISHED');
    t.clock.set('2026-12-02T03:00:00Z');
    expect((await t.request('POST', voteUrl(candidates[0]!), { token: r.token })).body.error.code).toBe('NOT_VOTING');
    await advance(t, town.token, id, 'closed');
    expect((await advance(t, town.token, id, 'published')).body.status).toBe('published');
    const res = await t.request('GET', `/api/v1/selections/${id}/results`, { token: r.token });
    expect(res.body.winners).toHaveLength(2);
    expect(res.body.winners[0].votes).toBeGreaterThanOrEqual(res.body.winners[1].votes);
    const post = await Campaigns(t.db)
      .findOne({ text: /评选结果公布/ })
      .lean();
    expect(post?.text).toContain(`1. ${res.body.winners[0].villageName} ${res.body.winners[0].name}`);
    const cert = await t.request('GET', `/api/v1/selections/${id}/winners/${res.body.winners[0].nominationId}/certificate.svg`);
    expect(cert.headers.get('content-type')).toContain('image/svg+xml');
    expect(cert.body).toContain(res.body.winners[0].name);
    expect(cert.body).toContain('健康之星');
    const loser = res.body.totals.find(
      (x: { nominationId: string }) => !res.body.winners.some((w: { nominationId: string }) => w.nominationId === x.nominationId),
    );
    expect((await t.request('GET', `/api/v1/selections/${id}/winners/${loser.nominationId}/certificate.svg`, { token: r.token })).status).toBe(404);
  });

  test('when a voter erases their account, then their votes still count but no longer point to them', async () => {
    const r = residents[1]!;
    const before = await Votes(t.db).countDocuments({ selectionId: id });
    expect((await t.request('DELETE', '/api/v1/me', { token: r.token })).status).toBeLessThan(300);
    expect(await Votes(t.db).countDocuments({ selectionId: id })).toBe(before);
    expect(await Votes(t.db).countDocuments({ residentId: r.id })).toBe(0);
  });

  test('when staff of another town ask, then the round and its votes are not theirs', async () => {
    const nd = await staffLogin(t, 'town_admin', TOWN_ND);
    for (const path of ['', '/results', '/flagged-votes', '/nominations', `/nominations/${candidates[0]}`]) {
      expect([403, 404]).toContain((await t.request('GET', `/api/admin/v1/selections/${id}${path}`, { token: nd.token })).status);
    }
  });
});
