import type { AppModule } from '../module';
import { campaignBotCommands } from './bot-commands';
import { groupFigureSection } from './campaigns.figures';
import { campaignRoutes } from './campaigns.routes';
import { campaignTasks } from './campaigns.tasks';

/** Public API, mostly for the bot, the room channel and the scheduler that run campaigns. */
export type { Card } from './campaigns.model';
export type { BotRoomDoc } from './rooms.model';
export { cronSchedules, schedulerTick, type TickResult } from './campaigns.schedule';
export { seedDailyTipsCampaign } from './daily-tips';
export { activeRoomsUnder, getRoom, markRoomAttention, recordBotRemoved, recordTopicChange, relinkRoom } from './rooms.service';

export const campaignsModule: AppModule = { name: 'campaigns', routes: campaignRoutes, tasks: campaignTasks, residentData: [], figures: groupFigureSection, botCommands: campaignBotCommands };

export { createBroadcast } from './campaigns.service';
export { groupFigures } from './campaigns.figures';
