/** GraphQL outputs of the contacts API. */
import { connectionTypes } from '../../graphql/connection';
import { Contact } from './contact.entity';

export const ContactConnection = connectionTypes('Contact', Contact);
