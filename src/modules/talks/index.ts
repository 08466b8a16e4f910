import type { AppModule } from '../module';
import { talkResidentData } from './talks.data';
import { talksRoutes } from './talks.routes';
import { talkTasks } from './talks.tasks';
import { talkFigureSection } from './talks.figures';
import { backfillResidentEntries } from './resident-entries';
import { WalkIns } from './talks.model';
import { PHONE_INDEX, storedWalkInKey } from './walkins.service';

export const talksModule: AppModule = {
  name: 'talks',
  routes: talksRoutes,
  tasks: talkTasks,
  residentData: [talkResidentData],
  figures: talkFigureSection,
  notices: [
    { kind: 'talk_reminder', flow: 'talks' },
    { kind: 'talk_start', flow: 'talks' },
    { kind: 'talk_status', flow: 'talks' },
  ],
  // "my registrations" entries for registrations made before entries were kept
  migrations: [{ name: 'resident-entries', version: 1, run: async (app) => void (await backfillResidentEntries(app)) }],
  keys: { blindIndexes: [{ model: WalkIns, field: 'phoneIndex', purpose: PHONE_INDEX, source: storedWalkInKey }] },
};

export { talkFigures } from './talks.figures';
export { getExpert } from './experts.service';

export type { TalkDoc } from './talks.model';
export { getPublicTalk, talkAccess } from './talks.service';
export { expertHospitals, screeningAttendance, screeningRoster, SCREENING_TALK_KINDS, type ScreeningRosterLine } from './screening-roster';
