/** The contacts module's public face: what other modules and the server may use. */
export { Contact } from './contact.entity';
export { createContactLoaders } from './contact.loaders';
export type { ContactLoaders } from './contact.loaders';
export { ContactsResolver } from './contacts.resolver';
export { ContactsService } from './contacts.service';
