/**
 * Contact: score breakdown, score over time (scoreHistory), activities, transitions, BANT qualification and manual
 * moves.
 */
import { useMemo, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { describeError, type Problem } from '../api/errors';
import { can, type Role } from '../api/roles';
import {
  ALL_STAGES,
  ChartView,
  ErrorText,
  StageChip,
  TRIGGER_TEXT,
  TempChip,
  contactName,
  when,
  HeadRow,
} from '../components/bits';

const QUERY = `query Contact($id: ID!) {
  contact(id: $id) {
    id email firstName lastName company jobTitle industry companySize country source ownerId partnerId owner { name }
    stage stageChangedAt temperature score fitScore engagementScore createdAt
    scoreBreakdown { ruleId ruleName kind points applications }
    activities(first: 200) { totalCount edges { node { id type occurredAt points } } }
    scoreHistory(first: 500) { edges { node { id at score cause } } }
    transitions { id fromStage toStage occurredAt score trigger reason actor }
    qualification { budget authority need timeline notes qualifiedAt qualifiedBy }
  }
}`;
const POLICY = 'query Policy { qualificationPolicy { requiredBantCriteria } }';
const QUALIFY =
  `mutation Qualify($id: ID!, $input: QualificationInput!) { qualifyContact(id: $id, input: $input) { id stage ` +
  `} }`;
const MOVE =
  `mutation Move($id: ID!, $toStage: LifecycleStage!, $reason: String!) { transitionContact(id: $id, toStage: ` +
  `$toStage, reason: $reason) { id stage } }`;

interface Activity {
  id: string;
  type: string;
  occurredAt: string;
  points: number;
}
interface ScoreChange {
  id: string;
  at: string;
  score: number;
  cause: string;
}
interface Transition {
  id: string;
  fromStage: string | null;
  toStage: string;
  occurredAt: string;
  score: number;
  trigger: string;
  reason: string | null;
  actor: string | null;
}
interface ContactDetail {
  id: string;
  email: string;
  firstName: string | null;
  lastName: string | null;
  company: string | null;
  jobTitle: string | null;
  source: string | null;
  ownerId: string | null;
  owner: { name: string } | null;
  partnerId: string | null;
  stage: string;
  stageChangedAt: string;
  temperature: string;
  score: number;
  fitScore: number;
  engagementScore: number;
  createdAt: string;
  scoreBreakdown: { ruleId: string; ruleName: string; kind: string; points: number; applications: number }[];
  activities: { totalCount: number; edges: { node: Activity }[] };
  scoreHistory: { edges: { node: ScoreChange }[] };
  transitions: Transition[];
  qualification: {
    budget: boolean;
    authority: boolean;
    need: boolean;
    timeline: boolean;
    notes: string | null;
    qualifiedAt: string;
    qualifiedBy: string | null;
  } | null;
}

export function ContactScreen({ id, role }: { id: string; role: Role }) {
  const [{ data, error, fetching }, refetch] = useQuery<{ contact: ContactDetail | null }>({
    query: QUERY,
    variables: { id },
  });
  // Kept here: the form that caused it goes away when the contact leaves MQL.
  const [notice, setNotice] = useState<string | null>(null);
  const problem = describeError(error);
  const c = data?.contact;
  if (problem) return <ErrorText problem={problem} />;
  if (!c)
    return <p aria-busy={fetching}>{fetching ? 'Loading…' : 'No contact has this id, or your key may not see it.'}</p>;
  const done = (message: string) => {
    setNotice(message);
    refetch({ requestPolicy: 'network-only' });
  };
  return (
    <section aria-labelledby="contact-title">
      <h1 id="contact-title">{contactName(c)}</h1>
      <p className="facts">
        <StageChip stage={c.stage} /> <TempChip temperature={c.temperature} />{' '}
        <span data-testid="contact-stage">{c.stage}</span> since {when(c.stageChangedAt)} · {c.email}
        {c.company ? ` · ${c.company}` : ''}
        {c.jobTitle ? ` · ${c.jobTitle}` : ''} · owner {c.owner?.name ?? c.ownerId ?? '–'} · source {c.source ?? '–'}
      </p>
      <div className="grid2">
        <Breakdown c={c} />
        <ScoreChart history={c.scoreHistory.edges.map((e) => e.node)} />
      </div>
      {notice && (
        <p role="status" className="notice">
          {notice}
        </p>
      )}
      {can(role, 'qualify') && (
        <div className="grid2">
          {c.stage === 'MQL' ? (
            <QualifyForm id={c.id} onDone={done} />
          ) : (
            <p className="card muted">Qualification (BANT) applies to MQLs; this contact is {c.stage}.</p>
          )}
          <MoveForm id={c.id} stage={c.stage} onDone={done} />
        </div>
      )}
      <div className="grid2">
        <Transitions list={c.transitions} />
        <Activities list={c.activities.edges.map((e) => e.node)} total={c.activities.totalCount} />
      </div>
    </section>
  );
}

function Breakdown({ c }: { c: ContactDetail }) {
  return (
    <table className="card" aria-label="Score breakdown">
      <caption>
        Score {c.score} = fit {c.fitScore} + engagement {c.engagementScore}
      </caption>
      <HeadRow cols={['Rule', 'Kind', 'Times', 'Points']} />
      <tbody>
        {c.scoreBreakdown.length === 0 && (
          <tr>
            <td colSpan={4}>No rule gives this contact points now.</td>
          </tr>
        )}
        {c.scoreBreakdown.map((b) => (
          <tr key={b.ruleId}>
            <th scope="row">{b.ruleName}</th>
            <td>{b.kind}</td>
            <td className="num">{b.applications}</td>
            <td className="num">{b.points}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The score over time: each stored change (scoreHistory, oldest first), so rises, expiries and rescores all show. */
function ScoreChart({ history }: { history: ScoreChange[] }) {
  const option = useMemo(
    () => ({
      tooltip: { trigger: 'axis' },
      grid: { left: 50, right: 16, top: 20, bottom: 30 },
      xAxis: { type: 'time' },
      yAxis: { type: 'value' },
      series: [
        { name: 'Score', type: 'line', step: 'end', data: history.map((h) => [h.at, h.score]), showSymbol: true },
      ],
    }),
    [history],
  );
  return (
    <figure className="card">
      <figcaption>Score over time (every change: activities scored, points expired, rescores, fit changes)</figcaption>
      <ChartView
        option={option}
        height={240}
        label={
          `Line chart of the score over time from ${history.length} changes; the activities and transitions ` +
          `tables list what caused them.`
        }
      />
    </figure>
  );
}

const BANT = [
  ['budget', 'Budget'],
  ['authority', 'Authority'],
  ['need', 'Need'],
  ['timeline', 'Timeline'],
] as const;

function QualifyForm({ id, onDone }: { id: string; onDone: (message: string) => void }) {
  const [{ data: policy }] = useQuery<{ qualificationPolicy: { requiredBantCriteria: number } }>({ query: POLICY });
  const [bant, setBant] = useState({ budget: false, authority: false, need: false, timeline: false });
  const [notes, setNotes] = useState('');
  const [{ fetching }, qualify] = useMutation(QUALIFY);
  const [problem, setProblem] = useState<Problem | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const r = await qualify({ id, input: { ...bant, notes: notes.trim() || null } });
    setProblem(describeError(r.error));
    if (r.data) onDone(`Qualified: the contact is now ${r.data.qualifyContact.stage}.`);
  };
  return (
    <form className="card" onSubmit={submit} aria-labelledby="bant-title">
      <h2 id="bant-title">Qualify (BANT)</h2>
      <p className="muted">
        {policy
          ? `${policy.qualificationPolicy.requiredBantCriteria} of 4 criteria make it SQL; fewer send it to NURTURE.`
          : ''}
      </p>
      <fieldset>
        <legend>Criteria met</legend>
        {BANT.map(([k, label]) => (
          <label key={k} className="check">
            <input type="checkbox" checked={bant[k]} onChange={(e) => setBant({ ...bant, [k]: e.target.checked })} />
            {label}
          </label>
        ))}
      </fieldset>
      <label htmlFor="bant-notes">Notes</label>
      <textarea id="bant-notes" value={notes} onChange={(e) => setNotes(e.target.value)} rows={2} />
      <ErrorText problem={problem} />
      <button type="submit" disabled={fetching}>
        Qualify
      </button>
    </form>
  );
}

function MoveForm({ id, stage, onDone }: { id: string; stage: string; onDone: (message: string) => void }) {
  const [toStage, setToStage] = useState('');
  const [reason, setReason] = useState('');
  const [{ fetching }, move] = useMutation(MOVE);
  const [problem, setProblem] = useState<Problem | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const r = await move({ id, toStage, reason });
    setProblem(describeError(r.error));
    if (r.data) {
      setReason('');
      onDone(`Moved: the contact is now ${r.data.transitionContact.stage}.`);
    }
  };
  const reasonProblem = problem?.field === 'reason' ? problem : null;
  return (
    <form className="card" onSubmit={submit} aria-labelledby="move-title">
      <h2 id="move-title">Move by hand</h2>
      <label htmlFor="move-stage">To stage</label>
      <select id="move-stage" value={toStage} onChange={(e) => setToStage(e.target.value)} required>
        <option value="">Choose a stage</option>
        {ALL_STAGES.filter((s) => s !== stage).map((s) => (
          <option key={s} value={s}>
            {s}
          </option>
        ))}
      </select>
      <label htmlFor="move-reason">Reason</label>
      <input
        id="move-reason"
        value={reason}
        onChange={(e) => setReason(e.target.value)}
        required
        aria-invalid={reasonProblem ? true : undefined}
        aria-describedby="move-error"
      />
      <ErrorText problem={problem} id="move-error" />
      <button type="submit" disabled={fetching || !toStage}>
        Move
      </button>
    </form>
  );
}

function Transitions({ list }: { list: Transition[] }) {
  return (
    <table className="card" aria-label="Transitions">
      <caption>Transitions (oldest first)</caption>
      <HeadRow cols={['When', 'Move', 'Score', 'Why']} />
      <tbody>
        {list.map((t) => (
          <tr key={t.id}>
            <td>{when(t.occurredAt)}</td>
            <td>
              {t.fromStage ?? '–'} → {t.toStage}
            </td>
            <td className="num">{t.score}</td>
            <td>
              {TRIGGER_TEXT[t.trigger] ?? t.trigger}
              {t.actor ? ` by ${t.actor}` : ''}
              {t.reason ? `: ${t.reason}` : ''}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Activities({ list, total }: { list: Activity[]; total: number }) {
  return (
    <div className="card scroll-y" role="region" aria-label="Activities, scrollable" tabIndex={0}>
      <table aria-label="Activities">
        <caption>Activities (newest first{total > list.length ? `, ${list.length} of ${total}` : ''})</caption>
        <HeadRow cols={['When', 'Type', 'Points']} />
        <tbody>
          {list.map((a) => (
            <tr key={a.id}>
              <td>{when(a.occurredAt)}</td>
              <td>{a.type}</td>
              <td className="num">{a.points}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
