import type { RouteRecordRaw } from 'vue-router';
import { ALL } from '../../lib/roles';

export const routes: RouteRecordRaw[] = [
  { path: 'quiz', name: 'quiz', component: () => import('./QuizView.vue'), meta: { title: '健康答题', roles: ALL, order: 30 } },
  // Opened from the contest list; not a menu entry of its own (no title).
  { path: 'quiz/contests/:id', name: 'quiz-contest', component: () => import('./ContestView.vue'), meta: { roles: ALL } },
];
