import type { AppModule } from '../module';
import { subscriptionResidentData, subscriptionRoutes } from './subscriptions.routes';

export const subscriptionsModule: AppModule = { name: 'subscriptions', routes: subscriptionRoutes, tasks: [], residentData: [subscriptionResidentData] };
