/** Where committed transitions go after their transaction commits (subscriptions listen here). */
import type { StageTransition } from '../lifecycle/stage-transition.entity';

/** Receives transitions after commit; never called for a transaction that rolled back. */
export interface PromotionPublisher {
  publish(transitions: StageTransition[]): void;
}

/** Publisher used where nobody listens (CLI tools, seeding without a server). */
export const nullPublisher: PromotionPublisher = { publish: () => undefined };
