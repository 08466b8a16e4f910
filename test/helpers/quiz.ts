import { Types } from 'mongoose';
import { seedQuestionBank } from '../../src/modules/quiz/bank.service';
import { Attempts, QuestionVersions } from '../../src/modules/quiz/quiz.model';
import { LETTERS } from '../../src/modules/quiz/quiz.rules';
import type { TestApp } from './app';
import { staffLogin } from './fixtures';

export { seedQuestionBank };

/** The right answers for an attempt in display letters, read from the database (what the server knows). */
export async function rightAnswers(t: TestApp, attemptId: string): Promise<{ questionId: string; choice: string[] }[]> {
  const a = await Attempts(t.db).findById(attemptId).lean();
  if (!a) throw new Error('no attempt');
  return Promise.all(
    a.items.map(async (it) => {
      const v = await QuestionVersions(t.db).findOne({ questionId: it.questionId, version: it.version }).lean();
      return { questionId: String(it.questionId), choice: v!.answer.map((k) => LETTERS[it.optionOrder.indexOf(k)]!).sort() };
    }),
  );
}

/** Wrong answers: for each question a single letter that is not (exactly) the answer. */
export async function wrongAnswers(t: TestApp, attemptId: string) {
  const right = await rightAnswers(t, attemptId);
  return right.map((r) => ({ questionId: r.questionId, choice: [LETTERS.find((l) => !r.choice.includes(l))!] }));
}

/** Body keys that must never reach the phone before submit. */
export function leaksAnswers(body: unknown): string[] {
  const found: string[] = [];
  const walk = (v: unknown, path: string) => {
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (['answer', 'answers', 'explanation', 'correct', 'optionOrder', 'choice'].includes(k)) found.push(`${path}.${k}`);
        walk(x, `${path}.${k}`);
      }
    }
  };
  walk(body, '$');
  return found;
}

export async function createContest(t: TestApp, token: string, overrides: Record<string, unknown> = {}, publish = true) {
  const now = t.clock.now().getTime();
  const res = await t.request('POST', '/api/admin/v1/quiz/contests', {
    token,
    body: {
      title: '健康素养知识竞赛',
      startAt: new Date(now - 3600_000).toISOString(),
      endAt: new Date(now + 7 * 86400_000).toISOString(),
      areaCode: '370303',
      drawRules: [{ tags: ['hl66-2024'], count: 5 }],
      timeLimitSec: 600,
      attemptsPerDay: 2,
      attemptsTotal: 3,
      passScore: 60,
      ...overrides,
    },
  });
  if (res.status !== 201) throw new Error(`contest: ${JSON.stringify(res.body)}`);
  if (publish) {
    const p = await t.request('POST', `/api/admin/v1/quiz/contests/${res.body.id}/publish`, { token });
    if (p.status !== 200) throw new Error(`publish: ${JSON.stringify(p.body)}`);
  }
  return res.body.id as string;
}

export const districtAdmin = (t: TestApp) => staffLogin(t, 'district_admin', '370303');
export const oid = () => String(new Types.ObjectId());
