/** Rules: list, create, edit, deactivate; the policy's thresholds; a rescore with a progress bar. */
import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { describeError } from '../api/errors';
import { ErrorText, HeadRow, RowProblem, useRowAction } from '../components/bits';
import { RuleForm, type Rule } from './RuleForm';
import { PolicyForm } from './PolicyForm';
import { RescorePanel } from './RescorePanel';

const RULE_FIELDS =
  'id name kind activityType points active maxApplications capWindowDays expiresAfterDays conditions { field ' +
  'operator value }';
const RULES = `query Rules { scoringRules(includeInactive: true) { ${RULE_FIELDS} } }`;
const DEACTIVATE = 'mutation Deactivate($id: ID!) { deleteScoringRule(id: $id) }';
const ACTIVATE = 'mutation Activate($id: ID!) { updateScoringRule(id: $id, input: { active: true }) { id active } }';

const describeRule = (r: Rule) =>
  [
    r.kind === 'BEHAVIOR' ? `each ${r.activityType}` : 'fit',
    ...r.conditions.map((c) =>
      (
        `${c.field} ${c.operator.toLowerCase().replace('_', ' ')} ` +
        `${c.value === undefined || c.value === null ? '' : JSON.stringify(c.value)}`
      ).trim(),
    ),
    r.maxApplications ? `at most ${r.maxApplications}×${r.capWindowDays ? ` per ${r.capWindowDays} d` : ''}` : '',
    r.expiresAfterDays ? `expires after ${r.expiresAfterDays} d` : '',
  ]
    .filter(Boolean)
    .join(' · ');

export function Rules() {
  const [{ data, error }, refetch] = useQuery<{ scoringRules: Rule[] }>({ query: RULES });
  const [editing, setEditing] = useState<Rule | 'new' | null>(null);
  const [, deactivate] = useMutation(DEACTIVATE);
  const [, activate] = useMutation(ACTIVATE);
  const reload = () => refetch({ requestPolicy: 'network-only' });
  const toggle = useRowAction<Rule>((r) => (r.active ? deactivate({ id: r.id }) : activate({ id: r.id })), reload);

  return (
    <section aria-labelledby="rules-title">
      <h1 id="rules-title">Scoring rules</h1>
      <ErrorText problem={describeError(error)} />
      <div className="toolbar">
        <button type="button" onClick={() => setEditing('new')}>
          New rule
        </button>
      </div>
      {editing && (
        <RuleForm
          key={editing === 'new' ? 'new' : editing.id}
          rule={editing === 'new' ? null : editing}
          rules={data?.scoringRules ?? []}
          onDone={() => {
            setEditing(null);
            reload();
          }}
          onCancel={() => setEditing(null)}
        />
      )}
      <table className="card" aria-label="Scoring rules">
        <HeadRow cols={['Rule', 'Scores', 'Points', 'State', 'Actions']} />
        <tbody>
          {data?.scoringRules.map((r) => (
            <tr key={r.id} className={r.active ? undefined : 'inactive'} data-rule={r.name}>
              <th scope="row">{r.name}</th>
              <td>{describeRule(r)}</td>
              <td className="num">{r.points}</td>
              <td>{r.active ? 'active' : 'inactive'}</td>
              <td className="row-actions">
                <button type="button" onClick={() => setEditing(r)} aria-label={`Edit ${r.name}`}>
                  Edit
                </button>
                <button
                  type="button"
                  onClick={() => toggle.run(r)}
                  aria-label={`${r.active ? 'Deactivate' : 'Activate'} ${r.name}`}
                >
                  {r.active ? 'Deactivate' : 'Activate'}
                </button>
                <RowProblem id={r.id} problem={toggle.problem} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="grid2">
        <PolicyForm />
        <RescorePanel />
      </div>
    </section>
  );
}
