/** Every entity, registered once for the DataSource. */
import { Contact, Activity, StageTransition, Qualification } from '../model';
import { ScoringRule, ScoreApplication, RescoreJob } from '../modules/scoring';
import { QualificationPolicy } from '../modules/lifecycle';
import { ApiKey, Partner } from '../modules/access';
import { Owner, OwnerAssignment, RoutingPolicy } from '../modules/owners';
import { SimulationDifferenceRow, SimulationJob } from '../modules/insights';

export const ENTITIES = [
  Contact,
  Activity,
  ScoringRule,
  ScoreApplication,
  RescoreJob,
  StageTransition,
  Qualification,
  QualificationPolicy,
  ApiKey,
  Partner,
  SimulationJob,
  SimulationDifferenceRow,
  Owner,
  OwnerAssignment,
  RoutingPolicy,
];
