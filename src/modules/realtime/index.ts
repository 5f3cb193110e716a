/** The realtime module's public face: what other modules and the server may use. */
export { ChangeSet, ContactChangeKind, contactValues } from './contact-changes';
export type { WireChange } from './contact-changes';
export { PromotionBus } from './promotion-bus';
export { PromotionLog, nextEpoch, transitionsById } from './promotion-log';
export type { Epoch, WireTransition } from './promotion-log';
export type { PromotionPublisher } from './publisher';
export { ContactChangedResolver, RealtimeResolver } from './realtime.resolver';
export { RealtimeService, SubscriptionOverflow, promotionCursor } from './realtime.service';
export type { PromotionStream } from './realtime.service';
export { RESUME_PARAM, resultCursor, resumeCursor, resumeKey } from './resume';
