/** The activities module's public face: what other modules and the server may use. */
export { ActivitiesResolver } from './activities.resolver';
export { ActivitiesService } from './activities.service';
export { ActivityConnection } from './activity.types';
