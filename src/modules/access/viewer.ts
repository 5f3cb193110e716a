/** Who is calling: the authenticated API key, as services see it. */
import { Role } from './api-key.entity';
import { forbidden } from '../../graphql/errors';

/** The calling key. `partnerId` is set for PARTNER keys, which see only their partner's contacts. */
export interface Viewer {
  keyId: string;
  name: string;
  role: Role;
  partnerId: string | null;
  /**
   * The owner the key acts for (createApiKey ownerId): transitions, qualifications and assignments it makes name that
   * owner.
   */
  ownerId?: string | null;
  ownerName?: string | null;
}

/**
 * How a viewer is named where it acted (actor, qualifiedBy): its owner's name when the key acts for one, else the key's
 * name.
 */
export function actorName(viewer: Viewer): string {
  return viewer.ownerName ?? viewer.name;
}

/** Which roles may do what: the contract's role table, in one place. */
export const PERMISSIONS = {
  read: [Role.ADMIN, Role.MARKETING, Role.SALES, Role.PARTNER, Role.VIEWER],
  /** Rules, policy and jobs: everyone but partners, who see only their referrals. */
  readConfig: [Role.ADMIN, Role.MARKETING, Role.SALES, Role.VIEWER],
  writeContacts: [Role.ADMIN, Role.MARKETING, Role.SALES, Role.PARTNER],
  recordActivities: [Role.ADMIN, Role.MARKETING],
  manageScoring: [Role.ADMIN, Role.MARKETING],
  qualify: [Role.ADMIN, Role.SALES],
  admin: [Role.ADMIN],
} as const;

export type Permission = keyof typeof PERMISSIONS;

/** True when the viewer's role holds the permission. */
export function can(viewer: Viewer, permission: Permission): boolean {
  return (PERMISSIONS[permission] as readonly Role[]).includes(viewer.role);
}

/** Throws FORBIDDEN unless the viewer's role holds the permission. */
export function assertCan(viewer: Viewer, permission: Permission): void {
  if (!can(viewer, permission))
    throw forbidden(`The ${viewer.role} role may not ${permission.replace(/([A-Z])/g, ' $1').toLowerCase()}`);
}

/** The partner a viewer is confined to, or null for roles that see everything. */
export function partnerScope(viewer: Viewer): string | null {
  return viewer.role === Role.PARTNER ? (viewer.partnerId ?? '\u0000none') : null;
}
