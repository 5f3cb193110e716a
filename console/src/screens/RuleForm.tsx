/** Create or edit a scoring rule; the API's errors appear beside the field they name. */
import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { describeError, type Problem } from '../api/errors';
import { ErrorText } from '../components/bits';
import { Preview } from './Preview';

export interface Condition {
  field: string;
  operator: string;
  value?: unknown;
}
export interface Rule {
  id: string;
  name: string;
  kind: 'FIT' | 'BEHAVIOR';
  activityType: string | null;
  points: number;
  active: boolean;
  maxApplications: number | null;
  capWindowDays: number | null;
  expiresAfterDays: number | null;
  conditions: Condition[];
}

const OPERATORS = [
  'EQ',
  'NEQ',
  'GT',
  'GTE',
  'LT',
  'LTE',
  'IN',
  'NOT_IN',
  'CONTAINS',
  'NOT_CONTAINS',
  'STARTS_WITH',
  'ENDS_WITH',
  'EXISTS',
  'NOT_EXISTS',
];
const CREATE = 'mutation CreateRule($input: ScoringRuleInput!) { createScoringRule(input: $input) { id } }';
const UPDATE =
  'mutation UpdateRule($id: ID!, $input: ScoringRulePatch!) { updateScoringRule(id: $id, input: $input) { id } }';

/** A condition's value as typed: JSON when it parses (numbers, booleans, lists), else the text itself. */
const parseValue = (text: string): unknown => {
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};
const showValue = (v: unknown) => (v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v));
const optionalInt = (text: string) => (text.trim() === '' ? null : Number(text));

/** The problem that belongs to `field` (e.g. `input.points`), if any. */
const at = (p: Problem | null, field: string) =>
  p?.field && (p.field === field || p.field.startsWith(`${field}.`) || p.field.startsWith(`${field}[`)) ? p : null;

export function RuleForm({
  rule,
  rules,
  onDone,
  onCancel,
}: {
  rule: Rule | null;
  rules: Rule[];
  onDone: () => void;
  onCancel: () => void;
}) {
  const [name, setName] = useState(rule?.name ?? '');
  const [kind, setKind] = useState<'FIT' | 'BEHAVIOR'>(rule?.kind ?? 'BEHAVIOR');
  const [activityType, setActivityType] = useState(rule?.activityType ?? '');
  const [points, setPoints] = useState(String(rule?.points ?? 10));
  const [maxApplications, setMax] = useState(rule?.maxApplications?.toString() ?? '');
  const [capWindowDays, setCap] = useState(rule?.capWindowDays?.toString() ?? '');
  const [expiresAfterDays, setExpires] = useState(rule?.expiresAfterDays?.toString() ?? '');
  const [conditions, setConditions] = useState<EditedCondition[]>(
    rule?.conditions.map((c) => ({ ...c, text: showValue(c.value) })) ?? [],
  );
  const [problem, setProblem] = useState<Problem | null>(null);
  const [{ fetching: creating }, create] = useMutation(CREATE);
  const [{ fetching: updating }, update] = useMutation(UPDATE);

  /** The rule's fields as the form holds them; null (with the problem shown) when points is not a number. */
  const fields = () => {
    const input = {
      name,
      points: Number(points),
      activityType: kind === 'BEHAVIOR' ? activityType : null,
      maxApplications: optionalInt(maxApplications),
      capWindowDays: optionalInt(capWindowDays),
      expiresAfterDays: optionalInt(expiresAfterDays),
      conditions: conditions.map(({ field, operator, text }) => ({ field, operator, value: parseValue(text) })),
    };
    if (Number.isInteger(input.points)) return input;
    setProblem({ field: 'input.points', message: 'Points must be a whole number.' });
    return null;
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const input = fields();
    if (!input) return;
    const r = rule ? await update({ id: rule.id, input }) : await create({ input: { ...input, kind } });
    const p = describeError(r.error);
    setProblem(p);
    if (!p) onDone();
  };
  // The whole rule set as it would be: the active rules as they are, this one as edited.
  const proposal = () => {
    const input = fields();
    if (!input) return null;
    const others = rules.filter((r) => r.active && r.id !== rule?.id).map((r) => ({ id: r.id }));
    return [...others, rule ? { id: rule.id, ...input } : { kind, ...input }];
  };
  const field = (
    id: string,
    label: string,
    value: string,
    set: (v: string) => void,
    path: string,
    extra: Record<string, unknown> = {},
  ) => {
    const p = at(problem, path);
    return (
      <div className="field">
        <label htmlFor={id}>{label}</label>
        <input
          id={id}
          value={value}
          onChange={(e) => set(e.target.value)}
          aria-invalid={p ? true : undefined}
          aria-describedby={`${id}-error`}
          {...extra}
        />
        <ErrorText problem={p} id={`${id}-error`} />
      </div>
    );
  };
  const conditionProblem = at(problem, 'input.conditions');
  const otherProblem =
    problem &&
    ![
      'input.name',
      'input.points',
      'input.activityType',
      'input.maxApplications',
      'input.capWindowDays',
      'input.expiresAfterDays',
    ].some((f) => at(problem, f)) &&
    !conditionProblem
      ? problem
      : null;

  return (
    <form className="card rule-form" onSubmit={submit} aria-labelledby="rule-form-title">
      <h2 id="rule-form-title">{rule ? `Edit “${rule.name}”` : 'New rule'}</h2>
      <div className="fields">
        {field('rule-name', 'Name', name, setName, 'input.name', { required: true })}
        <div className="field">
          <label htmlFor="rule-kind">Kind</label>
          <select
            id="rule-kind"
            value={kind}
            onChange={(e) => setKind(e.target.value as 'FIT' | 'BEHAVIOR')}
            disabled={rule !== null}
          >
            <option value="BEHAVIOR">Behaviour (per activity)</option>
            <option value="FIT">Fit (who the contact is)</option>
          </select>
        </div>
        {kind === 'BEHAVIOR' &&
          field('rule-activity', 'Activity type', activityType, setActivityType, 'input.activityType', {
            placeholder: 'e.g. demo_request',
            required: true,
          })}
        {field('rule-points', 'Points (may be negative)', points, setPoints, 'input.points', {
          inputMode: 'numeric',
          required: true,
        })}
        {kind === 'BEHAVIOR' &&
          field('rule-max', 'At most (applications)', maxApplications, setMax, 'input.maxApplications', {
            inputMode: 'numeric',
          })}
        {kind === 'BEHAVIOR' &&
          field('rule-cap', 'Per window (days)', capWindowDays, setCap, 'input.capWindowDays', {
            inputMode: 'numeric',
          })}
        {kind === 'BEHAVIOR' &&
          field('rule-expires', 'Points expire after (days)', expiresAfterDays, setExpires, 'input.expiresAfterDays', {
            inputMode: 'numeric',
          })}
      </div>
      <ConditionsEditor kind={kind} conditions={conditions} onChange={setConditions} problem={conditionProblem} />
      <ErrorText problem={otherProblem} />
      <div className="actions">
        <button type="submit" disabled={creating || updating}>
          {rule ? 'Save' : 'Create'}
        </button>
        <button type="button" className="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
      <Preview rules={proposal} />
    </form>
  );
}

/** A condition as edited: its value as typed (parsed on save). */
type EditedCondition = Condition & { text: string };

function ConditionsEditor({
  kind,
  conditions,
  onChange,
  problem,
}: {
  kind: string;
  conditions: EditedCondition[];
  onChange: (c: EditedCondition[]) => void;
  problem: Problem | null;
}) {
  return (
    <fieldset>
      <legend>Conditions (all must hold)</legend>
      {conditions.map((c, i) => (
        <div className="condition" key={i}>
          <label>
            Field
            <input
              value={c.field}
              onChange={(e) => onChange(conditions.map((x, j) => (j === i ? { ...x, field: e.target.value } : x)))}
              placeholder={kind === 'FIT' ? 'e.g. jobTitle' : 'e.g. properties.url'}
            />
          </label>
          <label>
            Operator
            <select
              value={c.operator}
              onChange={(e) => onChange(conditions.map((x, j) => (j === i ? { ...x, operator: e.target.value } : x)))}
            >
              {OPERATORS.map((o) => (
                <option key={o}>{o}</option>
              ))}
            </select>
          </label>
          <label>
            Value
            <input
              value={c.text}
              onChange={(e) => onChange(conditions.map((x, j) => (j === i ? { ...x, text: e.target.value } : x)))}
              placeholder='text, 42, true or ["a","b"]'
            />
          </label>
          <button
            type="button"
            onClick={() => onChange(conditions.filter((_, j) => j !== i))}
            aria-label={`Remove condition ${i + 1}`}
          >
            Remove
          </button>
        </div>
      ))}
      <button type="button" onClick={() => onChange([...conditions, { field: '', operator: 'EQ', text: '' }])}>
        Add condition
      </button>
      <ErrorText problem={problem} />
    </fieldset>
  );
}
