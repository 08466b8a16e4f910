import type { RouteRecordRaw } from 'vue-router';
import { ALL } from '../../lib/roles';

const EVERYONE = [...ALL, 'expert' as const];

export const routes: RouteRecordRaw[] = [
  { path: 'account', name: 'account', component: () => import('./AccountView.vue'), meta: { title: '我的账号', roles: EVERYONE, order: 100 } },
];
