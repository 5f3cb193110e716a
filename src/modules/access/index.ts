/** The access module's public face: what other modules and the server may use. */
export { AccessResolver } from './access.resolver';
export { AccessService } from './access.service';
export { KeyCache } from './key-cache';
export { RedisKeyChannel } from './key-channel';
export { ApiKey, Role } from './api-key.entity';
export { Partner } from './partner.entity';
export { actorName, assertCan, partnerScope } from './viewer';
export type { Viewer } from './viewer';
