/** The quiz's fixed rules in one place (numbers the campaign agreed on, not deployment settings). */
export const QUIZ = {
  dailyCount: 5,
  topicCount: 10,
  /** Topic and wrong-book practice is untimed for the resident; the deadline only closes abandoned attempts. */
  practiceDeadlineMs: 6 * 3600_000,
  pointsPerCorrect: 10,
  dailyPointsCap: 50,
  /** Network slack after the deadline; later submissions are refused. */
  submitGraceMs: 30_000,
  /** Less than this per question is not plausible reading; such submissions are flagged for staff. */
  minMsPerQuestion: 2_000,
  practicePassScore: 60,
  leaderboardTtlMs: 5_000,
  leaderboardSize: 50,
} as const;

/** Display letters for options in the order they were sent. */
export const LETTERS = ['A', 'B', 'C', 'D', 'E', 'F'] as const;
