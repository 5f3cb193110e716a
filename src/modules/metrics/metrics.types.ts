/**
 * GraphQL outputs of conversionMetrics (the contract's StageMetric, StageConversion, ConversionGroup,
 * ConversionMetrics).
 */
import { Field, Float, Int, ObjectType } from 'type-graphql';
import { LifecycleStage } from '../../model';

@ObjectType()
export class StageMetric {
  @Field(() => LifecycleStage)
  stage: LifecycleStage;

  @Field(() => Int, { description: 'Distinct contacts that entered the stage inside [from, to).' })
  entered: number;

  @Field(() => Int, { description: 'Contacts in the stage now.' })
  current: number;

  @Field(() => Float, {
    nullable: true,
    description: 'Median days spent in the stage by contacts that entered it inside [from, to) and have left it.',
  })
  medianDaysInStage: number | null;
}

@ObjectType()
export class StageConversion {
  @Field(() => LifecycleStage)
  fromStage: LifecycleStage;

  @Field(() => LifecycleStage)
  toStage: LifecycleStage;

  @Field(() => Int, { description: 'Distinct contacts that entered fromStage inside [from, to).' })
  entered: number;

  @Field(() => Int, { description: 'How many of those entered toStage afterwards (at any time up to now).' })
  converted: number;

  @Field(() => Float, { description: 'converted / entered; 0 when entered is 0.' })
  rate: number;

  @Field(() => Float, { nullable: true })
  medianDaysToConvert: number | null;
}

@ObjectType()
export class ConversionGroup {
  @Field(() => String, {
    nullable: true,
    description:
      "The group's value (source, owner, partner id, or the period's first day as YYYY-MM-DD); null for " +
      'contacts without one.',
  })
  key: string | null;

  @Field(() => [StageMetric])
  stages: StageMetric[];

  @Field(() => [StageConversion])
  conversions: StageConversion[];
}

@ObjectType()
export class ConversionMetrics {
  @Field(() => Date)
  from: Date;

  @Field(() => Date)
  to: Date;

  @Field(() => [StageMetric], { description: 'One row per funnel stage, in funnel order.' })
  stages: StageMetric[];

  @Field(() => [StageConversion], {
    description: 'LEAD->MQL, MQL->SQL, SQL->OPPORTUNITY, OPPORTUNITY->CUSTOMER, in that order.',
  })
  conversions: StageConversion[];

  @Field(() => [ConversionGroup], { description: 'Empty for NONE.' })
  groups: ConversionGroup[];
}
