import type { AccessPorts } from '../access';
import { useNoticeKinds } from '../notify/notice-kinds';
import type { AppModule } from './module';
import { areasModule } from './areas';
import { audit, auditModule } from './audit';
import { backupsModule } from './backups';
import { campaignsModule } from './campaigns';
import { careModule } from './care';
import { consultModule } from './consult';
import { contentModule } from './content';
import { insuranceModule } from './insurance';
import { platformModule } from './platform';
import { quizModule } from './quiz';
import { referralsModule } from './referrals';
import { requestsModule } from './requests';
import { reportsModule, useFigureSections } from './reports';
import { residentsModule } from './residents';
import { screeningsModule } from './screenings';
import { selectionsModule } from './selections';
import { resolveToken, sessionsModule } from './sessions';
import { getActiveStaff, staffModule } from './staff';
import { subscriptionsModule } from './subscriptions';
import { talksModule } from './talks';
import { taskbookModule } from './taskbook';

export type { AppModule, ResidentDataSection } from './module';

const others: AppModule[] = [
  platformModule,
  staffModule,
  auditModule,
  referralsModule,
  insuranceModule,
  campaignsModule,
  subscriptionsModule,
  talksModule,
  quizModule,
  contentModule,
  sessionsModule,
  reportsModule,
  selectionsModule,
  careModule,
  screeningsModule,
  backupsModule,
  taskbookModule,
  consultModule,
  requestsModule,
];

/** Every domain module, in route order — the only place that knows them all; a new module adds one entry. */
export const modules: readonly AppModule[] = [areasModule, residentsModule(others.flatMap((m) => m.residentData)), ...others];

/** How the HTTP layer knows and audits its callers: sessions resolve tokens, staff accounts, the audit log. */
export const accessPorts: AccessPorts = { resolveToken, activeStaff: getActiveStaff, audit };

// The dashboard and the yearly report show every module's figure section; residents subscribe to every module's notices.
useFigureSections(modules.flatMap((m) => (m.figures ? [m.figures] : [])));
useNoticeKinds(modules.flatMap((m) => m.notices ?? []));
