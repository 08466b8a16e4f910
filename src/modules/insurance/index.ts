import type { AppModule } from '../module';
import { insuranceRoutes } from './insurance.routes';
import { eraseEnrolments, exportEnrolments, insuranceTasks } from './insurance.tasks';

export const insuranceModule: AppModule = {
  name: 'insurance',
  routes: insuranceRoutes,
  tasks: insuranceTasks,
  residentData: [{ name: 'insurance', export: exportEnrolments, erase: eraseEnrolments }],
};

export { insuranceFigures } from './insurance.figures';
export { ENROLMENT_LABELS } from './insurance.validation';
