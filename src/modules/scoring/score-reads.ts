/**
 * Score reads for the API: per-rule breakdowns of stored scores. Temperature is a stored column
 * (contacts.temperature).
 */
import { type DataSource } from 'typeorm';
import { type Contribution, type Rule, type RuleSum, breakdownOfSums, fitContributions } from './scorer';
import { type ScoringRules } from './rules.service';
import type { Contact } from '../../model';
import { dialectOf, forceIndex, inList } from '../../db/portable';

interface SumRow {
  contact_id: string | null;
  rule_id: string | null;
  rule_name: string | null;
  points: number | string;
  applications: number | string;
}

export class ScoreReads {
  /**
   * The active FIT rules and the rule set's version they were read at (or after): every rule change bumps the
   * version first, in its own transaction, so a version that still matches means these rules are current.
   */
  private fit: { version: number; rules: Rule[] } | null = null;

  constructor(
    private readonly ds: DataSource,
    private readonly rules: ScoringRules,
  ) {}

  /**
   * One statement: the rule set's version (first row, contact_id NULL), then each contact's unexpired points
   * summed per rule with the rule's name. score_applications is read by contact: without statistics SQLite
   * would walk the expiry index (`expired = 0` matches most rows) instead of the contacts' entries.
   */
  private sumsSql(count: number): string {
    const apps = forceIndex(dialectOf(this.ds), 'score_applications', 'sa', 'ix_score_apps_contact_rule');
    return (
      `SELECT NULL AS contact_id, NULL AS rule_id, NULL AS rule_name, version AS points, 0 AS applications ` +
      `FROM scoring_rule_set WHERE id = 1 UNION ALL ` +
      `SELECT sa.contact_id, sa.rule_id, r.name, SUM(sa.points), COUNT(*) FROM ${apps} ` +
      `LEFT JOIN scoring_rules r ON r.id = sa.rule_id ` +
      `WHERE sa.contact_id IN ${inList(count)} AND sa.expired = 0 ` +
      `GROUP BY sa.contact_id, sa.rule_id, r.name`
    );
  }

  /** The active FIT rules at `version`, read again only when the version moved. */
  private async fitRules(version: number | null): Promise<Rule[]> {
    if (version !== null && this.fit?.version === version) return this.fit.rules;
    // Read after the version was: these rules are at least as new as `version`, never older.
    const rules = (await this.rules.activeRules()).filter((r) => r.kind === 'FIT');
    if (version !== null) this.fit = { version, rules };
    return rules;
  }

  /**
   * Score breakdowns of many contacts: stored (unexpired) applications grouped
   * per rule in the store plus the FIT rules that hold, so each sums to the stored score.
   */
  async breakdowns(contacts: readonly Contact[]): Promise<Map<string, Contribution[]>> {
    const out = new Map<string, Contribution[]>();
    if (contacts.length === 0) return out;
    const rows: SumRow[] = await this.ds.query(
      this.sumsSql(contacts.length),
      contacts.map((c) => c.id),
    );
    const version = rows.find((r) => r.contact_id === null);
    const fit = await this.fitRules(version ? Number(version.points) : null);
    const sums = new Map<string, RuleSum[]>();
    for (const r of rows) {
      if (r.contact_id === null || r.rule_id === null) continue;
      const list = sums.get(r.contact_id) ?? [];
      list.push({
        ruleId: r.rule_id,
        ruleName: r.rule_name ?? r.rule_id,
        points: Number(r.points),
        applications: Number(r.applications),
      });
      sums.set(r.contact_id, list);
    }
    const names = new Map(fit.map((r) => [r.id, r.name]));
    for (const c of contacts) {
      const fits = fitContributions(c, fit).map((f) => ({ ...f, ruleName: names.get(f.ruleId) ?? f.ruleId }));
      out.set(c.id, breakdownOfSums(fits, sums.get(c.id) ?? []));
    }
    return out;
  }
}
