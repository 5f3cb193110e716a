/**
 * The model's public face: the entities and the pure domain cores several modules share. The layer sits
 * below src/modules and imports none of them (nor src/server or GraphQL wiring), so any module may use it
 * without closing a load-order cycle.
 */
export { Activity } from './activity.entity';
export { Contact } from './contact.entity';
export { CONTACT_COLUMNS, contactRow, newContact, sortKeys } from './contact.factory';
export { matchesFilter } from './contact-filter';
export type { ContactValues, ValuesFilter } from './contact-filter';
export {
  ContactFilter,
  ContactOrder,
  ContactSortField,
  CreateContactInput,
  SortDirection,
  UpdateContactInput,
} from './contact.inputs';
export { normaliseContact, normaliseEmail } from './contact.validation';
export type { ContactData } from './contact.validation';
export {
  DEFAULT_POLICY,
  FUNNEL,
  mergePolicy,
  promotions,
  qualificationOutcome,
  temperatureOf,
  validatePolicy,
} from './lifecycle';
export type { Bant, Policy, PolicyProblem, Stage } from './lifecycle';
export { Qualification } from './qualification.entity';
export { LifecycleStage, Temperature, TransitionTrigger } from './stage';
export { StageTransition } from './stage-transition.entity';
