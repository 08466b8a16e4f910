import type { RouteRecordRaw } from 'vue-router';
import { ALL } from '../../lib/roles';

export const routes: RouteRecordRaw[] = [
  { path: 'bot', name: 'bot', component: () => import('./BotView.vue'), meta: { title: '群与机器人', roles: ALL, order: 70 } },
];
