/** Webhooks: the public face of the module (wiring in src/main.ts, schema in src/graphql/schema.ts). */
export { WebhooksResolver } from './webhooks.resolver';
export { WebhooksService, type WebhookSettings } from './webhooks.service';
export { WebhookOutbox } from './outbox';
export { WebhookWorker, systemClock, type Clock, type WorkerOptions } from './worker';
