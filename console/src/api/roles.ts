/**
 * What each role may do, as the service's role table says (docs/api.md): the
 * console only shows what the key can use; the API still enforces it.
 */
export type Role = 'ADMIN' | 'MARKETING' | 'SALES' | 'PARTNER' | 'VIEWER';

/** The signed-in key, from `viewer`. */
export interface Viewer {
  id: string;
  name: string;
  role: Role;
  partnerId: string | null;
}

export type ScreenId = 'funnel' | 'live' | 'contacts' | 'rules' | 'partner' | 'keys';

/** Navigation entries, in order, with the roles that see them. */
export const SCREENS: readonly { id: ScreenId; label: string; roles: readonly Role[] }[] = [
  { id: 'funnel', label: 'Funnel', roles: ['ADMIN', 'MARKETING', 'SALES', 'VIEWER'] },
  { id: 'partner', label: 'Referrals', roles: ['PARTNER'] },
  { id: 'live', label: 'Live', roles: ['ADMIN', 'MARKETING', 'SALES', 'PARTNER', 'VIEWER'] },
  { id: 'contacts', label: 'Contacts', roles: ['ADMIN', 'MARKETING', 'SALES', 'VIEWER'] },
  { id: 'rules', label: 'Rules', roles: ['ADMIN', 'MARKETING'] },
  { id: 'keys', label: 'Keys', roles: ['ADMIN'] },
];

const ABILITIES = {
  qualify: ['ADMIN', 'SALES'],
  manageScoring: ['ADMIN', 'MARKETING'],
  admin: ['ADMIN'],
} as const satisfies Record<string, readonly Role[]>;

/** True when the role holds the ability. */
export function can(role: Role, ability: keyof typeof ABILITIES): boolean {
  return (ABILITIES[ability] as readonly Role[]).includes(role);
}

/** The screens a role may open. */
export function screensFor(role: Role) {
  return SCREENS.filter((s) => s.roles.includes(role));
}

/** One sentence on what the role may do, shown beside the navigation. */
export const ROLE_SUMMARY: Record<Role, string> = {
  ADMIN: 'Everything: rules, policy, keys, qualification.',
  MARKETING: 'Reads everything, records activity, edits rules and the policy.',
  SALES: 'Reads everything, qualifies MQLs and moves contacts.',
  PARTNER: 'Sees its own referrals and their stages only.',
  VIEWER: 'Reads contacts and metrics; changes nothing.',
};
