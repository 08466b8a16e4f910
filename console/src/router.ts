import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router';
import { ALL } from './lib/roles';
import { session, type Role } from './lib/session';
import { overdueStart } from './views/care/start';

declare module 'vue-router' {
  interface RouteMeta {
    title?: string;
    /** Who sees the screen (and its menu entry); the API enforces the same rules on every call. */
    roles?: Role[];
    public?: boolean;
    /** Position in the menu (smaller first). */
    order?: number;
  }
}

// Each section of the console keeps its screens in `views/<section>/routes.ts`; the menu lists them by `meta.order`.
// Each screen is its own chunk, loaded when first opened.
const sections = import.meta.glob<{ routes: RouteRecordRaw[] }>('./views/*/routes.ts', { eager: true });

export const screens: RouteRecordRaw[] = [
  { path: '', name: 'home', component: () => import('./views/HomeView.vue'), meta: { title: '首页', roles: ALL, order: 0 } },
  ...Object.values(sections).flatMap((s) => s.routes),
].sort((a, b) => (a.meta?.order ?? 50) - (b.meta?.order ?? 50));

export const router = createRouter({
  history: createWebHistory('/admin/'),
  routes: [
    { path: '/login', name: 'login', component: () => import('./views/LoginView.vue'), meta: { title: '登录', public: true } },
    { path: '/', component: () => import('./layouts/AppLayout.vue'), children: screens },
    { path: '/:rest(.*)*', name: 'not-found', component: () => import('./views/NotFoundView.vue'), meta: { title: '页面不存在', public: true } },
  ],
});

router.beforeEach((to) => {
  if (to.meta.public) return true;
  if (!session.token) return { name: 'login', query: to.fullPath !== '/' ? { next: to.fullPath } : {} };
  if (session.me?.mustChangePassword && to.name !== 'account') return { name: 'account' };
  const roles = to.meta.roles;
  // An expert has one screen of their own: 专家咨询 stands for the home page.
  if (roles && session.me && !roles.includes(session.me.role)) return { name: session.me.role === 'expert' ? 'consult' : 'home' };
  return true;
});

router.beforeEach(overdueStart);

router.afterEach((to) => {
  document.title = `${to.meta.title ? `${to.meta.title} · ` : ''}张店区家庭健康行动管理后台`;
});
