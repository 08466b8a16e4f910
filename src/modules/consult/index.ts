import type { AppModule } from '../module';
import { consultFigureSection } from './consult.figures';
import { QuestionPhotos } from './consult.model';
import { consultRoutes } from './consult.routes';
import { eraseQuestions, exportQuestions, sweepQuestions } from './consult.service';

/** 优生优育咨询: residents ask experts of the pool by topic; answers on time, follow-up, rating, 常见问题. */
export const consultModule: AppModule = {
  name: 'consult',
  routes: consultRoutes,
  tasks: [{ name: 'consult.sweep', cron: '*/15 * * * *', run: sweepQuestions }],
  residentData: [{ name: 'consult', export: exportQuestions, erase: eraseQuestions }],
  figures: consultFigureSection,
  notices: [{ kind: 'consult_answered', flow: 'consult' }],
  keys: { sealedFiles: [{ model: QuestionPhotos, bucket: 'consultPhotos' }] },
};
