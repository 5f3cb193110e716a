/**
 * Score reads for the API: per-rule breakdowns of stored scores. Temperature is a stored column
 * (contacts.temperature).
 */
import { type DataSource } from 'typeorm';
import { ScoringRule } from './scoring-rule.entity';
import { type Application, type Contribution, fitContributions, scoreBreakdown } from './scorer';
import { type ScoringRules, toRule } from './rules.service';
import type { Contact } from '../contacts/contact.entity';
import { dialectOf, forceIndex, parseDbDate } from '../../db/portable';

export class ScoreReads {
  constructor(
    private readonly ds: DataSource,
    private readonly rules: ScoringRules,
  ) {}

  /**
   * score_applications read by contact: without statistics SQLite would walk
   * the expiry index (`expired = 0` matches most rows) instead of the contact's entries.
   */
  private applicationsByContact(alias: string): string {
    return forceIndex(dialectOf(this.ds), 'score_applications', alias, 'ix_score_apps_contact_rule');
  }

  /**
   * Score breakdowns of many contacts: stored (unexpired) applications grouped
   * per rule plus the FIT rules that hold, so each sums to the stored score.
   */
  async breakdowns(contacts: readonly Contact[]): Promise<Map<string, Contribution[]>> {
    const out = new Map<string, Contribution[]>();
    if (contacts.length === 0) return out;
    const allRules = (await this.ds.getRepository(ScoringRule).find()).map(toRule);
    const active = (await this.rules.activeRules()).filter((r) => r.kind === 'FIT');
    const rows: { contact_id: string; activity_id: string; rule_id: string; points: number; occurred_at: unknown }[] =
      await this.ds.query(
        `SELECT contact_id, activity_id, rule_id, points, occurred_at FROM ` +
          `${this.applicationsByContact('score_applications')} WHERE contact_id IN ` +
          `(${contacts.map(() => '?').join(', ')}) AND expired = 0`,
        contacts.map((c) => c.id),
      );
    const apps = new Map<string, Application[]>();
    for (const r of rows) {
      const list = apps.get(r.contact_id) ?? [];
      list.push({
        activityId: r.activity_id,
        ruleId: r.rule_id,
        points: Number(r.points),
        occurredAt: parseDbDate(r.occurred_at).getTime(),
        expiresAt: null,
      });
      apps.set(r.contact_id, list);
    }
    for (const c of contacts)
      out.set(c.id, scoreBreakdown(fitContributions(c, active), apps.get(c.id) ?? [], allRules, 0));
    return out;
  }
}
