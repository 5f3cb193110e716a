/** GraphQL outputs of the lifecycle API. */
import { connectionTypes } from '../../graphql/connection';
import { StageTransition } from '../../model';

export const StageTransitionConnection = connectionTypes('StageTransition', StageTransition);
