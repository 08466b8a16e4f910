import type { RouteRecordRaw } from 'vue-router';
import { MANAGERS } from '../../lib/roles';

export const routes: RouteRecordRaw[] = [
  { path: 'audit', name: 'audit', component: () => import('./AuditView.vue'), meta: { title: '审计日志', roles: MANAGERS, order: 90 } },
];
