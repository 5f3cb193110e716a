/**
 * Replays one contact's stored history under a rule set and policy, with
 * the pure scorer and lifecycle the services use, writing nothing. Events
 * are taken in the order the service took them (recording time): each
 * activity is scored with the points that had not expired when it was
 * recorded, then the promotions it earns are dated by it (never before the
 * previous transition); the human steps (qualifications, manual moves) are
 * replayed at their recorded time when the contact stands where they found
 * it, and dropped otherwise (sales cannot qualify a contact that is not an
 * MQL). Under the rules and policy the history was recorded with, the
 * replay reproduces its transitions; transitions a rescore made after a
 * rule change are not replayed (the rules then are not the replayed ones).
 */
import {
  type ActivityFacts,
  type Application,
  type CapState,
  type ContactFacts,
  type Rule,
  fitContributions,
  isExpired,
  scoreActivity,
} from '../scoring';
import { type Policy, type Stage, promotions } from '../../model';

/** A stored activity and when it was recorded (epoch ms). */
export interface HistoryActivity extends ActivityFacts {
  recordedAt: number;
}

/** A stored transition; `order` is its position among the contact's transitions (id order). */
export interface HistoryTransition {
  from: Stage;
  to: Stage;
  trigger: 'SCORE' | 'QUALIFICATION' | 'MANUAL';
  at: number;
  recordedAt: number;
  order: number;
}

/** What the replay reads of one contact. */
export interface ContactHistory {
  id: string;
  facts: ContactFacts;
  createdAt: number;
  activities: HistoryActivity[];
  transitions: HistoryTransition[];
}

/** A transition the replay made. */
export interface ReplayedTransition {
  from: Stage;
  to: Stage;
  trigger: HistoryTransition['trigger'];
  at: number;
}

/** The outcome of a replay: transitions in order, the final stage, and the points each rule earned. */
export interface Replay {
  transitions: ReplayedTransition[];
  stage: Stage;
  applications: Application[];
  fit: { ruleId: string; points: number }[];
}

type Event = { kind: 'activity'; a: HistoryActivity } | { kind: 'step'; t: HistoryTransition };

function recorded(e: Event): number {
  return e.kind === 'activity' ? e.a.recordedAt : e.t.recordedAt;
}

/**
 * Activities by (recordedAt, occurredAt, id), steps by (recordedAt, order); a step before activities recorded in the
 * same millisecond.
 */
function eventOrder(x: Event, y: Event): number {
  const d = recorded(x) - recorded(y);
  if (d !== 0) return d;
  if (x.kind !== y.kind) return x.kind === 'step' ? -1 : 1;
  if (x.kind === 'step' && y.kind === 'step') return x.t.order - y.t.order;
  const a = (x as { a: HistoryActivity }).a;
  const b = (y as { a: HistoryActivity }).a;
  return a.occurredAt - b.occurredAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Replays the history's events occurring up to `until` (epoch ms) under `rules` (active ones) and `policy`. */
export function replayContact(history: ContactHistory, rules: Rule[], policy: Policy, until: number): Replay {
  const behavior = rules.filter((r) => r.kind === 'BEHAVIOR');
  const fit = fitContributions(history.facts, rules);
  const fitScore = fit.reduce((s, f) => s + f.points, 0);
  const events: Event[] = [
    ...history.activities.filter((a) => a.occurredAt <= until).map((a): Event => ({ kind: 'activity', a })),
    ...history.transitions
      .filter((t) => t.trigger !== 'SCORE' && t.at <= until)
      .map((t): Event => ({ kind: 'step', t })),
  ].sort(eventOrder);
  const capState: CapState = new Map();
  const applications: Application[] = [];
  const out: ReplayedTransition[] = [];
  let stage: Stage = 'PROSPECT';
  let stageChangedAt = history.createdAt;
  let lastTransitionAt = -Infinity;
  let lastEngagedAt = -Infinity;
  for (const e of events) {
    if (e.kind === 'step') {
      if (e.t.from !== stage) continue;
      out.push({ from: stage, to: e.t.to, trigger: e.t.trigger, at: e.t.at });
      stage = e.t.to;
      stageChangedAt = lastTransitionAt = e.t.at;
      continue;
    }
    const apps = scoreActivity(e.a, behavior, capState);
    for (const app of apps) applications.push(app);
    if (apps.reduce((s, a) => s + a.points, 0) > 0) lastEngagedAt = Math.max(lastEngagedAt, e.a.occurredAt);
    // Engagement as an expiry sweep running all along would leave it when this activity was recorded.
    const engagement = applications.reduce((s, a) => (isExpired(a, e.a.recordedAt) ? s : s + a.points), 0);
    const next = promotions(
      { stage, fitScore, engagementScore: engagement, engagedSinceStageChange: lastEngagedAt > stageChangedAt },
      policy,
    );
    if (next.length === 0) continue;
    const at = Math.max(e.a.occurredAt, lastTransitionAt);
    for (const to of next) {
      out.push({ from: stage, to, trigger: 'SCORE', at });
      stage = to;
    }
    stageChangedAt = lastTransitionAt = at;
  }
  return { transitions: out, stage, applications, fit };
}

/** When the contact first entered `stage` at or after `from` (and at or before `to`); null if never. */
export function firstEntry(
  transitions: { to: Stage; at: number }[],
  stage: Stage,
  from: number,
  to: number,
): number | null {
  for (const t of transitions) if (t.to === stage && t.at >= from && t.at <= to) return t.at;
  return null;
}
