/**
 * Full recompute of locked contacts from all their stored activities (a
 * rescore, or a backdated activity that changes earlier cap decisions):
 * applications, activity points, scores, window points, then promotions.
 * Only what changed is written.
 */
import {
  type ActivityFacts,
  type Application,
  engagementScore,
  fitScore,
  inWindow,
  scoreAllActivities,
} from './scorer';
import { ScoreChangeCause, scoreEvent } from './score-history';
import {
  type StoredApplication,
  fileChange,
  scoredState,
  selectByContacts,
  settleTemperature,
  writeApplicationDiff,
} from './score-writes';
import { type ScoringPass, applyNewActivity, touchActivity } from './scoring-pass';
import { activityFacts } from './cap-states';
import type { Contact, Activity } from '../../model';
import { parseDbDate } from '../../db/portable';
import { updateWhereIn } from '../../db/bulk';

/** A stored activity as a recompute reads it. */
interface StoredActivity {
  facts: ActivityFacts;
  points: number;
}

/** What a recompute reads for its contacts: their activities and stored applications. */
interface History {
  activities: Map<string, StoredActivity[]>;
  applications: StoredApplication[];
}

async function readHistory(pass: ScoringPass, ids: string[]): Promise<History> {
  // Raw rows, not entities: a rescore batch reads ~10k activities and hydration would dominate.
  const raw = await selectByContacts<{
    id: string;
    contact_id: string;
    type: string;
    occurred_at: unknown;
    properties: unknown;
    points: number | string;
  }>(pass.em, 'SELECT id, contact_id, type, occurred_at, properties, points FROM activities', ids);
  const applications = await selectByContacts<StoredApplication>(
    pass.em,
    'SELECT activity_id, rule_id, points, expires_at, expired, in_window FROM score_applications',
    ids,
  );
  const activities = new Map<string, StoredActivity[]>(ids.map((id) => [id, []]));
  for (const r of raw) {
    const properties =
      typeof r.properties === 'string' ? JSON.parse(r.properties) : ((r.properties as Record<string, unknown>) ?? null);
    activities.get(r.contact_id)!.push({
      facts: { id: r.id, type: r.type, occurredAt: parseDbDate(r.occurred_at).getTime(), properties },
      points: Number(r.points),
    });
  }
  return { activities, applications };
}

/** Groups `apps` by activity id. */
function byActivity(apps: Application[]): Map<string, Application[]> {
  const out = new Map<string, Application[]>();
  for (const a of apps) {
    const list = out.get(a.activityId);
    if (list) list.push(a);
    else out.set(a.activityId, [a]);
  }
  return out;
}

/**
 * Recomputes one contact: its stored activities are the baseline, each of
 * `fresh` (new, not yet stored) then comes in, in occurredAt order, dated by
 * itself; without fresh activities it is promoted once, dated `now`.
 * Returns its applications; records stored activities whose points moved in `repointed`.
 */
async function recomputeOne(
  pass: ScoringPass,
  contact: Contact,
  stored: StoredActivity[],
  fresh: Activity[],
  repointed: Map<number, string[]>,
): Promise<Application[]> {
  const nowMs = pass.now.getTime();
  const apps = scoreAllActivities(
    [...stored.map((s) => s.facts), ...fresh.map(activityFacts)],
    pass.rules.filter((r) => r.kind === 'BEHAVIOR'),
  );
  const appsByActivity = byActivity(apps);
  const pointsOf = (id: string) => (appsByActivity.get(id) ?? []).reduce((s, a) => s + a.points, 0);
  let lastEngaged = -Infinity;
  for (const s of stored) {
    const points = pointsOf(s.facts.id);
    if (points > 0) lastEngaged = Math.max(lastEngaged, s.facts.occurredAt);
    if (points === s.points) continue;
    const list = repointed.get(points);
    if (list) list.push(s.facts.id);
    else repointed.set(points, [s.facts.id]);
  }
  const freshIds = new Set(fresh.map((a) => a.id));
  const baseline = apps.filter((a) => !freshIds.has(a.activityId));
  const was = [contact.score, contact.fitScore, contact.engagementScore];
  contact.fitScore = fitScore(contact, pass.rules);
  contact.engagementScore = engagementScore(baseline, nowMs);
  contact.score = contact.fitScore + contact.engagementScore;
  contact.windowPoints = baseline.reduce(
    (s, a) => (inWindow(a, nowMs, pass.policy.temperatureWindowDays) ? s + a.points : s),
    0,
  );
  contact.lastEngagedAt = Number.isFinite(lastEngaged) ? new Date(lastEngaged) : null;
  if (contact.score !== was[0] || contact.fitScore !== was[1] || contact.engagementScore !== was[2]) {
    pass.changes.events.push(scoreEvent(contact, contact.score - was[0], ScoreChangeCause.RESCORED, nowMs));
  }
  if (fresh.length === 0) {
    const opts = { at: pass.now, engagedNow: false, policy: pass.policy };
    await pass.lifecycle.promote(pass.em, contact, opts, pass.transitions);
  } else {
    touchActivity(contact, fresh);
    for (const activity of fresh)
      await applyNewActivity(pass, contact, activity, appsByActivity.get(activity.id) ?? []);
  }
  return apps;
}

/**
 * Recomputes locked contacts from all their stored activities plus `added`
 * (new, not yet stored; the caller inserts them with the points set here)
 * against the pass's rules. Applications and activity points are diffed
 * against the stored ones; the contacts whose columns changed are filed in
 * `pass.changes` for the caller to write (writeContactScores).
 */
export async function recomputeContacts(
  pass: ScoringPass,
  contacts: Contact[],
  added: Map<string, Activity[]>,
): Promise<void> {
  if (contacts.length === 0) return;
  const history = await readHistory(
    pass,
    contacts.map((c) => c.id),
  );
  const newApps: { app: Application; contactId: string }[] = [];
  // Activity ids by their new points, for one UPDATE per distinct value.
  const repointed = new Map<number, string[]>();
  for (const contact of contacts) {
    const before = scoredState(contact);
    const stored = history.activities.get(contact.id)!;
    const apps = await recomputeOne(pass, contact, stored, added.get(contact.id) ?? [], repointed);
    for (const app of apps) newApps.push({ app, contactId: contact.id });
    settleTemperature(contact, pass.policy, pass.log);
    fileChange(pass.changes, contact, before, pass.now);
  }
  for (const [points, activityIds] of repointed)
    await updateWhereIn(pass.em, 'activities', { points }, 'id', activityIds);
  await writeApplicationDiff(
    pass.em,
    history.applications,
    newApps,
    pass.now.getTime(),
    pass.policy.temperatureWindowDays,
  );
}
