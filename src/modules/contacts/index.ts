/** The contacts module's public face: what other modules and the server may use. */
export { requireContact } from './contact-lock';
export { createContactLoaders } from './contact.loaders';
export type { ContactLoaders } from './contact.loaders';
export { ContactsResolver } from './contacts.resolver';
export { ContactsService } from './contacts.service';
