/** npm run seed: load the shipped content (idempotent; safe to run again). */
import type { AppContext } from '../src/context';
import { seedDistrict } from '../src/modules/areas';
import { seedDailyTipsCampaign } from '../src/modules/campaigns';
import { seedContentLibrary } from '../src/modules/content';
import { seedQuestionBank } from '../src/modules/quiz';
import { withRuntime } from './cli';

/** Each module with shipped content adds one line here. */
const seeders: Array<[string, (app: AppContext) => Promise<unknown>]> = [
  ['areas', seedDistrict],
  ['daily tips campaign', seedDailyTipsCampaign],
  ['quiz questions', seedQuestionBank],
  ['health-content library', seedContentLibrary],
];

withRuntime(async ({ app }) => {
  for (const [name, seed] of seeders) console.log(`${name}:`, JSON.stringify((await seed(app)) ?? 'ok'));
}).catch((err) => {
  console.error(err.message);
  process.exit(1);
});
