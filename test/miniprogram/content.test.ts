import * as fs from 'fs';
import * as path from 'path';
import { launchApp } from './helpers/app';
import { loginOk } from './helpers/fixtures';
import { exists, fire, openPage, texts, type PageName } from './helpers/page';
import { API_BASE, useWxMock, type WxMock } from './helpers/wx-mock';
import { useSpeechPlugin, type SpeechPlugin } from '../../miniprogram/utils/read-aloud';

const wxMock = useWxMock();

/** With MP_PREVIEW_DIR set, the page as rendered, for the preview renderer (as the journeys' Phone does). */
function snapshot(page: { dom: { outerHTML: string } }, name: string): void {
  const dir = process.env.MP_PREVIEW_DIR;
  if (!dir) return;
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${name}.html`), page.dom.outerHTML);
}

/** A stand-in for the 同声传译 plugin: records each text and answers with a sound file named after the call. */
function fakePlugin() {
  const asked: string[] = [];
  const plugin: SpeechPlugin = {
    textToSpeech(opts) {
      asked.push(opts.content);
      setTimeout(() => opts.success({ retcode: 0, filename: `tts://${asked.length}.mp3` }), 0);
    },
  };
  return { plugin, asked };
}

const article = (over: Record<string, unknown> = {}) => ({
  id: 'a1',
  version: 1,
  publishedAt: '2026-11-28T02:00:00.000Z',
  kind: 'article',
  title: '减盐：每天不超过5克',
  cover: null,
  coverUrl: null,
  blocks: [{ text: '成年人每天吃盐不超过5克。' }, { text: '做菜用限盐勺。' }],
  audio: null,
  audioUrl: null,
  video: null,
  topics: ['sjsj'],
  items: [27],
  source: '《中国居民膳食指南（2022）》',
  audience: null,
  speech: '减盐：每天不超过5克\n成年人每天吃盐不超过5克。\n做菜用限盐勺。',
  share: { title: '减盐：每天不超过5克', path: '/pages/content/article/index?id=a1' },
  mine: { completed: false, points: 0 },
  ...over,
});

async function open(name: PageName, routes: (m: WxMock) => void, query: Record<string, string> = {}, before?: (m: WxMock) => void) {
  const mock = wxMock();
  mock.on('POST', '/api/v1/auth/login', loginOk('content-token'));
  routes(mock);
  before?.(mock);
  await launchApp(mock);
  const tts = fakePlugin();
  useSpeechPlugin(tts.plugin);
  const page = await openPage(mock, name, query);
  return { mock, page, tts };
}

const articleRoutes =
  (a = article()) =>
  (m: WxMock) => {
    m.on('GET', '/api/v1/content/articles/a1', { statusCode: 200, data: a });
    m.on('POST', '/api/v1/content/articles/a1/listen', { statusCode: 200, data: { ok: true } });
    m.on('POST', '/api/v1/content/articles/a1/complete', { statusCode: 200, data: { pointsEarned: 10, alreadyCompleted: false, today: 30, dailyCap: 50 } });
  };

describe('article read aloud', () => {
  test('when 听 is tapped, then the plugin speaks the text; tapped again it pauses, then goes on; heard to the end it earns points once', async () => {
    const { mock, page, tts } = await open('content/article', articleRoutes(), { id: 'a1' });
    expect(texts(page, '.listen-label')).toEqual(['听']);
    await fire(mock, page, '.listen');
    expect(tts.asked).toEqual([article().speech.replace(/\n/g, '')]);
    const audio = mock.audios[0]!;
    expect(audio.log).toEqual(['play tts://1.mp3']);
    expect(texts(page, '.listen-label')).toEqual(['暂停']);
    expect(mock.requestsTo('POST', '/api/v1/content/articles/a1/listen')).toHaveLength(1);

    await fire(mock, page, '.listen');
    expect(audio.log[audio.log.length - 1]).toBe('pause');
    expect(texts(page, '.listen-label')).toEqual(['接着听']);
    await fire(mock, page, '.listen');
    expect(audio.log[audio.log.length - 1]).toBe('play tts://1.mp3');
    expect(texts(page, '.listen-label')).toEqual(['暂停']);

    audio.finish();
    await fire(mock, page, '.article-title', 'longpress'); // lets the completion request settle
    expect(mock.requestsTo('POST', '/api/v1/content/articles/a1/complete').map((r) => r.data)).toEqual([{ how: 'listen' }]);
    expect(texts(page, '.points')).toEqual(['学完了，得 10 积分']);
    expect(texts(page, '.listen-label')).toEqual(['再听一遍']);
    page.instance.onReachBottom();
    expect(mock.requestsTo('POST', '/api/v1/content/articles/a1/complete')).toHaveLength(1);
  });

  test('when a staff recording exists, then 听 plays it instead of the speech plugin', async () => {
    const { mock, page, tts } = await open('content/article', articleRoutes(article({ audio: 'f1', audioUrl: '/api/v1/content/files/f1' })), { id: 'a1' });
    expect(exists(page, '.voice')).toBe(true);
    await fire(mock, page, '.listen');
    expect(tts.asked).toEqual([]);
    expect(mock.audios[0]!.log).toEqual([`play ${API_BASE}/api/v1/content/files/f1`]);
  });

  test('when a long text is heard, then it is spoken piece by piece, each after the last ended', async () => {
    const long = `${'多吃蔬菜水果。'.repeat(50)}`;
    const { mock, page, tts } = await open('content/article', articleRoutes(article({ speech: long })), { id: 'a1' });
    await fire(mock, page, '.listen');
    expect(tts.asked).toHaveLength(1);
    mock.audios[0]!.finish();
    await fire(mock, page, '.article-title', 'longpress');
    expect(tts.asked).toHaveLength(2);
    expect(tts.asked.join('')).toBe(long);
    expect(mock.requestsTo('POST', '/api/v1/content/articles/a1/complete')).toHaveLength(0);
  });

  test('when elderly mode and reading on open are chosen, then the article starts reading by itself', async () => {
    const { mock, page, tts } = await open('content/article', articleRoutes(), { id: 'a1' }, (m) => {
      m.storage.set('elderlyMode', true);
      m.storage.set('autoReadAloud', true);
    });
    expect(tts.asked).toHaveLength(1);
    expect(texts(page, '.listen-label')).toEqual(['暂停']);
    expect(exists(page, '.auto-read')).toBe(true);
    expect(mock.audios[0]!.log).toEqual(['play tts://1.mp3']);
    snapshot(page, 'content-article__elder-reading');
  });

  test('when elderly mode is on but reading on open is not chosen, then nothing plays until 听', async () => {
    const { page, tts } = await open('content/article', articleRoutes(), { id: 'a1' }, (m) => m.storage.set('elderlyMode', true));
    expect(tts.asked).toEqual([]);
    expect(texts(page, '.listen-label')).toEqual(['听']);
  });

  test('when read to the bottom, then points are asked for once; sharing gives the mini-program card', async () => {
    const { mock, page } = await open('content/article', articleRoutes(), { id: 'a1' });
    page.instance.onReachBottom();
    page.instance.onReachBottom();
    await fire(mock, page, '.article-title', 'longpress');
    expect(mock.requestsTo('POST', '/api/v1/content/articles/a1/complete').map((r) => r.data)).toEqual([{ how: 'read' }]);
    expect(mock.lastToast()).toMatchObject({ title: '+10 积分' });
    expect(page.instance.onShareAppMessage()).toEqual({ title: '减盐：每天不超过5克', path: '/pages/content/article/index?id=a1' });
  });

  test('when a video article opens, then 看视频 opens the 视频号 video', async () => {
    const video = { finderUserName: 'sphABCDEF', feedId: 'export/abc' };
    const { mock, page } = await open('content/article', articleRoutes(article({ kind: 'video', video })), { id: 'a1' });
    await fire(mock, page, '.video');
    expect(mock.channels).toEqual([video]);
  });
});

describe('quiz mistakes and questions', () => {
  test('when a quiz mistake is opened, then the article page finds the article of its item and shows it', async () => {
    const { page } = await open(
      'content/article',
      (m) => {
        m.on('GET', '/api/v1/content/for-question?item=27', { statusCode: 200, data: { id: 'a1', title: '减盐：每天不超过5克' } });
        articleRoutes()(m);
      },
      { item: '27' },
    );
    expect(texts(page, '.article-title')).toEqual(['减盐：每天不超过5克']);
  });

  test('when a question is on screen, then 听 reads its stem and every option', async () => {
    const attempt = {
      id: 'att-1',
      mode: 'daily',
      contestId: null,
      contestTitle: null,
      topic: null,
      createdAt: '2026-11-28T02:00:00.000Z',
      deadline: '2026-11-28T16:00:00.000Z',
      serverNow: '2026-11-28T02:00:00.000Z',
      questions: [
        {
          id: 'q1',
          type: 'single',
          stem: '成年人每天吃盐不超过多少克？',
          options: [
            { key: 'A', text: '5克' },
            { key: 'B', text: '10克' },
          ],
        },
      ],
    };
    const { mock, page, tts } = await open('quiz-answer', (m) => m.on('GET', '/api/v1/quiz/daily', { statusCode: 200, data: { attempt, result: null } }));
    await fire(mock, page, '.listen');
    expect(tts.asked).toEqual(['成年人每天吃盐不超过多少克？A，5克。B，10克。']);
    expect(mock.audios[0]!.log).toEqual(['play tts://1.mp3']);
    snapshot(page, 'quiz-answer__listening');
  });
});

describe('the 健康知识 tab', () => {
  test("when it opens, then it shows what is recommended and why, the topics, and the first topic's articles; search lists matches", async () => {
    const summary = (id: string, title: string) => ({ id, kind: 'article', title, excerpt: '……', cover: null, topics: ['hl66'], items: [1], hasAudio: false });
    const { mock, page } = await open(
      'content',
      (m) => {
        m.on('GET', '/api/v1/content/recommended', {
          statusCode: 200,
          data: { items: [{ ...summary('r1', '两癌筛查：女性的健康保障'), reason: '适合中年女性读' }], basis: '按您的性别、年龄段、最近答错的题推荐' },
        });
        m.on('GET', '/api/v1/content/articles?topic=hl66&limit=20', {
          statusCode: 200,
          data: { items: [summary('a1', '健康不只是不生病')], nextCursor: null },
        });
        m.on('GET', `/api/v1/content/articles?q=${encodeURIComponent('血压')}&limit=20`, {
          statusCode: 200,
          data: { items: [summary('a16', '关注血压，管好高血压')], nextCursor: null },
        });
      },
      {},
      (m) => m.storage.set('elderlyMode', true),
    );
    expect(texts(page, '.rec .reason')).toEqual(['适合中年女性读']);
    expect(texts(page, '.item .article-title')).toEqual(['健康不只是不生病']);
    snapshot(page, 'content__elder-tab');
    await fire(mock, page, '.search-input', 'input', { value: '血压' });
    await fire(mock, page, '.search-btn');
    expect(texts(page, '.item .article-title')).toEqual(['关注血压，管好高血压']);
    await fire(mock, page, '.item');
    expect(mock.navigations[mock.navigations.length - 1]).toMatchObject({ url: '/pages/content/article/index?id=a16', ok: true });
  });
});

describe('quiz result', () => {
  test('when an answer was wrong, then 看讲解文章 opens the article of its item', async () => {
    const result = {
      attemptId: 'att-1',
      mode: 'daily',
      contestId: null,
      contestTitle: null,
      score: 0,
      correct: 0,
      total: 1,
      passScore: 60,
      passed: false,
      tooFast: false,
      durationMs: 60000,
      submittedAt: '2026-11-28T02:01:00.000Z',
      pointsEarned: 0,
      certificateCode: null,
      items: [
        {
          questionId: 'q1',
          type: 'single',
          stem: '成年人每天吃盐不超过多少克？',
          options: [{ key: 'A', text: '5克' }],
          yourChoice: [],
          answer: ['A'],
          correct: false,
          explanation: '不超过5克。',
          item: 27,
          topics: [],
        },
      ],
    };
    const { mock, page } = await open('quiz-result', (m) => m.on('GET', '/api/v1/quiz/attempts/att-1', { statusCode: 200, data: { attempt: {}, result } }), {
      attemptId: 'att-1',
    });
    await fire(mock, page, '.learn');
    expect(mock.navigations[mock.navigations.length - 1]).toMatchObject({ url: '/pages/content/article/index?item=27', ok: true });
  });
});
