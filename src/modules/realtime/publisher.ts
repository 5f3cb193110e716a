/** Where committed transitions go after their transaction commits (subscriptions listen here). */
import type { StageTransition } from '../../model';
import type { WireChange } from './contact-changes';

/**
 * Receives a transaction's transitions and contact changes after commit;
 * never called for a transaction that rolled back. Changes logged with
 * transitions are found from them (contact-changes.ts loggedWith) when not given.
 */
export interface PromotionPublisher {
  publish(transitions: StageTransition[], changes?: WireChange[]): void;
}
