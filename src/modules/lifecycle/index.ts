/** The lifecycle module's public face: what other modules and the server may use. */
export { FUNNEL, mergePolicy, promotions, validatePolicy } from './lifecycle';
export type { Policy, Stage } from './lifecycle';
export { QualificationPolicyInput } from './lifecycle.inputs';
export { LifecycleResolver } from './lifecycle.resolver';
export { LifecycleService } from './lifecycle.service';
export { QualificationPolicy } from './qualification-policy.entity';
export { Qualification } from './qualification.entity';
export { LifecycleStage } from './stage';
export { StageTransition } from './stage-transition.entity';
export { convertsTo } from './stays';
