import type { RouteRecordRaw } from 'vue-router';
import { CONSULT } from '../../lib/roles';

export const routes: RouteRecordRaw[] = [
  { path: 'consult', name: 'consult', component: () => import('./ConsultView.vue'), meta: { title: '专家咨询', roles: CONSULT, order: 62 } },
];
