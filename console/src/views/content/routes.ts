import type { RouteRecordRaw } from 'vue-router';
import { ALL } from '../../lib/roles';

const versions = () => import('./ContentVersionListView.vue');

export const routes: RouteRecordRaw[] = [
  { path: 'content/write', name: 'content-write', component: () => import('./ContentEditorView.vue'), meta: { title: '写健康知识', roles: ALL, order: 70 } },
  { path: 'content/mine', name: 'content-mine', component: versions, meta: { title: '我写的文章', roles: ALL, order: 71 } },
  { path: 'content/review', name: 'content-review', component: versions, meta: { title: '待审文章', roles: ['district_admin'], order: 72 } },
  { path: 'content', name: 'content', component: () => import('./ContentLibraryView.vue'), meta: { title: '健康知识库', roles: ALL, order: 73 } },
  // Opened from the lists; not menu entries (no title).
  { path: 'content/versions/:id', name: 'content-version', component: () => import('./ContentVersionView.vue'), meta: { roles: ALL, order: 74 } },
  { path: 'content/articles/:id', name: 'content-article', component: () => import('./ContentArticleView.vue'), meta: { roles: ALL, order: 75 } },
];
