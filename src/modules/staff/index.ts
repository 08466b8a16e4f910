import type { AppModule } from '../module';
import { staffRoutes } from './staff.routes';

/** Public API: who a staff member is and which areas they may see. */
export { STAFF_ROLES, type StaffRole } from './staff.model';
export { activeAdmins, assertInScope, createStaff, findStaffByWechatId, getActiveStaff, inScope, linkedWechatIds, scopeFilter, staffCount, type StaffPrincipal } from './staff.service';

export const staffModule: AppModule = { name: 'staff', routes: staffRoutes, tasks: [], residentData: [] };
export { confirmInBot as confirmStaffBindInBot } from './staff.wechat';
