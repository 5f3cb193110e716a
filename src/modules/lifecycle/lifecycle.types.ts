/** GraphQL outputs of the lifecycle API. */
import { connectionTypes } from '../../graphql/connection';
import { StageTransition } from './stage-transition.entity';

export const StageTransitionConnection = connectionTypes('StageTransition', StageTransition);
