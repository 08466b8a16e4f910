import type { RouteRecordRaw } from 'vue-router';
import { ALL, MANAGERS } from '../../lib/roles';

// One menu entry; a round, its form and the nomination form are reached from the list.
export const routes: RouteRecordRaw[] = [
  {
    path: 'selections',
    meta: { title: '评选活动', roles: ALL, order: 46 },
    children: [
      { path: '', name: 'selections', component: () => import('./SelectionListView.vue') },
      { path: 'new', name: 'selection-new', component: () => import('./SelectionEditView.vue'), meta: { title: '新建评选', roles: MANAGERS } },
      { path: ':id', name: 'selection', component: () => import('./SelectionDetailView.vue'), meta: { title: '评选详情' } },
      { path: ':id/edit', name: 'selection-edit', component: () => import('./SelectionEditView.vue'), meta: { title: '修改评选', roles: MANAGERS } },
      { path: ':id/nominate', name: 'selection-nominate', component: () => import('./NominateView.vue'), meta: { title: '推荐候选' } },
    ],
  },
];
