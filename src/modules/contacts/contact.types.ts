/** GraphQL outputs of the contacts API. */
import { connectionTypes } from '../../graphql/connection';
import { Contact } from '../../model';

export const ContactConnection = connectionTypes('Contact', Contact);
