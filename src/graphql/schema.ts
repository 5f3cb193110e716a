/** Builds the executable schema from the resolvers (type-graphql) with the contract's scalar names. */
import 'reflect-metadata';
import { type GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { buildSchema, type BuildSchemaOptions } from 'type-graphql';
import { createPubSub } from '@graphql-yoga/subscription';
import { DateTimeScalar } from './scalars';
import { timeResolvers } from './slow-resolvers';
import { ContactsResolver } from '../modules/contacts';
import { ActivitiesResolver } from '../modules/activities';
import { LifecycleResolver } from '../modules/lifecycle';
import { ScoringResolver, ScoreChangeResolver } from '../modules/scoring';
import { AccessResolver } from '../modules/access';
import { ContactChangedResolver, RealtimeResolver } from '../modules/realtime';
import { MetricsResolver } from '../modules/metrics';
import {
  ApiKeyOwnerResolver,
  OwnerAssignmentResolver,
  OwnersResolver,
  QualifierResolver,
  TransitionActorResolver,
} from '../modules/owners';
import { WebhooksResolver } from '../modules/webhooks';
import { SimulationJobResolver, SimulationResultResolver } from '../modules/insights';

const RESOLVERS: BuildSchemaOptions['resolvers'] = [
  ContactsResolver,
  ActivitiesResolver,
  LifecycleResolver,
  ScoringResolver,
  AccessResolver,
  RealtimeResolver,
  MetricsResolver,
  SimulationJobResolver,
  SimulationResultResolver,
  WebhooksResolver,
  OwnersResolver,
  OwnerAssignmentResolver,
  TransitionActorResolver,
  QualifierResolver,
  ApiKeyOwnerResolver,
  ScoreChangeResolver,
  ContactChangedResolver,
];

let cached: Promise<GraphQLSchema> | null = null;

/** The schema (built once per process: type-graphql metadata is global). */
export function buildAppSchema(): Promise<GraphQLSchema> {
  cached ??= buildSchema({
    resolvers: RESOLVERS,
    scalarsMap: [{ type: Date, scalar: DateTimeScalar }],
    // type-graphql insists on a PubSub when a schema has subscriptions; leadPromoted brings its own `subscribe`
    // (PromotionBus), so this one stays idle.
    pubSub: createPubSub(),
    validate: false,
    emitSchemaFile: false,
  }).then(timeResolvers);
  return cached;
}

/** SDL as committed in schema/schema.graphql (sorted, so diffs are stable). */
export async function schemaSdl(): Promise<string> {
  return printSchema(lexicographicSortSchema(await buildAppSchema())) + '\n';
}
