import { reactive } from 'vue';
import { api, call } from '../api/client';
import { hasRole, session } from './session';

/**
 * The yearly-report reminder shown to town admins in December: due until their town's report has been
 * submitted. The 报告 page asks again after submitting, so the banner goes at once.
 */
export const reportReminder = reactive({
  message: null as string | null,
  async check(): Promise<void> {
    if (!hasRole('town_admin', 'district_admin') || session.me?.mustChangePassword) {
      reportReminder.message = null;
      return;
    }
    const r = await call(api.GET('/api/admin/v1/reports/reminder')).catch(() => null);
    reportReminder.message = r?.due ? r.message : null;
  },
});
