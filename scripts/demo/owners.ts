/**
 * The demo's sales team: owners in three teams and a routing policy, so the
 * demo's MQLs are assigned as they are promoted (round-robin per team:
 * enterprise by company size, EMEA by country, inside sales for the rest)
 * and the SALES key acts for an owner (qualifiedBy and actor name a person).
 */
import type { Services } from '../../src/graphql/context';
import type { Viewer } from '../../src/modules/access/viewer';

/** Owners by team; emails are unique, so a second run finds them. */
export const DEMO_OWNERS = [
  { name: 'Erin Walsh', email: 'erin.walsh@demo.example', team: 'enterprise' },
  { name: 'Kenji Sato', email: 'kenji.sato@demo.example', team: 'enterprise' },
  { name: 'Lena Fischer', email: 'lena.fischer@demo.example', team: 'emea' },
  { name: 'Hugo Martin', email: 'hugo.martin@demo.example', team: 'emea' },
  { name: 'Sofie de Vries', email: 'sofie.devries@demo.example', team: 'emea' },
  { name: 'Maya Patel', email: 'maya.patel@demo.example', team: 'inside-sales' },
  { name: 'Diego Souza', email: 'diego.souza@demo.example', team: 'inside-sales' },
  { name: 'Ava Brooks', email: 'ava.brooks@demo.example', team: 'inside-sales' },
];

/** Enterprise accounts first, then EMEA by country, everyone else to inside sales. */
export const DEMO_ROUTING = {
  enabled: true,
  assignAtStage: 'MQL',
  defaultTeam: 'inside-sales',
  rules: [
    { team: 'enterprise', minCompanySize: 1000 },
    { team: 'emea', countries: ['GB', 'DE', 'FR', 'NL'] },
  ],
};

/** Creates the owners missing and sets the routing policy, as the demo's ADMIN key; returns the owners' names by id. */
export async function seedOwners(services: Services, admin: Viewer): Promise<Map<string, string>> {
  const existing = await services.owners.list(admin, { includeInactive: true });
  const emails = new Set(existing.map((o) => o.email));
  for (const o of DEMO_OWNERS) if (!emails.has(o.email)) existing.push(await services.owners.create(admin, o));
  await services.owners.updateRouting(admin, DEMO_ROUTING);
  return new Map(existing.map((o) => [o.id, o.name]));
}

/**
 * The SALES key acting for the contact's owner, as the owner working the lead would (qualifiedBy and actor name the
 * person).
 */
export async function actingOwner(
  services: Services,
  sales: Viewer,
  contactId: string,
  owners: Map<string, string>,
): Promise<Viewer> {
  const contact = await services.contacts.get(sales, contactId);
  const ownerId = contact?.ownerId ?? null;
  return ownerId !== null && owners.has(ownerId) ? { ...sales, ownerId, ownerName: owners.get(ownerId)! } : sales;
}
