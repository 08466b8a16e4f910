import type { RouteRecordRaw } from 'vue-router';
import { ALL } from '../../lib/roles';

// One menu entry; the screens below it (a session, its poster, the expert pool) are reached from the list.
export const routes: RouteRecordRaw[] = [
  {
    path: 'talks',
    meta: { title: '讲座与筛查', roles: ALL, order: 40 },
    children: [
      { path: '', name: 'talks', component: () => import('./TalkListView.vue') },
      { path: 'new', name: 'talk-new', component: () => import('./TalkEditView.vue'), meta: { title: '新建活动' } },
      { path: 'experts', name: 'talk-experts', component: () => import('./ExpertsView.vue'), meta: { title: '专家库' } },
      { path: ':id', name: 'talk', component: () => import('./TalkDetailView.vue'), meta: { title: '活动详情' } },
      { path: ':id/edit', name: 'talk-edit', component: () => import('./TalkEditView.vue'), meta: { title: '修改活动' } },
      { path: ':id/poster', name: 'talk-poster', component: () => import('./TalkPosterView.vue'), meta: { title: '签到海报' } },
    ],
  },
];
