import type { AppModule } from '../module';
import { contentFigureSection } from './content.figures';
import { contentRoutes } from './content.routes';
import { eraseReads, exportReads } from './reading.service';

/** Public API: the shipped library, for start-up and `npm run seed`. */
export { seedContentLibrary } from './library';

/** 健康知识: articles, audio and 视频号 videos; staff write, the district reviews and publishes; residents read and listen. */
export const contentModule: AppModule = {
  name: 'content',
  routes: contentRoutes,
  tasks: [],
  residentData: [{ name: 'content', export: exportReads, erase: eraseReads }],
  figures: contentFigureSection,
};
