import type { RouteRecordRaw } from 'vue-router';
import { ALL } from '../../lib/roles';

export const routes: RouteRecordRaw[] = [
  { path: 'insurance', name: 'insurance', component: () => import('./InsuranceView.vue'), meta: { title: '家庭保险', roles: ALL, order: 61 } },
];
