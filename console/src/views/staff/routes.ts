import type { RouteRecordRaw } from 'vue-router';
import { MANAGERS } from '../../lib/roles';

export const routes: RouteRecordRaw[] = [
  { path: 'staff', name: 'staff', component: () => import('./StaffView.vue'), meta: { title: '人员管理', roles: MANAGERS, order: 80 } },
];
