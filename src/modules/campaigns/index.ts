import type { AppModule } from '../module';
import { campaignRoutes } from './campaigns.routes';
import { campaignTasks } from './campaigns.tasks';

/** Public API, mostly for the bot (its groups, commands and the status staff see) and the scheduler that run campaigns. */
export { endOutage, firstSight, purgeProcessedMessages, recordBotError, saveOutage, setBotStatus } from './bot-status';
export { OUTAGE_LABELS, type Outage, type OutageReason } from './bot-status.model';
export type { Card } from './campaigns.model';
export type { BotRoomDoc } from './rooms.model';
export { cronSchedules, schedulerTick, type TickResult } from './campaigns.schedule';
export { decideChatBroadcast, draftChatBroadcast } from './chat-broadcasts.service';
export { seedDailyTipsCampaign } from './daily-tips';
export { matchKeyword } from './keywords.service';
export { activeRoomByWxId, activeRoomsUnder, bindRoomByCode, getRoom, markRoomAttention, recordBotRemoved, recordTopicChange, relinkRoom } from './rooms.service';

export const campaignsModule: AppModule = { name: 'campaigns', routes: campaignRoutes, tasks: campaignTasks, residentData: [] };

export { createBroadcast } from './campaigns.service';
export { groupFigures } from './campaigns.figures';
