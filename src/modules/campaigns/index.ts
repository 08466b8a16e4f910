import type { AppModule } from '../module';
import { campaignBotCommands } from './bot-commands';
import { groupFigureSection } from './campaigns.figures';
import { campaignRoutes } from './campaigns.routes';
import { campaignTasks } from './campaigns.tasks';

/** Public API, mostly for the bot (its groups, commands and the status staff see) and the scheduler that run campaigns. */
export { endOutage, firstSight, purgeProcessedMessages, recordBotError, saveOutage, setBotStatus } from './bot-status';
export { OUTAGE_LABELS, type Outage, type OutageReason } from './bot-status.model';
export type { Card } from './campaigns.model';
export type { BotRoomDoc } from './rooms.model';
export { cronSchedules, schedulerTick, type TickResult } from './campaigns.schedule';
export { seedDailyTipsCampaign } from './daily-tips';
export { activeRoomsUnder, getRoom, markRoomAttention, recordBotRemoved, recordTopicChange, relinkRoom } from './rooms.service';

export const campaignsModule: AppModule = {
  name: 'campaigns',
  routes: campaignRoutes,
  tasks: campaignTasks,
  residentData: [],
  figures: groupFigureSection,
  botCommands: campaignBotCommands,
};

export { createBroadcast } from './campaigns.service';
export { groupFigures } from './campaigns.figures';
