/** The services every resolver reaches through its context. */
import type { ContactsService } from '../modules/contacts/contacts.service';
import type { ActivitiesService } from '../modules/activities/activities.service';
import type { ScoringService } from '../modules/scoring/scoring.service';
import type { RescoreService } from '../modules/scoring/rescore.service';
import type { LifecycleService } from '../modules/lifecycle/lifecycle.service';
import type { AccessService } from '../modules/access/access.service';
import type { MetricsService } from '../modules/metrics/metrics.service';
import type { RealtimeService } from '../modules/realtime/realtime.service';
import type { OwnersService } from '../modules/owners';
import type { ScoreHistoryReader } from '../modules/scoring/score-change';
import type { WebhooksService } from '../modules/webhooks';
import type { InsightsServices } from '../modules/insights';

/** Every service, built once at start (src/main.ts). */
export interface Services {
  contacts: ContactsService;
  activities: ActivitiesService;
  scoring: ScoringService;
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
