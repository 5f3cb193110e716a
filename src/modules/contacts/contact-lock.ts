/** Reading a contact for a change: NOT_FOUND unless it exists within the viewer's partner scope. */
import type { EntityManager } from 'typeorm';
import { type Viewer, partnerScope } from '../access';
import { notFound } from '../../graphql/errors';
import { lockRows } from '../../db/portable';
import { Contact } from '../../model';

/**
 * The contact `id` as the viewer may see it (its partner's contacts only), else NOT_FOUND; with `lock`, its
 * row lock for the rest of the transaction of `em`.
 */
export async function requireContact(em: EntityManager, viewer: Viewer, id: string, lock: boolean): Promise<Contact> {
  const qb = em.getRepository(Contact).createQueryBuilder('c').where('c.id = :id', { id });
  const contact = await (lock ? lockRows(qb) : qb).getOne();
  const scope = partnerScope(viewer);
  if (!contact || (scope !== null && contact.partnerId !== scope)) throw notFound('Contact', id);
  return contact;
}
