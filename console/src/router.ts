import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router';
import { session, type Role } from './lib/session';

declare module 'vue-router' {
  interface RouteMeta {
    title?: string;
    /** Who sees the screen (and its menu entry); the API enforces the same rules on every call. */
    roles?: Role[];
    public?: boolean;
  }
}

const ALL: Role[] = ['district_admin', 'town_admin', 'village_worker'];
const MANAGERS: Role[] = ['district_admin', 'town_admin'];

// Each screen is its own chunk, loaded when first opened.
export const screens: RouteRecordRaw[] = [
  { path: '', name: 'home', component: () => import('./views/HomeView.vue'), meta: { title: '首页', roles: ALL } },
  { path: 'staff', name: 'staff', component: () => import('./views/staff/StaffView.vue'), meta: { title: '人员管理', roles: MANAGERS } },
  { path: 'audit', name: 'audit', component: () => import('./views/audit/AuditView.vue'), meta: { title: '审计日志', roles: ['district_admin'] } },
  { path: 'account', name: 'account', component: () => import('./views/account/AccountView.vue'), meta: { title: '我的账号', roles: ALL } },
];

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
  const roles = to.meta.roles;
  if (roles && session.me && !roles.includes(session.me.role)) return { name: 'home' };
  return true;
});

router.afterEach((to) => {
  document.title = `${to.meta.title ? `${to.meta.title} · ` : ''}张店区家庭健康行动管理后台`;
});
