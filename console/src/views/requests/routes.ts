import type { RouteRecordRaw } from 'vue-router';
import { ALL } from '../../lib/roles';

export const routes: RouteRecordRaw[] = [
  { path: 'requests', name: 'requests', component: () => import('./RequestsView.vue'), meta: { title: '群众诉求', roles: ALL, order: 63 } },
];
