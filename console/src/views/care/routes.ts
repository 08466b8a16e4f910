import type { RouteRecordRaw } from 'vue-router';
import { ALL, MANAGERS } from '../../lib/roles';

// One menu entry; a family, the visit form, the figures and the printable list are reached from the list.
export const routes: RouteRecordRaw[] = [
  {
    path: 'care',
    meta: { title: '关怀家庭', roles: ALL, order: 44 },
    children: [
      { path: '', name: 'care', component: () => import('./CareListView.vue') },
      { path: 'new', name: 'care-new', component: () => import('./CareRegisterView.vue'), meta: { title: '登记关怀家庭' } },
      { path: 'figures', name: 'care-figures', component: () => import('./CareFiguresView.vue'), meta: { title: '关怀统计', roles: MANAGERS } },
      { path: 'print', name: 'care-print', component: () => import('./CarePrintView.vue'), meta: { title: '关怀名单（打印）' } },
      { path: ':id', name: 'care-family', component: () => import('./CareFamilyView.vue'), meta: { title: '关怀家庭详情' } },
      { path: ':id/visit', name: 'care-visit', component: () => import('./CareVisitView.vue'), meta: { title: '记录走访' } },
    ],
  },
];
