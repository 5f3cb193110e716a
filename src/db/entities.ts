/** Every entity, registered once for the DataSource. */
import { Contact } from '../modules/contacts/contact.entity';
import { Activity } from '../modules/activities/activity.entity';
import { ScoringRule } from '../modules/scoring/scoring-rule.entity';
import { ScoreApplication } from '../modules/scoring/score-application.entity';
import { RescoreJob } from '../modules/scoring/rescore-job.entity';
import { StageTransition } from '../modules/lifecycle/stage-transition.entity';
import { Qualification } from '../modules/lifecycle/qualification.entity';
import { QualificationPolicy } from '../modules/lifecycle/qualification-policy.entity';
import { ApiKey } from '../modules/access/api-key.entity';
import { Partner } from '../modules/access/partner.entity';
import { Owner, OwnerAssignment, RoutingPolicy } from '../modules/owners';
import { SimulationDifferenceRow, SimulationJob } from '../modules/insights/simulation-job.entity';

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
