/** The qualification policy's thresholds. */
import { useEffect, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { describeError, type Problem } from '../api/errors';
import { ErrorText } from '../components/bits';

const FIELDS = [
  ['leadThreshold', 'LEAD at engagement'],
  ['mqlThreshold', 'MQL at score'],
  ['sqlThreshold', 'SQL at score (empty: sales decides)'],
  ['warmThreshold', 'WARM at recent points'],
  ['hotThreshold', 'HOT at recent points'],
  ['temperatureWindowDays', 'Temperature window (days)'],
  ['requiredBantCriteria', 'BANT criteria for SQL'],
] as const;
type Key = (typeof FIELDS)[number][0];
const QUERY = `query Policy { qualificationPolicy { ${FIELDS.map(([k]) => k).join(' ')} } }`;
const UPDATE =
  `mutation UpdatePolicy($input: QualificationPolicyInput!) { updateQualificationPolicy(input: $input) { ` +
  `${FIELDS.map(([k]) => k).join(' ')} } }`;

export function PolicyForm() {
  const [{ data, error }] = useQuery<{ qualificationPolicy: Record<Key, number | null> }>({ query: QUERY });
  const [values, setValues] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<Problem | null>(null);
  const [saved, setSaved] = useState(false);
  const [{ fetching }, update] = useMutation(UPDATE);
  useEffect(() => {
    if (data) setValues(Object.fromEntries(FIELDS.map(([k]) => [k, data.qualificationPolicy[k]?.toString() ?? ''])));
  }, [data]);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const input = Object.fromEntries(
      FIELDS.map(([k]) => [k, values[k]?.trim() === '' ? null : Number(values[k])]).filter(
        ([k, v]) => v !== null || k === 'sqlThreshold',
      ),
    );
    const r = await update({ input });
    setProblem(describeError(r.error));
    setSaved(!r.error);
  };
  return (
    <form className="card" onSubmit={submit} aria-labelledby="policy-title">
      <h2 id="policy-title">Qualification policy</h2>
      <ErrorText problem={describeError(error)} />
      <div className="fields">
        {FIELDS.map(([k, label]) => {
          const p = problem?.field === `input.${k}` ? problem : null;
          return (
            <div className="field" key={k}>
              <label htmlFor={`policy-${k}`}>{label}</label>
              <input
                id={`policy-${k}`}
                inputMode="numeric"
                value={values[k] ?? ''}
                onChange={(e) => (setSaved(false), setValues({ ...values, [k]: e.target.value }))}
                aria-invalid={p ? true : undefined}
                aria-describedby={`policy-${k}-error`}
              />
              <ErrorText problem={p} id={`policy-${k}-error`} />
            </div>
          );
        })}
      </div>
      {problem && !problem.field?.startsWith('input.') && <ErrorText problem={problem} />}
      {saved && <p role="status">Saved. A rescore applies the new thresholds to every contact.</p>}
      <button type="submit" disabled={fetching}>
        Save policy
      </button>
    </form>
  );
}
