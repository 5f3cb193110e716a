/** The lifecycle module's public face: what other modules and the server may use. */
export { QualificationPolicyInput } from './lifecycle.inputs';
export { LifecycleResolver } from './lifecycle.resolver';
export { LifecycleService } from './lifecycle.service';
export { QualificationPolicy } from './qualification-policy.entity';
export { convertsTo } from './stays';
