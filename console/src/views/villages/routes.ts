import type { RouteRecordRaw } from 'vue-router';
import { MANAGERS } from '../../lib/roles';

export const routes: RouteRecordRaw[] = [
  { path: 'villages', name: 'villages', component: () => import('./VillagesView.vue'), meta: { title: '村居管理', roles: MANAGERS, order: 70 } },
];
