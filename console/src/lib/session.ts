import { reactive } from 'vue';
import { labels } from '../api/dictionaries';

export type Role = 'district_admin' | 'town_admin' | 'village_worker' | 'expert';

export interface Me {
  id: string;
  username: string;
  role: Role;
  areaCode: string;
  areaPath: string[];
  displayName?: string;
  areaName?: string | null;
  /** Signed in with a password someone else chose: 我的账号 until a new one is set. */
  mustChangePassword?: true;
}

const KEY = 'zdhealth.console.session';

interface Stored {
  token: string;
  expiresAt: string;
  me: Me;
}

function load(): Stored | null {
  try {
    const s = JSON.parse(localStorage.getItem(KEY) ?? 'null') as Stored | null;
    return s && new Date(s.expiresAt) > new Date() ? s : null;
  } catch {
    return null;
  }
}

const initial = load();

/** The signed-in staff member; the token is revoked server-side on logout and on password change. */
export const session = reactive({
  token: initial?.token ?? '',
  expiresAt: initial?.expiresAt ?? '',
  me: (initial?.me ?? null) as Me | null,
  /** Set when the service refused the token (expired, revoked, account disabled). */
  expired: false,
  signIn(token: string, expiresAt: string, me: Me) {
    Object.assign(session, { token, expiresAt, me, expired: false });
    localStorage.setItem(KEY, JSON.stringify({ token, expiresAt, me }));
  },
  renew(token: string, expiresAt: string) {
    if (session.me) session.signIn(token, expiresAt, session.me);
  },
  clear() {
    Object.assign(session, { token: '', expiresAt: '', me: null });
    localStorage.removeItem(KEY);
  },
  expire() {
    session.clear();
    session.expired = true;
  },
});

export const ROLE_LABELS: Readonly<Record<Role, string>> = labels('staffRole');

export const hasRole = (...roles: Role[]): boolean => Boolean(session.me && roles.includes(session.me.role));
