import type { RouteRecordRaw } from 'vue-router';
import { ALL } from '../../lib/roles';

export const routes: RouteRecordRaw[] = [
  { path: 'account', name: 'account', component: () => import('./AccountView.vue'), meta: { title: '我的账号', roles: ALL, order: 100 } },
];
