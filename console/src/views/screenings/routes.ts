import type { RouteRecordRaw } from 'vue-router';
import { ALL } from '../../lib/roles';

// One menu entry: the follow-up board; a case and a session's results are reached from it.
export const routes: RouteRecordRaw[] = [
  {
    path: 'screenings',
    meta: { title: '筛查随访', roles: ALL, order: 46 },
    children: [
      { path: '', name: 'screenings', component: () => import('./ScreeningBoardView.vue') },
      { path: 'cases/:id', name: 'screening-case', component: () => import('./ScreeningCaseView.vue'), meta: { title: '随访个案' } },
      { path: 'visits', name: 'screening-visits', component: () => import('./ScreeningVisitsView.vue'), meta: { title: '咨询指导走访' } },
      {
        path: 'codes',
        name: 'screening-codes',
        component: () => import('./ScreeningCodesView.vue'),
        meta: { title: '结果代码和建议', roles: ['district_admin'] },
      },
      { path: 'talks/:talkId', name: 'screening-results', component: () => import('./ScreeningResultsView.vue'), meta: { title: '录入检查结果' } },
    ],
  },
];
