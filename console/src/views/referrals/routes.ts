import type { RouteRecordRaw } from 'vue-router';
import { ALL } from '../../lib/roles';

export const routes: RouteRecordRaw[] = [
  { path: 'referrals', name: 'referrals', component: () => import('./ReferralsView.vue'), meta: { title: '唇腭裂救助', roles: ALL, order: 60 } },
];
