import type { AppContext } from '../../context';
import type { Types } from 'mongoose';
import type { AppModule } from '../module';
import { RequestPhotos } from './requests.model';
import { requestFigureSection } from './requests.figures';
import { requestRoutes } from './requests.routes';
import { eraseRequests, escalateOverdue, exportRequests } from './requests.service';
import { eraseReads } from './village-rules.service';

/** 群众诉求 to the village association on the shared case workflow, escalated to the town by the clock; 村规民约. */
export const requestsModule: AppModule = {
  name: 'requests',
  routes: requestRoutes,
  tasks: [{ name: 'requests.escalate', cron: '*/15 * * * *', run: escalateOverdue }],
  residentData: [
    {
      name: 'requests',
      export: exportRequests,
      erase: async (app: AppContext, residentId: Types.ObjectId) => {
        await eraseRequests(app, residentId);
        await eraseReads(app, residentId);
      },
    },
  ],
  figures: requestFigureSection,
  notices: [{ kind: 'request_status', flow: 'request' }],
  keys: { sealedFiles: [{ model: RequestPhotos, bucket: 'requestPhotos' }] },
};
