/**
 * Sales steps on one contact: BANT qualification of an MQL and manual moves. Each locks the contact (within the
 * viewer's partner scope), writes its transition as the transaction's last step and publishes it after commit.
 */
import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import {
  type Contact,
  type Bant,
  type Policy,
  qualificationOutcome,
  Qualification,
  LifecycleStage,
  TransitionTrigger,
  type StageTransition,
} from '../../model';
import { requireContact } from '../contacts';
import { type Viewer, actorName, assertCan } from '../access';
import { badInput } from '../../graphql/errors';
import { transaction } from '../../db/portable';
import type { LifecycleService } from './lifecycle.service';

/** What the sales steps need of the lifecycle service. */
export interface SalesStepDeps {
  ds: DataSource;
  policy(em: EntityManager): Promise<Policy>;
  newTransition: LifecycleService['newTransition'];
  insertTransitions(em: EntityManager, transitions: StageTransition[]): Promise<void>;
  saveStage(em: EntityManager, contact: Contact): Promise<void>;
  publish(transitions: StageTransition[]): void;
}

/** BANT qualification of an MQL by sales: SQL with enough criteria, else NURTURE. `at`: see backfillDate. */
export async function qualifyContact(
  deps: SalesStepDeps,
  viewer: Viewer,
  id: string,
  bant: Bant & { notes?: string | null },
  at?: Date,
): Promise<Contact> {
  assertCan(viewer, 'qualify');
  if (bant.notes != null && bant.notes.length > 10_000)
    throw badInput('input.notes', 'must be at most 10000 characters');
  return salesStep(deps, viewer, id, at, async (em, contact, now) => {
    if (contact.stage !== LifecycleStage.MQL)
      throw badInput('id', `qualifyContact needs an MQL contact; this one is ${contact.stage}`, {
        stage: contact.stage,
      });
    const policy = await deps.policy(em);
    await em.getRepository(Qualification).insert({
      id: randomUUID(),
      contactId: contact.id,
      budget: bant.budget,
      authority: bant.authority,
      need: bant.need,
      timeline: bant.timeline,
      notes: bant.notes ?? null,
      qualifiedAt: now,
      qualifiedBy: actorName(viewer),
      qualifiedByOwnerId: viewer.ownerId ?? null,
    });
    const to = qualificationOutcome(bant, policy) as LifecycleStage;
    return { to, trigger: TransitionTrigger.QUALIFICATION, reason: null };
  });
}

/** Manual move to any other stage, with a reason; the actor is the key's name. `at`: see backfillDate. */
export async function moveContact(
  deps: SalesStepDeps,
  viewer: Viewer,
  id: string,
  toStage: LifecycleStage,
  rawReason: string,
  at?: Date,
): Promise<Contact> {
  assertCan(viewer, 'qualify');
  const reason = rawReason.trim();
  if (!reason) throw badInput('reason', 'must not be empty');
  if (reason.length > 1000) throw badInput('reason', 'must be at most 1000 characters');
  return salesStep(deps, viewer, id, at, async (_em, contact) => {
    if (contact.stage === toStage) throw badInput('toStage', `the contact is already ${toStage}`);
    return { to: toStage, trigger: TransitionTrigger.MANUAL, reason };
  });
}

/**
 * One sales step in one transaction: locks the contact, lets `decide` check it and say where it goes (writing
 * what else the step stores), then writes the transition and the contact's stage; publishes after commit.
 */
async function salesStep(
  deps: SalesStepDeps,
  viewer: Viewer,
  id: string,
  at: Date | undefined,
  decide: (
    em: EntityManager,
    contact: Contact,
    now: Date,
  ) => Promise<{ to: LifecycleStage; trigger: TransitionTrigger; reason: string | null }>,
): Promise<Contact> {
  const { contact, transitions } = await transaction(deps.ds, async (em) => {
    const contact = await requireContact(em, viewer, id, true);
    const now = backfillDate(contact, at);
    const { to, trigger, reason } = await decide(em, contact, now);
    const transitions = [deps.newTransition(contact, to, trigger, now, reason, viewer)];
    // The contact's new values first: the change log records them.
    Object.assign(contact, { stage: to, stageChangedAt: now, lastTransitionAt: now, updatedAt: now });
    await deps.insertTransitions(em, transitions);
    await deps.saveStage(em, contact);
    return { contact, transitions };
  });
  deps.publish(transitions);
  return contact;
}

/**
 * When a sales step happens: now for the API, or the `at` of a backfill (the demo), never before the contact's last
 * transition.
 */
function backfillDate(contact: Contact, at: Date | undefined): Date {
  if (!at) return new Date();
  return new Date(Math.max(at.getTime(), contact.lastTransitionAt?.getTime() ?? -Infinity));
}
