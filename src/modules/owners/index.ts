/** Owners and routing: the module's public face. */
export { Owner } from './owner.entity';
export { OwnerAssignment, AssignmentTrigger } from './owner-assignment.entity';
export { RoutingPolicy } from './routing-policy.entity';
export { OwnersService } from './owners.service';
export type { AssignmentData } from './owners.service';
export {
  OwnersResolver,
  OwnerAssignmentResolver,
  TransitionActorResolver,
  QualifierResolver,
  ApiKeyOwnerResolver,
} from './owners.resolver';
