import type { AppModule } from '../module';
import { staffRoutes } from './staff.routes';

/** Public API: staff accounts (who a staff member is and their scope are in src/access). */
export { activeAdmins, createStaff, findStaffByWechatId, getActiveStaff, linkedWechatIds, staffCount } from './staff.service';

export const staffModule: AppModule = { name: 'staff', routes: staffRoutes, tasks: [], residentData: [] };
export { confirmInBot as confirmStaffBindInBot } from './staff.wechat';
