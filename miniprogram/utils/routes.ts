/** Page paths. Feature pages are added by their own work; until they are in app.json, home says 即将开放. */
export const PAGES = {
  home: '/pages/home/index',
  me: '/pages/me/index',
  profile: '/pages/profile/index',
  talksMine: '/pages/talks/mine/index',
  privacy: '/pages/privacy/index',
  quiz: '/pages/quiz/index',
  quizAnswer: '/pages/quiz-answer/index',
  quizResult: '/pages/quiz-result/index',
  quizRank: '/pages/quiz-rank/index',
  quizCert: '/pages/quiz-cert/index',
  talks: '/pages/talks/index',
  cleft: '/pages/cleft/index',
  insurance: '/pages/insurance/index',
  selections: '/pages/selections/index',
  consult: '/pages/consult/index',
  consultMine: '/pages/consult/mine/index',
  consultFaq: '/pages/consult/faq/index',
  requests: '/pages/requests/index',
  villageRules: '/pages/village-rules/index',
  content: '/pages/content/index',
  article: '/pages/content/article/index',
  screenings: '/pages/screenings/index',
} as const;

/** getCurrentPages() routes have no leading slash. */
export function routeOf(path: string): string {
  return path.replace(/^\//, '');
}
