import type { RouteRecordRaw } from 'vue-router';
import { ALL, MANAGERS } from '../../lib/roles';

const list = () => import('./CampaignListView.vue');

export const routes: RouteRecordRaw[] = [
  { path: 'compose', name: 'campaign-compose', component: () => import('./CampaignComposeView.vue'), meta: { title: '发群消息', roles: ALL, order: 60 } },
  { path: 'campaigns', name: 'campaigns', component: list, meta: { title: '群消息记录', roles: ALL, order: 61 } },
  { path: 'approvals', name: 'campaign-approvals', component: list, meta: { title: '待我审核', roles: MANAGERS, order: 62 } },
  // Opened from the lists; not a menu entry (no title).
  { path: 'campaigns/:id', name: 'campaign', component: () => import('./CampaignDetailView.vue'), meta: { roles: ALL, order: 63 } },
];
