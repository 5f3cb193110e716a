/** The per-request GraphQL context: who calls, the services, and fresh DataLoaders. */
import type { Viewer } from '../modules/access/viewer';
import type { ContactsService } from '../modules/contacts/contacts.service';
import type { ActivitiesService } from '../modules/activities/activities.service';
import type { Scoring } from '../modules/scoring';
import type { RescoreService } from '../modules/scoring';
import type { LifecycleService } from '../modules/lifecycle/lifecycle.service';
import type { AccessService } from '../modules/access/access.service';
import type { MetricsService } from '../modules/metrics/metrics.service';
import type { RealtimeService } from '../modules/realtime/realtime.service';
import type { OwnersService } from '../modules/owners';
import type { ScoreHistoryReader } from '../modules/scoring';
import type { WebhooksService } from '../modules/webhooks';
import type { InsightsServices } from '../modules/insights';
import { ContactLoaders, createContactLoaders } from '../modules/contacts/contact.loaders';

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

export interface Context {
  viewer: Viewer;
  services: Services;
  loaders: ContactLoaders;
  /** Correlates log lines of one HTTP request (x-request-id). */
  requestId?: string;
  /**
   * Where a subscription resumes when its transport says so (SSE
   * `Last-Event-ID`, graphql-ws resume state in connectionParams); it
   * overrides `after`, which a reconnecting client sends unchanged.
   */
  resumeAfter?: string | null;
}

/** Builds a context; called per HTTP request and, for subscriptions, per event. */
export function createContext(viewer: Viewer, services: Services, requestId?: string): Context {
  return { viewer, services, loaders: createContactLoaders(viewer, services), requestId };
}
