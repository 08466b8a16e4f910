import { api, newIdempotencyKey } from '../../services/api';
import type { Attempt, AttemptWithResult, QuizResult, ShownQuestion } from '../../services/quiz-types';
import { elderBehavior } from '../../utils/elder-behavior';
import { PAGES } from '../../utils/routes';
import { confirmThen } from '../../utils/confirm';
import { isElderMode } from '../../utils/elder';
import { autoReadChosen, createReader, READ_LABELS, type Reader, type ReadState } from '../../utils/read-aloud';

type Mode = Attempt['mode'];

/** How to get the attempt for each way in; the server draws and keeps it. */
async function fetchAttempt(query: Record<string, string | undefined>): Promise<AttemptWithResult> {
  const mode = (query.mode ?? 'daily') as Mode;
  if (query.attemptId) return api.get<AttemptWithResult>(`/api/v1/quiz/attempts/${query.attemptId}`);
  if (mode === 'daily') return api.get<AttemptWithResult>('/api/v1/quiz/daily');
  const key = { idempotencyKey: newIdempotencyKey() };
  const attempt =
    mode === 'contest'
      ? await api.post<Attempt>(`/api/v1/quiz/contests/${query.contestId ?? ''}/attempts`, {}, key)
      : await api.post<Attempt>('/api/v1/quiz/practice', mode === 'wrongbook' ? { wrongBook: true } : { topic: decodeURIComponent(query.topic ?? '') }, key);
  return { attempt, result: null };
}

/** One countdown per page instance (kept outside data: it is not rendered). */
const timers = new WeakMap<object, ReturnType<typeof setInterval>>();
/** The reader of the question on screen. */
const readers = new WeakMap<object, Reader>();

/** What 听 reads for a question: the stem, then each option with its letter. */
const speechOf = (q: ShownQuestion): string => [q.stem, ...q.options.map((o) => `${o.key}，${o.text}。`)].join('\n');

/** How long a chosen answer stays on screen before the next question. */
const ADVANCE_DELAY_MS = 500;

const pad = (n: number) => (n < 10 ? `0${n}` : String(n));

/**
 * One question per screen with big option buttons. The countdown runs from the server's deadline (corrected
 * by the difference between the server's and the phone's clock); at zero the answers are sent as they are.
 */
Component({
  behaviors: [elderBehavior],
  data: {
    loading: true,
    loadFailed: false,
    attemptId: '',
    mode: 'daily' as Mode,
    title: '',
    questions: [] as ShownQuestion[],
    index: 0,
    current: null as (ShownQuestion & { options: { key: string; text: string; chosen: boolean }[] }) | null,
    choices: {} as Record<string, string[]>,
    timed: false,
    remainingText: '',
    submitting: false,
    deadlineMs: 0,
    /** Server clock minus phone clock, measured when the attempt arrived. */
    clockOffsetMs: 0,
    submitKey: '',
    readState: 'idle' as ReadState,
    readLabel: READ_LABELS.idle,
  },

  lifetimes: {
    detached() {
      this.stopTimer();
      readers.get(this)?.stop();
    },
  },

  methods: {
    async onLoad(query: Record<string, string | undefined>) {
      try {
        const { attempt, result, savedAnswers: saved } = await fetchAttempt(query);
        if (result) return this.openResult(attempt.id);
        const deadlineMs = new Date(attempt.deadline).getTime();
        const clockOffsetMs = new Date(attempt.serverNow).getTime() - Date.now();
        const title = attempt.contestTitle ?? (attempt.mode === 'daily' ? '每日一练' : attempt.mode === 'wrongbook' ? '练错题' : (attempt.topic ?? '专题练习'));
        const choices: Record<string, string[]> = {};
        for (const a of saved ?? []) if (a.choice.length) choices[a.questionId] = a.choice;
        this.setData({
          deadlineMs,
          clockOffsetMs,
          submitKey: newIdempotencyKey(),
          attemptId: attempt.id,
          mode: attempt.mode,
          title,
          questions: attempt.questions,
          timed: attempt.mode === 'contest',
          choices,
        });
        // A resumed paper opens at the first question not yet answered.
        const firstOpen = attempt.questions.findIndex((q) => !choices[q.id]);
        this.show(firstOpen < 0 ? attempt.questions.length - 1 : firstOpen);
        if (attempt.mode === 'contest') this.startTimer();
      } catch {
        this.setData({ loadFailed: true });
      } finally {
        this.setData({ loading: false });
      }
    },

    onPageShow() {},

    show(index: number) {
      const q = this.data.questions[index];
      if (!q) return;
      const chosen = this.data.choices[q.id] ?? [];
      const moved = this.data.current?.id !== q.id;
      this.setData({ index, current: { ...q, options: q.options.map((o) => ({ ...o, chosen: chosen.includes(o.key) })) } });
      if (moved) this.readQuestion(q);
    },

    /** A new question gets its own reader; elderly mode reads it at once if the resident chose so. */
    readQuestion(q: ShownQuestion) {
      readers.get(this)?.stop();
      this.setData({ readState: 'idle', readLabel: READ_LABELS.idle });
      readers.set(this, createReader({ text: speechOf(q), onState: (readState) => this.setData({ readState, readLabel: READ_LABELS[readState] }) }));
      if (isElderMode() && autoReadChosen()) readers.get(this)!.toggle();
    },

    onListen() {
      readers.get(this)?.toggle();
    },

    onChoose(e: WechatMiniprogram.BaseEvent) {
      const q = this.data.current;
      const key = String(e.currentTarget.dataset.key ?? '');
      if (!q || !key) return;
      const before = this.data.choices[q.id] ?? [];
      const next = q.type === 'multi' ? (before.includes(key) ? before.filter((k) => k !== key) : [...before, key].sort()) : [key];
      this.setData({ choices: { ...this.data.choices, [q.id]: next } });
      this.show(this.data.index);
      void this.saveAnswers();
      // One tap per question: a single-choice answer shows as chosen, then the next question comes up.
      if (q.type !== 'multi' && this.data.index < this.data.questions.length - 1) {
        const at = this.data.index;
        setTimeout(() => {
          if (this.data.index === at) this.show(at + 1);
        }, ADVANCE_DELAY_MS);
      }
    },

    /** Keep the answers on the server as the resident goes, so leaving half-way loses nothing. */
    async saveAnswers() {
      const answers = this.data.questions
        .filter((q) => (this.data.choices[q.id] ?? []).length)
        .map((q) => ({ questionId: q.id, choice: this.data.choices[q.id] ?? [] }));
      try {
        await api.put(`/api/v1/quiz/attempts/${this.data.attemptId}/answers`, { answers }, { silent: true });
      } catch {
        // the next answer saves them all again; submit sends them anyway
      }
    },

    onPrev() {
      this.show(Math.max(0, this.data.index - 1));
    },

    onNext() {
      this.show(Math.min(this.data.questions.length - 1, this.data.index + 1));
    },

    startTimer() {
      this.tick();
      timers.set(
        this,
        setInterval(() => this.tick(), 1000),
      );
    },

    stopTimer() {
      const timer = timers.get(this);
      if (timer !== undefined) clearInterval(timer);
      timers.delete(this);
    },

    tick() {
      const left = Math.max(0, Math.floor((this.data.deadlineMs - (Date.now() + this.data.clockOffsetMs)) / 1000));
      this.setData({ remainingText: `${pad(Math.floor(left / 60))}:${pad(left % 60)}` });
      if (left === 0) {
        this.stopTimer();
        void this.send();
      }
    },

    onSubmit() {
      const unanswered = this.data.questions.filter((q) => !(this.data.choices[q.id] ?? []).length).length;
      confirmThen(
        {
          title: '确认交卷',
          content: unanswered ? `还有 ${unanswered} 道题没有答，确定交卷吗？` : '交卷后不能再改，确定交卷吗？',
          confirmText: '交卷',
          cancelText: '再看看',
        },
        () => this.send(),
      );
    },

    async send() {
      if (this.data.submitting) return;
      this.setData({ submitting: true });
      const answers = this.data.questions.map((q) => ({ questionId: q.id, choice: this.data.choices[q.id] ?? [] }));
      try {
        // The same key on every retry of this one submission: a repeat returns the first result.
        await api.post<QuizResult>(`/api/v1/quiz/attempts/${this.data.attemptId}/submit`, { answers }, { idempotencyKey: this.data.submitKey });
        this.stopTimer();
        this.openResult(this.data.attemptId);
      } catch {
        this.setData({ submitting: false });
      }
    },

    openResult(attemptId: string) {
      // Replace this page: going back from the result must not land on a paper already handed in.
      wx.redirectTo({ url: `${PAGES.quizResult}?attemptId=${attemptId}` });
    },
  },
});
