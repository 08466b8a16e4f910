import type { AppModule } from '../module';
import { Enrolments } from './insurance.model';
import { insuranceFigureSection } from './insurance.figures';
import { insuranceRoutes } from './insurance.routes';
import { ID_INDEX, rebuildEnrolmentKeys } from './insurance.keys';
import { eraseEnrolments, exportEnrolments, insuranceTasks } from './insurance.tasks';

export const insuranceModule: AppModule = {
  name: 'insurance',
  routes: insuranceRoutes,
  tasks: insuranceTasks,
  residentData: [{ name: 'insurance', export: exportEnrolments, erase: eraseEnrolments }],
  figures: insuranceFigureSection,
  notices: [
    { kind: 'insurance_status', flow: 'insurance' },
    { kind: 'insurance_renewal', flow: 'insurance' },
  ],
  keys: {
    blindIndexes: [
      { model: Enrolments, array: 'insured', field: 'idIndex', purpose: ID_INDEX, source: (pii, p) => (p.idCardEnc ? pii.open(p.idCardEnc) : null) },
    ],
    rebuildIndexKeys: rebuildEnrolmentKeys,
  },
};

export { insuranceFigures } from './insurance.figures';
