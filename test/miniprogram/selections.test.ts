import { errorReply, loginOk } from './helpers/fixtures';
import { launchApp } from './helpers/app';
import { exists, fire, openPage, texts, type PageName } from './helpers/page';
import { useWxMock, type WxMock } from './helpers/wx-mock';

const wxMock = useWxMock();
const ROUND = 'a'.repeat(24);
const C1 = 'b'.repeat(24);
const C2 = 'c'.repeat(24);

const round = (over: Record<string, unknown> = {}) => ({
  id: ROUND,
  kind: 'happy_family',
  kindLabel: '幸福家庭',
  title: '2026年马尚街道幸福家庭评选',
  rules: '每人每天可投 3 票',
  areaCode: '370303-JD-MS',
  nominateFrom: '2026-11-27T02:00:00.000Z',
  nominateTo: '2026-11-30T02:00:00.000Z',
  voteFrom: '2026-11-30T02:00:00.000Z',
  voteTo: '2026-12-02T02:00:00.000Z',
  winners: 1,
  votesPerDay: 3,
  residentNominations: false,
  status: 'voting',
  statusLabel: '投票中',
  ...over,
});
const candidate = (id: string, name: string, votes: number) => ({
  id,
  subject: 'family',
  name,
  villageCode: 'v',
  villageName: '东村',
  story: `${name}孝老爱亲，邻里和睦。`,
  photoIds: id === C1 ? ['d'.repeat(24)] : [],
  votes,
});
const view = (votedFor: string[], remaining: number, over: Record<string, unknown> = {}) => ({
  round: round(over),
  villages: [{ villageCode: 'v', villageName: '东村', candidates: [candidate(C1, '王家', 12 + votedFor.length), candidate(C2, '李家', 7)] }],
  today: { day: '2026-11-30', votedFor, remaining },
});

async function open(mock: WxMock, name: string, query: Record<string, string> = {}) {
  mock.on('POST', '/api/v1/auth/login', loginOk('tok'));
  await launchApp(mock);
  return openPage(mock, name as PageName, query);
}

describe('selections in the mini-program', () => {
  test('when the list opens, then rounds show with their vote dates and a tap opens the round', async () => {
    const mock = wxMock();
    mock.on('GET', '/api/v1/selections', { statusCode: 200, data: { items: [round()] } });
    const page = await open(mock, 'selections');
    expect(texts(page, '.round-title')).toEqual(['2026年马尚街道幸福家庭评选']);
    expect(texts(page, '.when')).toEqual(['投票：11月30日—12月2日']);
    await fire(mock, page, '.round');
    expect(mock.navigations.pop()).toEqual({ api: 'navigateTo', url: `/pages/selections/round/index?id=${ROUND}`, ok: true });
  });

  test('when a resident votes, then the button says so, the count and the votes left today follow, and a refusal shows the server’s words', async () => {
    const mock = wxMock();
    mock.on('GET', `/api/v1/selections/${ROUND}`, { statusCode: 200, data: view([], 3) }, { statusCode: 200, data: view([C1], 2) });
    mock.on('POST', `/api/v1/selections/${ROUND}/candidates/${C1}/vote`, { statusCode: 201, data: { voted: true, remainingToday: 2, flagged: false } });
    mock.on('POST', `/api/v1/selections/${ROUND}/candidates/${C2}/vote`, errorReply(409, 'DAILY_VOTE_LIMIT', '每人每天最多投 3 票，今天的票已经投完了'));
    const page = await open(mock, 'selections/round', { id: ROUND });
    expect(texts(page, '.cand-name')).toEqual(['王家', '李家']);
    expect(texts(page, '.today')).toEqual(['今天还能投 3 票（每位候选每天 1 票）']);
    expect(page.querySelector('.photo')).toBeDefined();
    await fire(mock, page, page.querySelectorAll('.vote')[0]!);
    expect(mock.requestsTo('POST', `/api/v1/selections/${ROUND}/candidates/${C1}/vote`)).toHaveLength(1);
    expect(mock.lastToast()).toMatchObject({ title: '投票成功，今天还能投 2 票' });
    expect(texts(page, '.vote')).toEqual(['今天已投', '投一票']);
    expect(texts(page, '.votes')).toEqual(['已得 13 票', '已得 7 票']);
    expect(texts(page, '.today')).toEqual(['今天还能投 2 票（每位候选每天 1 票）']);
    await fire(mock, page, page.querySelectorAll('.vote')[1]!);
    expect(mock.lastToast()).toMatchObject({ title: '每人每天最多投 3 票，今天的票已经投完了' });
    expect(page.data.busy).toBe(false);
  });

  test('when a candidate is opened, then the story and photos show and the vote can be cast there', async () => {
    const mock = wxMock();
    mock.on('GET', `/api/v1/selections/${ROUND}/candidates/${C1}`, { statusCode: 200, data: candidate(C1, '王家', 12) });
    mock.on('POST', `/api/v1/selections/${ROUND}/candidates/${C1}/vote`, { statusCode: 201, data: { voted: true, remainingToday: 0, flagged: false } });
    const page = await open(mock, 'selections/candidate', { id: ROUND, nid: C1 });
    expect(texts(page, '.title')).toEqual(['王家']);
    expect(texts(page, '.story')).toEqual(['王家孝老爱亲，邻里和睦。']);
    expect(page.data.photos).toEqual([`http://127.0.0.1:3000/api/v1/selections/${ROUND}/candidates/${C1}/photos/${'d'.repeat(24)}`]);
    await fire(mock, page, '.vote');
    expect(mock.lastToast()).toMatchObject({ title: '投票成功' });
  });

  test('when results are published, then the winners show with their certificates and no vote button', async () => {
    const mock = wxMock();
    mock.on('GET', `/api/v1/selections/${ROUND}`, { statusCode: 200, data: view([], 3, { status: 'published', statusLabel: '已公布' }) });
    mock.on('GET', `/api/v1/selections/${ROUND}/results`, {
      statusCode: 200,
      data: { round: round(), winners: [{ rank: 1, nominationId: C1, name: '王家', villageName: '东村', votes: 12, flagged: 1 }], totals: [] },
    });
    const page = await open(mock, 'selections/round', { id: ROUND });
    expect(texts(page, '.winner-name')).toEqual(['第1名　东村 王家（12 票）']);
    expect(page.data.winners[0].cert).toBe(`http://127.0.0.1:3000/api/v1/selections/${ROUND}/winners/${C1}/certificate.svg`);
    expect(exists(page, '.vote')).toBe(false);
  });
});
