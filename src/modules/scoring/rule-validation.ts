/**
 * Validation of scoring rules (pure): a rule naming an unknown field or giving
 * a value of the wrong shape is rejected before it is stored.
 */
import type { ConditionOperator, Rule, RuleCondition, RuleKind } from './scorer';

/** What is wrong and where (input path, e.g. `conditions[1].value`). */
export interface RuleProblem {
  field: string;
  message: string;
}

/** A rule as created or updated, before it is stored (no id yet). */
export type RuleDraft = Omit<Rule, 'id'>;

/** Contact fields FIT conditions may name (plus `attributes.<key>`). */
export const FIT_FIELDS: readonly string[] = [
  'email',
  'emailDomain',
  'freeEmail',
  'firstName',
  'lastName',
  'company',
  'jobTitle',
  'industry',
  'companySize',
  'country',
  'source',
  'ownerId',
  'partnerId',
];

const KEY = /^[A-Za-z0-9_.-]{1,64}$/;
const ACTIVITY_TYPE = /^[a-z][a-z0-9_]{0,63}$/;
const ORDERED: ConditionOperator[] = ['GT', 'GTE', 'LT', 'LTE'];
const TEXT: ConditionOperator[] = ['CONTAINS', 'NOT_CONTAINS', 'STARTS_WITH', 'ENDS_WITH'];
const MAX_POINTS = 100_000;

/** A JSON number too large for a double (1e400) parses as Infinity, and would be stored as null. */
function isScalar(v: unknown): boolean {
  return typeof v === 'string' || typeof v === 'boolean' || Number.isFinite(v);
}

function conditionProblem(kind: RuleKind, c: RuleCondition, at: string): RuleProblem | null {
  const field = String(c.field ?? '');
  if (kind === 'FIT') {
    const known =
      FIT_FIELDS.includes(field) || (field.startsWith('attributes.') && KEY.test(field.slice('attributes.'.length)));
    if (!known)
      return {
        field: `${at}.field`,
        message: `unknown FIT field "${field}"; use ${FIT_FIELDS.join(', ')} or attributes.<key>`,
      };
  } else if (!(field.startsWith('properties.') && KEY.test(field.slice('properties.'.length)))) {
    return {
      field: `${at}.field`,
      message: `BEHAVIOR conditions read properties.<key> of the activity, got "${field}"`,
    };
  }
  const v = c.value;
  const op = c.operator;
  if (op === 'EXISTS' || op === 'NOT_EXISTS') {
    return v === null || v === undefined ? null : { field: `${at}.value`, message: `${op} takes no value` };
  }
  if (field === 'freeEmail') {
    return (op === 'EQ' || op === 'NEQ') && typeof v === 'boolean'
      ? null
      : { field: `${at}.value`, message: 'freeEmail is compared with EQ or NEQ to true or false' };
  }
  if (op === 'IN' || op === 'NOT_IN') {
    if (!Array.isArray(v) || v.length === 0 || !v.every(isScalar))
      return { field: `${at}.value`, message: `${op} takes a non-empty array of strings, numbers or booleans` };
    return null;
  }
  if (ORDERED.includes(op)) {
    const ok =
      Number.isFinite(v) || (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}/.test(v) && !Number.isNaN(Date.parse(v)));
    if (!ok) return { field: `${at}.value`, message: `${op} takes a number or an ISO date` };
    if (field === 'companySize' && typeof v !== 'number')
      return { field: `${at}.value`, message: 'companySize is compared with numbers' };
    return null;
  }
  if (TEXT.includes(op))
    return typeof v === 'string' && v !== ''
      ? null
      : { field: `${at}.value`, message: `${op} takes a non-empty string` };
  return isScalar(v) ? null : { field: `${at}.value`, message: `${op} takes a string, number or boolean` };
}

/** Longest window or expiry, in days (100 years): dates beyond it are out of both stores' range. */
export const MAX_DAYS = 36_500;

/** Returns the first problem of a rule, or null when it is valid. */
export function validateRule(rule: RuleDraft): RuleProblem | null {
  const name = (rule.name ?? '').trim();
  if (!name) return { field: 'name', message: 'must not be empty' };
  if (name.length > 191) return { field: 'name', message: 'must be at most 191 characters' };
  if (!Number.isInteger(rule.points) || Math.abs(rule.points) > MAX_POINTS)
    return { field: 'points', message: `must be an integer between -${MAX_POINTS} and ${MAX_POINTS}` };
  if (rule.kind === 'FIT') {
    for (const f of ['activityType', 'maxApplications', 'capWindowDays', 'expiresAfterDays'] as const) {
      if (rule[f] !== null)
        return { field: f, message: 'is for BEHAVIOR rules only; FIT rules score who the contact is' };
    }
  } else {
    if (!rule.activityType || !ACTIVITY_TYPE.test(rule.activityType))
      return { field: 'activityType', message: 'BEHAVIOR rules need an activityType matching ^[a-z][a-z0-9_]{0,63}$' };
    if (rule.maxApplications !== null && (!Number.isInteger(rule.maxApplications) || rule.maxApplications < 1))
      return { field: 'maxApplications', message: 'must be at least 1' };
    if (rule.capWindowDays !== null) {
      if (!Number.isInteger(rule.capWindowDays) || rule.capWindowDays < 1 || rule.capWindowDays > MAX_DAYS)
        return { field: 'capWindowDays', message: `must be between 1 and ${MAX_DAYS}` };
      if (rule.maxApplications === null) return { field: 'capWindowDays', message: 'needs maxApplications' };
    }
    if (
      rule.expiresAfterDays !== null &&
      (!Number.isInteger(rule.expiresAfterDays) || rule.expiresAfterDays < 1 || rule.expiresAfterDays > MAX_DAYS)
    ) {
      return { field: 'expiresAfterDays', message: `must be between 1 and ${MAX_DAYS}` };
    }
  }
  if (rule.conditions.length > 20) return { field: 'conditions', message: 'at most 20 conditions' };
  for (let i = 0; i < rule.conditions.length; i++) {
    const problem = conditionProblem(rule.kind, rule.conditions[i], `conditions[${i}]`);
    if (problem) return problem;
  }
  return null;
}
