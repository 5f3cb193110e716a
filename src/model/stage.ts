/** GraphQL enums of the lifecycle, registered once. */
import { registerEnumType } from 'type-graphql';

/** Where a contact stands in the buying journey. */
export enum LifecycleStage {
  PROSPECT = 'PROSPECT',
  LEAD = 'LEAD',
  MQL = 'MQL',
  SQL = 'SQL',
  OPPORTUNITY = 'OPPORTUNITY',
  CUSTOMER = 'CUSTOMER',
  NURTURE = 'NURTURE',
  DISQUALIFIED = 'DISQUALIFIED',
}
registerEnumType(LifecycleStage, {
  name: 'LifecycleStage',
  description:
    'Where a contact stands in the buying journey.\nFunnel order: PROSPECT < LEAD < MQL < SQL < OPPORTUNITY < ' +
    'CUSTOMER.\nNURTURE (sent back to marketing by sales) and DISQUALIFIED sit outside it.',
});

/** Recent engagement bucket. */
export enum Temperature {
  COLD = 'COLD',
  WARM = 'WARM',
  HOT = 'HOT',
}
registerEnumType(Temperature, {
  name: 'Temperature',
  description: "Recent engagement: engagement points earned inside the policy's temperature window.",
});

/** What caused a stage transition. */
export enum TransitionTrigger {
  SCORE = 'SCORE',
  MANUAL = 'MANUAL',
  QUALIFICATION = 'QUALIFICATION',
}
registerEnumType(TransitionTrigger, {
  name: 'TransitionTrigger',
  description: 'What caused a stage transition.',
  valuesConfig: {
    SCORE: { description: 'The score crossed a threshold of the qualification policy.' },
    MANUAL: { description: 'Moved by transitionContact.' },
    QUALIFICATION: { description: 'Qualified by sales with qualifyContact (BANT).' },
  },
});
