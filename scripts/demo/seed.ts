/**
 * Loads a demo plan through the services the API uses, dated as planned:
 * contacts created across the window, activities backdated, sales steps
 * (qualifications, moves) dated when the plan takes them, by the SALES key
 * acting for the contact's owner (owners.ts: the sales team and routing
 * that assigns the MQLs). Also the demo's
 * API keys (one per role) and the live mode that keeps it moving.
 */
import { type ActivityData, MAX_BATCH } from '../../src/modules/activities/activity.validation';
import { LifecycleStage } from '../../src/model/stage';
import { Role } from '../../src/modules/access/api-key.entity';
import type { Viewer } from '../../src/modules/access/viewer';
import type { Services } from '../../src/graphql/context';
import { DomainError } from '../../src/graphql/errors';
import { DEMO_KEYS } from './catalog';
import { type DemoPlan, type PlannedActivity, type PlannedContact, type PlannedStep } from './plan';
import { pick, prng } from './random';
import { actingOwner, seedOwners } from './owners';

/** What seeding did. */
export interface SeedReport {
  partners: number;
  rules: number;
  contacts: number;
  activities: number;
  transitions: number;
  qualifications: number;
  moves: number;
  /** Sales steps not taken because the contact was not in the stage the plan expected. */
  skippedSteps: number;
}

/** A demo API key: its name, role and, when this run created it, its secret (shown once). */
export interface DemoKey {
  name: string;
  role: Role;
  secret: string | null;
  viewer: Viewer;
}

/**
 * The demo's key of each role, created on first use (the PARTNER one for
 * the first partner of `partnerIds`); a key found from an earlier run has no
 * secret to show.
 */
export async function demoKeys(services: Services, partnerIds: string[]): Promise<Record<Role, DemoKey>> {
  const existing = await services.access.listApiKeys();
  const out = {} as Record<Role, DemoKey>;
  for (const role of Object.values(Role)) {
    const name = DEMO_KEYS[role];
    const found = existing.find((k) => k.name === name && k.role === role && !k.revokedAt);
    const created = found
      ? null
      : await services.access.createApiKey({ name, role, partnerId: role === Role.PARTNER ? partnerIds[0] : null });
    const key = found ?? created!.apiKey;
    out[role] = {
      name,
      role,
      secret: created?.secret ?? null,
      viewer: { keyId: key.id, name: key.name, role: key.role, partnerId: key.partnerId },
    };
  }
  return out;
}

/** The plan's partners, created when missing; their ids in plan order. */
async function seedPartners(services: Services, plan: DemoPlan, report: SeedReport): Promise<string[]> {
  const existing = new Map((await services.access.listPartners()).map((p) => [p.name, p.id]));
  const partnerIds: string[] = [];
  for (const name of plan.partners) {
    partnerIds.push(existing.get(name) ?? (await services.access.createPartner(name)).id);
    if (!existing.has(name)) report.partners++;
  }
  return partnerIds;
}

/** The plan's rules, created when missing; waits for the rescore they start. */
async function seedRules(services: Services, plan: DemoPlan, marketing: Viewer, report: SeedReport): Promise<void> {
  const ruleNames = new Set((await services.scoring.rules.listRules(true)).map((r) => r.name));
  for (const r of plan.rules) {
    if (ruleNames.has(r.name)) continue;
    await services.scoring.rules.createRule(marketing, r);
    report.rules++;
  }
  // New rules start a rescore; let it finish before contacts arrive so it cannot interleave with them.
  await services.rescore.idle(600_000);
}

/**
 * Loads the plan through the services, as the demo's MARKETING key
 * (contacts, activities, rules) and SALES key (qualifications and moves)
 * would. Contacts are created at their planned time; then, round by round,
 * every contact's activities up to its next sales step are recorded
 * (backdated, in batches of up to 1000) and those steps taken, dated as
 * planned, so every transition follows what caused it. Expects a store
 * without demo contacts. Returns the report and the keys.
 */
export async function seedThroughServices(
  services: Services,
  plan: DemoPlan,
  onProgress: (message: string) => void = () => undefined,
): Promise<{ report: SeedReport; keys: Record<Role, DemoKey> }> {
  const report: SeedReport = {
    partners: 0,
    rules: 0,
    contacts: 0,
    activities: 0,
    transitions: 0,
    qualifications: 0,
    moves: 0,
    skippedSteps: 0,
  };
  const partnerIds = await seedPartners(services, plan, report);
  const keys = await demoKeys(services, partnerIds);
  const owners = await seedOwners(services, keys.ADMIN.viewer);
  await seedRules(services, plan, keys.MARKETING.viewer, report);
  const contacts = Array.from({ length: plan.options.contacts }, (_, i) => plan.contact(i));
  const ids: string[] = [];
  for (const c of contacts) {
    const data = { ...c.data, partnerId: c.partner === null ? null : partnerIds[c.partner] };
    ids.push((await services.contacts.create(keys.MARKETING.viewer, data, new Date(c.createdAt))).id);
    if (++report.contacts % 500 === 0) onProgress(`${report.contacts} contacts created`);
  }
  // Per contact, the index of its next event to play.
  const cursor: number[] = new Array(contacts.length).fill(0);
  for (let round = 1; ; round++) {
    const due = await recordRound(services, plan.seed, keys.MARKETING.viewer, contacts, ids, cursor, report);
    onProgress(`round ${round}: ${report.activities} activities recorded, ${due.length} sales steps to take`);
    if (due.length === 0) break;
    for (const c of due) {
      const sales = await actingOwner(services, keys.SALES.viewer, ids[c.index], owners);
      await takeStep(services, sales, ids[c.index], c.events[cursor[c.index]++] as PlannedStep, report);
    }
  }
  return { report, keys };
}

/**
 * Records every contact's activities up to its next sales step, in batches;
 * returns the contacts with a step due (their cursor on it).
 */
async function recordRound(
  services: Services,
  seed: number,
  marketing: Viewer,
  contacts: PlannedContact[],
  ids: string[],
  cursor: number[],
  report: SeedReport,
): Promise<PlannedContact[]> {
  const inputs: ActivityData[] = [];
  const due: PlannedContact[] = [];
  for (const c of contacts) {
    let i = cursor[c.index];
    for (; i < c.events.length && c.events[i].kind === 'activity'; i++) {
      const a = c.events[i] as PlannedActivity;
      inputs.push({
        contactId: ids[c.index],
        type: a.type,
        occurredAt: new Date(a.at),
        properties: a.properties,
        idempotencyKey: `demo-${seed}-${c.index}-${i}`,
      });
    }
    cursor[c.index] = i;
    if (i < c.events.length) due.push(c);
  }
  for (let i = 0; i < inputs.length; i += MAX_BATCH) {
    const result = await services.activities.record(marketing, inputs.slice(i, i + MAX_BATCH));
    report.activities += result.activities.length - result.duplicates;
    report.transitions += result.transitions.length;
  }
  return due;
}

/**
 * Takes one sales step, dated as planned; a contact not where the plan expected (another policy) is left where it is.
 */
async function takeStep(
  services: Services,
  sales: Viewer,
  id: string,
  step: PlannedStep,
  report: SeedReport,
): Promise<void> {
  try {
    if (step.kind === 'qualify') {
      await services.lifecycle.qualify(sales, id, step.bant, new Date(step.at));
      report.qualifications++;
    } else {
      const now = await services.contacts.get(sales, id);
      if (now?.stage !== step.from) {
        report.skippedSteps++;
        return;
      }
      await services.lifecycle.transition(sales, id, step.to as LifecycleStage, step.reason, new Date(step.at));
      report.moves++;
    }
    report.transitions++;
  } catch (err) {
    if (!(err instanceof DomainError && err.code === 'BAD_USER_INPUT')) throw err;
    report.skippedSteps++;
  }
}

/**
 * Keeps the demo alive: every `everyMs`, one of the leads closest to MQL requests a
 * demo (now), which promotes it to MQL, a promotion leadPromoted subscribers
 * see. Returns how many promotions it caused in `durationMs`.
 */
export async function liveActivity(
  services: Services,
  marketing: Viewer,
  durationMs: number,
  everyMs: number,
  log: (line: string) => void,
): Promise<number> {
  const rand = prng(Date.now() >>> 0);
  let promotions = 0;
  for (const end = Date.now() + durationMs; Date.now() < end; await new Promise((r) => setTimeout(r, everyMs))) {
    // Among the ten LEADs closest to MQL: a demo request (40 points) then promotes nearly every time, where a LEAD
    // picked at random among all of them could be too far below the threshold (and a short run showed none).
    const leads = (
      await services.contacts.list(marketing, {
        filter: { stages: [LifecycleStage.LEAD] },
        orderBy: { field: 'SCORE', direction: 'DESC' },
        first: 10,
      })
    ).nodes;
    if (leads.length === 0) break;
    const lead = pick(rand, leads);
    const { transitions } = await services.activities.record(marketing, [{ contactId: lead.id, type: 'demo_request' }]);
    promotions += transitions.length;
    for (const t of transitions) log(`${lead.email}: ${t.fromStage} -> ${t.toStage}`);
  }
  return promotions;
}
