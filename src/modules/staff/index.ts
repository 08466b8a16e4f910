import type { AppModule } from '../module';
import { staffRoutes } from './staff.routes';
import { confirmInBot } from './staff.wechat';

/** Public API: staff accounts (who a staff member is and their scope are in src/access). */
export {
  activeAdmins,
  boundOpenId,
  createStaff,
  findStaffByWechatId,
  getActiveStaff,
  linkedWechatIds,
  staffCount,
  villageWorkerNames,
  villageWorkers,
} from './staff.service';

export const staffModule: AppModule = {
  name: 'staff',
  routes: staffRoutes,
  tasks: [],
  residentData: [],
  // `绑定 <code>` from "bind my WeChat" in the console: anyone may send it, the code decides.
  botCommands: {
    private: [
      {
        who: 'anyone',
        run: async (app, m) => {
          const bind = /^绑定\s*([0-9A-Za-z]{8})$/.exec(m.text);
          return bind ? confirmInBot(app, m.contactId, bind[1]!) : null;
        },
      },
    ],
  },
};
