/** The services every resolver reaches through its context. */
import type { ContactsService } from '../modules/contacts';
import type { ActivitiesService } from '../modules/activities';
import type { Scoring, RescoreService, ScoreHistoryReader } from '../modules/scoring';
import type { LifecycleService } from '../modules/lifecycle';
import type { AccessService } from '../modules/access';
import type { MetricsService } from '../modules/metrics';
import type { RealtimeService } from '../modules/realtime';
import type { OwnersService } from '../modules/owners';
import type { WebhooksService } from '../modules/webhooks';
import type { InsightsServices } from '../modules/insights';

/** Every service, built once at start (src/main.ts). */
export interface Services {
  contacts: ContactsService;
  activities: ActivitiesService;
  scoring: Scoring;
  rescore: RescoreService;
  lifecycle: LifecycleService;
  access: AccessService;
  metrics: MetricsService;
  realtime: RealtimeService;
  owners: OwnersService;
  scoreHistory: ScoreHistoryReader;
  webhooks: WebhooksService;
  insights: InsightsServices;
}
