import type { RouteRecordRaw } from 'vue-router';
import { MANAGERS } from '../../lib/roles';

// One menu entry; the plans, progress, supervision and meetings are tabs of the section.
export const routes: RouteRecordRaw[] = [
  {
    path: 'taskbook',
    meta: { title: '任务书与督导', roles: MANAGERS, order: 46 },
    children: [
      { path: '', name: 'taskbook', component: () => import('./TaskbookView.vue') },
      { path: 'plans', name: 'taskbook-plans', component: () => import('./PlansView.vue'), meta: { title: '实施计划' } },
      { path: 'progress', name: 'taskbook-progress', component: () => import('./ProgressView.vue'), meta: { title: '任务进度' } },
      { path: 'supervision', name: 'taskbook-supervision', component: () => import('./SupervisionView.vue'), meta: { title: '督导整改' } },
      {
        path: 'supervision/new',
        name: 'taskbook-visit-new',
        component: () => import('./VisitNewView.vue'),
        meta: { title: '记录督导', roles: ['district_admin'] },
      },
      { path: 'meetings', name: 'taskbook-meetings', component: () => import('./MeetingsView.vue'), meta: { title: '部门会商', roles: ['district_admin'] } },
    ],
  },
];
