/** The score history as the API reads it: Contact.scoreHistory. */
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { DataSource, In } from 'typeorm';
import { ScoringRule } from './scoring-rule.entity';
import { Activity } from '../../model';
import { ScoreChangeCause } from './score-history';
import { connectionTypes } from '../../graphql/connection';
import { Page, checkFirst, decodeCursor, encodeCursor } from '../../graphql/pagination';
import { badInput } from '../../graphql/errors';
import { dbDate, inList, parseDbDate } from '../../db/portable';

/** One change of a contact's score. */
@ObjectType({
  description: "One change of a contact's stored score; replaying a contact's changes in order ends on its score.",
})
export class ScoreChange {
  @Field(() => ID, { description: 'Stable: a cache key for clients.' })
  id: string;

  @Field(() => Date, {
    description:
      "When the change took effect: the activity's occurredAt, the points' expiry, or the rescore or edit; " +
      "never before the contact's previous change.",
  })
  at: Date;

  @Field(() => ScoreChangeCause, { description: 'What changed the score.' })
  cause: ScoreChangeCause;

  @Field(() => Int, { description: 'score after minus score before.' })
  delta: number;

  @Field(() => Int, { description: 'The score after the change.' })
  score: number;

  @Field(() => Int, { description: 'The fit score after the change.' })
  fitScore: number;

  @Field(() => Int, { description: 'The engagement score after the change.' })
  engagementScore: number;

  @Field(() => ID, { nullable: true, description: 'The rule behind it (ACTIVITY_SCORED, POINTS_EXPIRED).' })
  ruleId: string | null;

  @Field(() => ID, { nullable: true, description: 'The activity behind it (ACTIVITY_SCORED, POINTS_EXPIRED).' })
  activityId: string | null;
}

export const ScoreChangeConnection = connectionTypes('ScoreChange', ScoreChange);

/** Arguments of Contact.scoreHistory. */
export interface HistoryArgs {
  from: Date | null;
  to: Date | null;
  first: number;
  after: string | null;
}

interface Row {
  id: string | number;
  contact_id: string;
  at: unknown;
  cause: string;
  delta: number | string;
  score: number | string;
  fit_score: number | string;
  engagement_score: number | string;
  rule_id: string | null;
  activity_id: string | null;
}

function fromRow(r: Row): ScoreChange {
  return Object.assign(new ScoreChange(), {
    id: String(r.id),
    at: parseDbDate(r.at),
    cause: r.cause as ScoreChangeCause,
    delta: Number(r.delta),
    score: Number(r.score),
    fitScore: Number(r.fit_score),
    engagementScore: Number(r.engagement_score),
    ruleId: r.rule_id,
    activityId: r.activity_id,
  });
}

/** Reads score history pages: every statement is one range of ix_score_events_contact_at per contact. */
export class ScoreHistoryReader {
  constructor(
    private readonly ds: DataSource,
    private readonly maxFirst: number,
  ) {}

  /** Rules by id, inactive ones included (a change keeps naming the rule behind it). */
  rules(ids: readonly string[]): Promise<ScoringRule[]> {
    return this.ds.getRepository(ScoringRule).find({ where: { id: In([...ids]) } });
  }

  activities(ids: readonly string[]): Promise<Activity[]> {
    return this.ds.getRepository(Activity).find({ where: { id: In([...ids]) } });
  }

  /** Pages of many contacts' histories with the same arguments, oldest first, in two statements. */
  async pages(contactIds: readonly string[], args: HistoryArgs): Promise<Map<string, Page<ScoreChange>>> {
    checkFirst(args.first, this.maxFirst);
    if (args.from && args.to && args.from > args.to) throw badInput('to', 'must not be before from');
    const out = new Map<string, Page<ScoreChange>>(
      contactIds.map((id) => [id, { nodes: [], cursors: [], hasNextPage: false, totalCount: 0 }]),
    );
    if (contactIds.length === 0) return out;
    const where = [`contact_id IN ${inList(contactIds.length)}`];
    const params: unknown[] = [...contactIds];
    if (args.from) {
      where.push('at >= ?');
      params.push(dbDate(args.from));
    }
    if (args.to) {
      where.push('at < ?');
      params.push(dbDate(args.to));
    }
    const counts: { contact_id: string; n: number | string }[] = await this.ds.query(
      `SELECT contact_id, COUNT(*) AS n FROM score_events WHERE ${where.join(' AND ')} GROUP BY contact_id`,
      params,
    );
    for (const r of counts) out.get(r.contact_id)!.totalCount = Number(r.n);
    if (args.after) {
      const [at, id] = decodeCursor(args.after, ['time', 'serial']);
      where.push('(at > ? OR (at = ? AND id > ?))');
      params.push(dbDate(Number(at)), dbDate(Number(at)), Number(id));
    }
    const rows: Row[] = await this.ds.query(
      `SELECT * FROM (SELECT id, contact_id, at, cause, delta, score, fit_score, engagement_score, rule_id, ` +
        `activity_id, ROW_NUMBER() OVER (PARTITION BY contact_id ORDER BY at, id) AS rn FROM score_events WHERE ` +
        `${where.join(' AND ')}) ranked WHERE rn <= ? ORDER BY contact_id, at, id`,
      [...params, args.first + 1],
    );
    for (const r of rows) {
      const page = out.get(r.contact_id)!;
      if (page.nodes.length === args.first) {
        page.hasNextPage = true;
        continue;
      }
      const change = fromRow(r);
      page.nodes.push(change);
      page.cursors.push(encodeCursor([change.at.getTime(), Number(change.id)]));
    }
    return out;
  }
}
