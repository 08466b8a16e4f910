import type { RouteRecordRaw } from 'vue-router';
import { ALL } from '../../lib/roles';

export const routes: RouteRecordRaw[] = [
  { path: 'reports', name: 'reports', component: () => import('./ReportsView.vue'), meta: { title: '报告', roles: ALL, order: 70 } },
];
