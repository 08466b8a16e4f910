import { Types } from 'mongoose';
import type { AppContext } from '../../context';
import { duplicateKey, insertShared, isDuplicateKey } from '../../db/model';
import { byIdLoader } from '../../lib/batch';
import { AppError, notFound, validationError } from '../../http/errors';
import { endOfShanghaiDay, shanghaiDay } from '../../lib/shanghai';
import { getResident } from '../residents';
import { Attempts, Contests, QuizKeys, type AttemptDoc, type AttemptItem, type AttemptMode, type ContestDoc } from './quiz.model';
import { draw, loadVersions } from './pool';
import { practiceQuestions } from './reserved';
import { LETTERS, QUIZ } from './quiz.rules';
import { shownName } from './leaderboard-intake';
import { openWrongQuestionIds } from './wrongbook.service';
import { getSubmission, resultView } from './submit.service';

/** What the phone gets before submitting: questions and display letters, never answers or explanations. */
export async function attemptView(app: AppContext, a: AttemptDoc, contest?: Pick<ContestDoc, 'title'> | null) {
  const vs = await loadVersions(app, a.items);
  if (contest === undefined && a.contestId) contest = await Contests(app.db).findById(a.contestId, { title: 1 }).lean();
  return {
    id: String(a._id),
    mode: a.mode,
    contestId: a.contestId ? String(a.contestId) : null,
    contestTitle: contest?.title ?? null,
    topic: a.topic ?? null,
    createdAt: a.createdAt.toISOString(),
    deadline: a.deadline.toISOString(),
    serverNow: app.clock.now().toISOString(),
    questions: a.items.map((item, i) => {
      const v = vs[i]!;
      return {
        id: String(item.questionId),
        type: v.type,
        stem: v.stem,
        options: item.optionOrder.map((key, pos) => ({ key: LETTERS[pos]!, text: v.options.find((o) => o.key === key)!.text })),
      };
    }),
  };
}

async function newAttempt(
  app: AppContext,
  residentId: Types.ObjectId,
  mode: AttemptMode,
  items: AttemptItem[],
  deadline: Date,
  extra: Partial<AttemptDoc> = {},
  _id = new Types.ObjectId(),
): Promise<AttemptDoc> {
  if (items.length === 0) throw new AppError('NO_QUESTIONS', 409, '暂时没有可答的题目');
  const r = await getResident(app, residentId);
  const now = app.clock.now();
  const doc: AttemptDoc = {
    _id,
    residentId,
    mode,
    items: items.map((i) => ({ questionId: i.questionId, version: i.version, optionOrder: i.optionOrder })),
    deadline,
    createdAt: now,
    day: shanghaiDay(now),
    areaPath: r.areaPath ?? [],
    ...(r.villageCode ? { villageCode: r.villageCode } : {}),
    // what a board shows of the resident, read here where the resident is at hand: the submit and the fold read none
    ...(mode === 'contest' ? { boardName: shownName(app, r.nameEnc) } : {}),
    ...extra,
  };
  // joined with the inserts of concurrent starts: one command for a crowd
  if (!(await insertShared(Attempts(app.db).collection, doc))) throw duplicateKey();
  return doc;
}

/**
 * Today's practice: the first open of the day draws it; the unique key `daily:<resident>:<day>` decides two
 * concurrent first opens, and the loser's draft is removed so both see the same questions.
 */
export async function dailyAttempt(app: AppContext, residentId: Types.ObjectId) {
  const now = app.clock.now();
  const key = `daily:${String(residentId)}:${shanghaiDay(now)}`;
  let attempt = await attemptByKey(app, key);
  if (!attempt) {
    const items = draw(await practiceQuestions(app), [{ tags: [], count: QUIZ.dailyCount }]);
    const draft = await newAttempt(app, residentId, 'daily', items, endOfShanghaiDay(now));
    try {
      await QuizKeys(app.db).create({ _id: key, scope: key, attemptId: draft._id, at: now });
      attempt = draft;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      await Attempts(app.db).deleteOne({ _id: draft._id });
      attempt = await attemptByKey(app, key);
      if (!attempt) throw err;
    }
  }
  const submission = await getSubmission(app, attempt._id);
  return { attempt: await attemptView(app, attempt), result: submission ? await resultView(app, attempt, submission) : null };
}

async function attemptByKey(app: AppContext, key: string): Promise<AttemptDoc | null> {
  const k = await QuizKeys(app.db).findById(key).lean();
  return k ? Attempts(app.db).findById(k.attemptId).lean() : null;
}

/** Untimed practice by topic (no points), or a re-practice of the wrong-answer book. */
export async function practiceAttempt(app: AppContext, residentId: Types.ObjectId, input: { topic?: string; wrongBook?: boolean; count?: number }) {
  // Practice and the daily quiz draw nothing a still-open round has reserved (see reserved.ts).
  const pool = await practiceQuestions(app);
  const count = input.count ?? QUIZ.topicCount;
  let items: AttemptItem[];
  if (input.wrongBook) {
    const open = new Set((await openWrongQuestionIds(app, residentId)).map(String));
    if (open.size === 0) throw new AppError('WRONG_BOOK_EMPTY', 409, '错题本是空的，继续保持！');
    items = draw(pool, [{ tags: [], count }], (q) => open.has(String(q._id)));
  } else {
    if (!input.topic) throw validationError('topic', '请选择专题');
    items = draw(pool, [{ tags: [input.topic], count }]);
  }
  const now = app.clock.now();
  const a = await newAttempt(
    app,
    residentId,
    input.wrongBook ? 'wrongbook' : 'topic',
    items,
    new Date(now.getTime() + QUIZ.practiceDeadlineMs),
    input.topic ? { topic: input.topic } : {},
  );
  return attemptView(app, a);
}

/** Topics residents can practise, with how many active questions each has. */
export async function listTopics(app: AppContext) {
  const counts = new Map<string, number>();
  for (const q of await practiceQuestions(app)) for (const t of q.tags) counts.set(t, (counts.get(t) ?? 0) + 1);
  const label = (t: string) => (t === 'hl66-2024' ? '健康素养66条' : t);
  return { items: [...counts].sort((a, b) => b[1] - a[1]).map(([tag, count]) => ({ tag, label: label(tag), count })) };
}

/** Attempt reads of concurrent requests (a contest's submit rush) share one command. */
const loadAttempt = byIdLoader(Attempts);

export async function ownAttempt(app: AppContext, residentId: Types.ObjectId, attemptId: string): Promise<AttemptDoc> {
  const a = Types.ObjectId.isValid(attemptId) ? await loadAttempt(app.db, attemptId) : null;
  if (!a || !a.residentId.equals(residentId)) throw notFound('答题记录');
  return a;
}

export { newAttempt };
