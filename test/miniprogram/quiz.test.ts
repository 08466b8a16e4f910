import { launchApp } from './helpers/app';
import { errorReply, loginOk } from './helpers/fixtures';
import { exists, fire, openPage, rootClasses, texts, type PageName } from './helpers/page';
import { useWxMock, type WxMock } from './helpers/wx-mock';

const wxMock = useWxMock();

const question = (id: string, type = 'single', n = 4) => ({
  id,
  type,
  stem: `题目${id}`,
  options: Array.from({ length: n }, (_, i) => ({ key: 'ABCD'[i], text: `选项${i + 1}` })),
});
const attempt = (over: Record<string, unknown> = {}) => ({
  id: 'att-1',
  mode: 'daily',
  contestId: null,
  contestTitle: null,
  topic: null,
  createdAt: '2026-11-28T02:00:00.000Z',
  deadline: '2026-11-28T16:00:00.000Z',
  serverNow: '2026-11-28T02:00:00.000Z',
  questions: [question('q1'), question('q2', 'multi'), question('q3', 'judge', 2)],
  ...over,
});
const result = (over: Record<string, unknown> = {}) => ({
  attemptId: 'att-1',
  mode: 'daily',
  contestId: null,
  contestTitle: null,
  score: 67,
  correct: 2,
  total: 3,
  passScore: 60,
  passed: true,
  tooFast: false,
  durationMs: 60000,
  submittedAt: '2026-11-28T02:01:00.000Z',
  pointsEarned: 20,
  certificateCode: null,
  items: [
    {
      questionId: 'q1',
      type: 'single',
      stem: '题目q1',
      options: [
        { key: 'A', text: '对的' },
        { key: 'B', text: '错的' },
      ],
      yourChoice: ['A'],
      answer: ['A'],
      correct: true,
      explanation: '解析一',
    },
    {
      questionId: 'q2',
      type: 'multi',
      stem: '题目q2',
      options: [
        { key: 'A', text: '甲' },
        { key: 'B', text: '乙' },
      ],
      yourChoice: [],
      answer: ['A', 'B'],
      correct: false,
      explanation: '解析二',
    },
  ],
  ...over,
});

async function open(name: PageName, routes: (m: WxMock) => void, query: Record<string, string> = {}) {
  const mock = wxMock();
  mock.on('POST', '/api/v1/auth/login', loginOk('quiz-token'));
  routes(mock);
  await launchApp(mock);
  const page = await openPage(mock, name, query);
  return { mock, page };
}

describe('quiz hub', () => {
  const hubRoutes = (m: WxMock, contests: unknown[] = []) => {
    m.on('GET', '/api/v1/quiz/contests', { statusCode: 200, data: { items: contests } });
    m.on('GET', '/api/v1/quiz/topics', {
      statusCode: 200,
      data: {
        items: [
          { tag: '三减四健', label: '三减四健', count: 41 },
          { tag: 'hl66-2024', label: '健康素养66条', count: 120 },
        ],
      },
    });
    m.on('GET', '/api/v1/quiz/wrong-book', { statusCode: 200, data: { count: 3, items: [] } });
    m.on('GET', '/api/v1/quiz/points', { statusCode: 200, data: { total: 120, today: 20, dailyCap: 50 } });
  };
  const contest = (over: Record<string, unknown> = {}) => ({
    id: 'c1',
    title: '健康素养竞赛',
    description: '',
    startAt: '',
    endAt: '',
    questionCount: 10,
    timeLimitSec: 600,
    attemptsPerDay: 1,
    attemptsTotal: 3,
    passScore: 60,
    state: 'open',
    attemptsUsed: 1,
    certificateCode: null,
    ...over,
  });

  test('when the hub opens, then it shows points, daily practice, contests, topics and the wrong-book count', async () => {
    const { page } = await open('quiz', (m) => hubRoutes(m, [contest()]));
    expect(texts(page, '.points')).toEqual(['今天得分 20 / 50，累计 120 分']);
    expect(texts(page, '.contest-rules')).toEqual(['10 题，限时 10 分钟，60 分及格，还可答 2 次']);
    expect(texts(page, '.topic')).toEqual(['三减四健（41 题）', '健康素养66条（120 题）']);
    expect(texts(page, '.wrong-count')).toEqual(['还有 3 道错题']);
  });

  test('when 开始今天的练习, a contest, a topic or 练错题 is tapped, then the answer page opens in that mode', async () => {
    const { mock, page } = await open('quiz', (m) => hubRoutes(m, [contest()]));
    await fire(mock, page, '.open-daily');
    await fire(mock, page, '.start-contest');
    await fire(mock, page, '.topic');
    await fire(mock, page, '.open-wrong');
    await fire(mock, page, '.open-rank');
    expect(mock.navigations.map((n) => n.url)).toEqual([
      '/pages/quiz-answer/index?mode=daily',
      '/pages/quiz-answer/index?mode=contest&contestId=c1',
      `/pages/quiz-answer/index?mode=topic&topic=${encodeURIComponent('三减四健')}`,
      '/pages/quiz-answer/index?mode=wrongbook',
      '/pages/quiz-rank/index?contestId=c1',
    ]);
    expect(mock.navigations.every((n) => n.ok)).toBe(true);
  });

  test('when a contest has ended or no attempts are left, then there is no 参加竞赛 button; a certificate shows 我的证书', async () => {
    const { page } = await open('quiz', (m) =>
      hubRoutes(m, [contest({ state: 'ended', certificateCode: 'ABCDEFGH23' }), contest({ id: 'c2', attemptsUsed: 3 })]),
    );
    expect(exists(page, '.start-contest')).toBe(false);
    expect(texts(page, '.open-cert')).toEqual(['我的证书']);
  });

  test('when elderly mode is on, then the hub renders with the elder class', async () => {
    const mock = wxMock();
    mock.storage.set('elderlyMode', true);
    mock.on('POST', '/api/v1/auth/login', loginOk('quiz-token'));
    hubRoutes(mock);
    await launchApp(mock);
    const page = await openPage(mock, 'quiz');
    expect(rootClasses(page)).toContain('elder');
  });
});

describe('answer page', () => {
  test('when the daily practice opens, then one question shows at a time with progress, and no countdown', async () => {
    const { page } = await open('quiz-answer', (m) => m.on('GET', '/api/v1/quiz/daily', { statusCode: 200, data: { attempt: attempt(), result: null } }), {
      mode: 'daily',
    });
    expect(texts(page, '.progress')).toEqual(['第 1 / 3 题']);
    expect(texts(page, '.stem')).toEqual(['题目q1']);
    expect(texts(page, '.option')).toEqual(['A. 选项1', 'B. 选项2', 'C. 选项3', 'D. 选项4']);
    expect(exists(page, '.countdown')).toBe(false);
  });

  test('when options are tapped and the paper is handed in after confirming, then the chosen letters are sent once with an idempotency key', async () => {
    const { mock, page } = await open(
      'quiz-answer',
      (m) => {
        m.on('GET', '/api/v1/quiz/daily', { statusCode: 200, data: { attempt: attempt(), result: null } });
        m.on('PUT', '/api/v1/quiz/attempts/att-1/answers', (req) => ({
          statusCode: 200,
          data: {
            attemptId: 'att-1',
            saved: (req.data as { answers: unknown[] }).answers.length,
            savedAt: '2026-11-28T02:01:00.000Z',
            deadline: '2026-11-28T16:00:00.000Z',
          },
        }));
        m.on('POST', '/api/v1/quiz/attempts/att-1/submit', { statusCode: 200, data: result() });
      },
      { mode: 'daily' },
    );
    await fire(mock, page, page.querySelectorAll('.option')[1]!);
    expect(texts(page, '.chosen')).toEqual(['B. 选项2']);
    await fire(mock, page, '.next');
    await fire(mock, page, page.querySelectorAll('.option')[0]!);
    await fire(mock, page, page.querySelectorAll('.option')[2]!);
    expect(texts(page, '.chosen')).toEqual(['A. 选项1', 'C. 选项3']);
    // every answer is kept on the server as it is given
    expect(mock.requestsTo('PUT', '/api/v1/quiz/attempts/att-1/answers').pop()!.data).toEqual({
      answers: [
        { questionId: 'q1', choice: ['B'] },
        { questionId: 'q2', choice: ['A', 'C'] },
      ],
    });
    await fire(mock, page, '.next');
    expect(texts(page, '.progress')).toEqual(['第 3 / 3 题']);
    await fire(mock, page, '.submit');
    expect(mock.modals[0]).toMatchObject({ title: '确认交卷', content: '还有 1 道题没有答，确定交卷吗？' });
    const sent = mock.requestsTo('POST', '/api/v1/quiz/attempts/att-1/submit');
    expect(sent).toHaveLength(1);
    expect(sent[0]!.data).toEqual({
      answers: [
        { questionId: 'q1', choice: ['B'] },
        { questionId: 'q2', choice: ['A', 'C'] },
        { questionId: 'q3', choice: [] },
      ],
    });
    expect(sent[0]!.header['Idempotency-Key']).toMatch(/\w+-\w+/);
    expect(mock.navigations).toEqual([{ api: 'redirectTo', url: '/pages/quiz-result/index?attemptId=att-1', ok: true }]);
  });

  test('when the confirmation is cancelled, then nothing is sent', async () => {
    const { mock, page } = await open(
      'quiz-answer',
      (m) => m.on('GET', '/api/v1/quiz/daily', { statusCode: 200, data: { attempt: attempt({ questions: [question('q1')] }), result: null } }),
      { mode: 'daily' },
    );
    mock.modalConfirms = false;
    await fire(mock, page, '.submit');
    expect(mock.requestsTo('POST', '/api/v1/quiz/attempts/att-1/submit')).toHaveLength(0);
  });

  test('when a contest attempt starts, then the countdown runs from the server deadline, not the phone clock', async () => {
    const { page } = await open(
      'quiz-answer',
      (m) =>
        m.on('POST', '/api/v1/quiz/contests/c1/attempts', {
          statusCode: 201,
          data: attempt({ mode: 'contest', contestId: 'c1', contestTitle: '健康竞赛', deadline: '2026-11-28T02:10:00.000Z' }),
        }),
      { mode: 'contest', contestId: 'c1' },
    );
    expect(texts(page, '.title')).toEqual(['健康竞赛']);
    expect(texts(page, '.countdown')[0]).toMatch(/^剩余 (10:00|09:59)$/);
    page.detach();
  });

  test('when the server deadline has already come, then the answers are sent at once and the result opens', async () => {
    const { mock } = await open(
      'quiz-answer',
      (m) => {
        m.on('POST', '/api/v1/quiz/contests/c1/attempts', {
          statusCode: 201,
          data: attempt({ mode: 'contest', contestId: 'c1', deadline: '2026-11-28T02:00:00.000Z' }),
        });
        m.on('POST', '/api/v1/quiz/attempts/att-1/submit', { statusCode: 200, data: result() });
      },
      { mode: 'contest', contestId: 'c1' },
    );
    expect(mock.requestsTo('POST', '/api/v1/quiz/attempts/att-1/submit')).toHaveLength(1);
    expect(mock.modals).toEqual([]);
  });

  test('when the contest refuses another attempt, then the server message is shown', async () => {
    const { mock, page } = await open(
      'quiz-answer',
      (m) => m.on('POST', '/api/v1/quiz/contests/c1/attempts', errorReply(409, 'DAILY_ATTEMPTS_USED', '今天的 1 次机会已用完，明天再来吧')),
      { mode: 'contest', contestId: 'c1' },
    );
    expect(mock.lastToast()).toMatchObject({ title: '今天的 1 次机会已用完，明天再来吧' });
    expect(exists(page, '.load-failed')).toBe(true);
  });

  test('when today’s practice was already handed in, then the result page opens instead', async () => {
    const { mock } = await open('quiz-answer', (m) => m.on('GET', '/api/v1/quiz/daily', { statusCode: 200, data: { attempt: attempt(), result: result() } }), {
      mode: 'daily',
    });
    expect(mock.navigations).toEqual([{ api: 'redirectTo', url: '/pages/quiz-result/index?attemptId=att-1', ok: true }]);
  });

  test('when topic practice opens, then the topic is sent to the server', async () => {
    const { mock } = await open(
      'quiz-answer',
      (m) => m.on('POST', '/api/v1/quiz/practice', { statusCode: 201, data: attempt({ mode: 'topic', topic: '三减四健' }) }),
      { mode: 'topic', topic: encodeURIComponent('三减四健') },
    );
    expect(mock.requestsTo('POST', '/api/v1/quiz/practice')[0]!.data).toEqual({ topic: '三减四健' });
  });
});

describe('result page', () => {
  test('when the result opens, then score, verdict, points and each question with answer and explanation show', async () => {
    const { page } = await open(
      'quiz-result',
      (m) => m.on('GET', '/api/v1/quiz/attempts/att-1', { statusCode: 200, data: { attempt: attempt(), result: result() } }),
      { attemptId: 'att-1' },
    );
    expect(texts(page, '.score')).toEqual(['67 分']);
    expect(texts(page, '.verdict')).toEqual(['恭喜，及格了！']);
    expect(texts(page, '.points')).toEqual(['获得 20 积分']);
    expect(texts(page, '.mark')).toEqual(['✔ 答对了', '✘ 答错了']);
    expect(texts(page, '.yours')).toEqual(['您的答案：A', '您的答案：没有作答']);
    expect(texts(page, '.answer')).toEqual(['正确答案：A', '正确答案：A、B']);
    expect(texts(page, '.explanation')).toEqual(['解析一', '解析二']);
  });

  test('when the contest was passed with a certificate, then 查看我的证书 opens it; too fast shows the notice', async () => {
    const { mock, page } = await open(
      'quiz-result',
      (m) =>
        m.on('GET', '/api/v1/quiz/attempts/att-1', {
          statusCode: 200,
          data: { attempt: attempt(), result: result({ certificateCode: 'ABCDEFGH23', tooFast: true, passed: false, passScore: 80 }) },
        }),
      { attemptId: 'att-1' },
    );
    expect(texts(page, '.verdict')).toEqual(['还差一点，80 分及格，再学一学。']);
    expect(exists(page, '.too-fast')).toBe(true);
    await fire(mock, page, '.open-cert');
    expect(mock.navigations).toEqual([{ api: 'navigateTo', url: '/pages/quiz-cert/index?mine=1&code=ABCDEFGH23', ok: true }]);
  });
});

describe('result page: loading, failure and a paper not handed in', () => {
  test('when the result cannot be fetched, then 再试一次 fetches it again and shows the score', async () => {
    const { mock, page } = await open(
      'quiz-result',
      (m) =>
        m.on(
          'GET',
          '/api/v1/quiz/attempts/att-1',
          { networkError: 'request:fail timeout' },
          { statusCode: 200, data: { attempt: attempt(), result: result() } },
        ),
      { attemptId: 'att-1' },
    );
    expect(texts(page, '.load-failed')[0]).toContain('网络不太好，没有拿到成绩。');
    expect(exists(page, '.score')).toBe(false);
    expect(exists(page, '.loading')).toBe(false);
    await fire(mock, page, '.retry');
    expect(mock.requestsTo('GET', '/api/v1/quiz/attempts/att-1')).toHaveLength(2);
    expect(texts(page, '.score')).toEqual(['67 分']);
    expect(exists(page, '.load-failed')).toBe(false);
  });

  test('when the paper was not handed in, then the page says so and 接着答题 reopens it', async () => {
    const { mock, page } = await open(
      'quiz-result',
      (m) => m.on('GET', '/api/v1/quiz/attempts/att-1', { statusCode: 200, data: { attempt: attempt(), result: null } }),
      { attemptId: 'att-1' },
    );
    expect(texts(page, '.not-submitted .section-title')).toEqual(['这份试卷还没有交']);
    expect(exists(page, '.load-failed')).toBe(false);
    await fire(mock, page, '.continue');
    expect(mock.navigations).toEqual([{ api: 'redirectTo', url: '/pages/quiz-answer/index?attemptId=att-1', ok: true }]);
  });
});

describe('leaderboard page', () => {
  const board = (scope: string, name: string) => ({
    scope,
    computedAt: '',
    participants: 2,
    me: { rank: 2, score: 80 },
    entries: [
      { rank: 1, name, score: 100, durationSec: 50, me: false },
      { rank: 2, name: '王*', score: 80, durationSec: 70, me: true },
    ],
    villages: [{ rank: 1, code: 'v1', name: '东村', participants: 2, registered: 4, participation: 0.5, avgScore: 90 }],
  });

  test('when the board opens and 全区 is tapped, then my rank, the entries and village participation follow the scope', async () => {
    const { mock, page } = await open(
      'quiz-rank',
      (m) => {
        m.on('GET', '/api/v1/quiz/contests/c1/leaderboard?scope=village', { statusCode: 200, data: board('village', '张*') });
        m.on('GET', '/api/v1/quiz/contests/c1/leaderboard?scope=district', { statusCode: 200, data: board('district', '李*') });
      },
      { contestId: 'c1' },
    );
    expect(texts(page, '.my-rank')).toEqual(['我排第 2 名，80 分']);
    expect(texts(page, '.entry .name')).toEqual(['张*', '王*']);
    expect(texts(page, '.village .rate')).toEqual(['50%（2/4 人），平均 90 分']);
    await fire(mock, page, '.scope-district');
    expect(texts(page, '.entry .name')).toEqual(['李*', '王*']);
  });

  test('when the board cannot be fetched, then 再试一次 fetches it again', async () => {
    const { mock, page } = await open(
      'quiz-rank',
      (m) => {
        m.on(
          'GET',
          '/api/v1/quiz/contests/c1/leaderboard?scope=village',
          { networkError: 'request:fail timeout' },
          { statusCode: 200, data: board('village', '张*') },
        );
      },
      { contestId: 'c1' },
    );
    expect(texts(page, '.load-failed')[0]).toContain('网络不太好，没有加载出来。');
    expect(exists(page, '.my-rank')).toBe(false);
    expect(exists(page, '.empty')).toBe(false);
    await fire(mock, page, '.retry');
    expect(texts(page, '.my-rank')).toEqual(['我排第 2 名，80 分']);
    expect(exists(page, '.load-failed')).toBe(false);
  });

  test('when nobody has handed in yet, then the board says so instead of an empty list', async () => {
    const { page } = await open(
      'quiz-rank',
      (m) => {
        m.on('GET', '/api/v1/quiz/contests/c1/leaderboard?scope=village', {
          statusCode: 200,
          data: { ...board('village', '张*'), participants: 0, me: null, entries: [], villages: [] },
        });
      },
      { contestId: 'c1' },
    );
    expect(texts(page, '.empty .section-title')).toEqual(['还没有人交卷']);
    expect(exists(page, '.my-rank')).toBe(false);
    expect(exists(page, '.load-failed')).toBe(false);
  });
});

describe('certificate page', () => {
  test('when a certificate code opens, then the masked name, contest, score and code show, fetched without a token', async () => {
    const { mock, page } = await open(
      'quiz-cert',
      (m) =>
        m.on('GET', '/api/v1/certificates/ABCDEFGH23', {
          statusCode: 200,
          data: { code: 'ABCDEFGH23', name: '王**', contestTitle: '健康竞赛', score: 100, issuedOn: '2026-11-28' },
        }),
      { code: 'ABCDEFGH23' },
    );
    expect(texts(page, '.cert-name')).toEqual(['王**']);
    expect(texts(page, '.cert-contest')).toEqual(['健康竞赛：100 分']);
    expect(texts(page, '.cert-code')).toEqual(['验证码 ABCDEFGH23']);
    expect(mock.requestsTo('GET', '/api/v1/certificates/ABCDEFGH23')[0]!.header.Authorization).toBeUndefined();
  });
});
