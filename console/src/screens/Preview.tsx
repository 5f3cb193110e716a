/**
 * "Preview this change": simulateScoring replays the last 90 days under the
 * proposed rule set (writing nothing) and compares it with what happened.
 */
import { useMutation } from 'urql';
import { describeError } from '../api/errors';
import { useJob, type JobState } from '../api/jobs';
import { ErrorText, HeadRow, JobProgress, pct } from '../components/bits';

const JOB = `id state processed total error result {
  changedContactCount
  stages { stage actual simulated }
  current { mqls reachedSql precision } simulated { mqls reachedSql precision }
}`;
const START = `mutation Simulate($input: SimulateScoringInput!) { simulateScoring(input: $input) { ${JOB} } }`;
const POLL = `query Simulation($id: ID!) { simulationJob(id: $id) { ${JOB} } }`;
const DAYS = 90;

interface Quality {
  mqls: number;
  reachedSql: number;
  precision: number | null;
}
interface Simulation extends JobState {
  result: {
    changedContactCount: number;
    stages: { stage: string; actual: number; simulated: number }[];
    current: Quality;
    simulated: Quality;
  } | null;
}

/** The button and, once run, the comparison; `rules` is the whole proposed rule set (ProposedRuleInput[]). */
export function Preview({ rules }: { rules: () => Record<string, unknown>[] | null }) {
  const { job, setJob, running, problem, setProblem } = useJob<Simulation>(POLL, 'simulationJob');
  const [, start] = useMutation(START);
  const go = async () => {
    const proposed = rules();
    if (!proposed) return;
    const to = new Date();
    const r = await start({
      input: { rules: proposed, from: new Date(to.getTime() - DAYS * 86_400_000).toISOString(), to: to.toISOString() },
    });
    setProblem(describeError(r.error));
    setJob(r.data?.simulateScoring ?? null);
  };
  const result = job?.result;
  return (
    <div className="preview">
      <button type="button" className="secondary" onClick={go} disabled={running}>
        {running ? 'Simulating…' : `Preview this change (last ${DAYS} days)`}
      </button>
      <ErrorText problem={problem} />
      {job && <JobProgress id="preview-progress" job={job} done="Simulated: nothing was changed." />}
      {result && (
        <table aria-label="Preview of the change" className="preview-table">
          <caption>
            {result.changedContactCount.toLocaleString('en')} contacts would change MQL status. MQLs{' '}
            {result.current.mqls} → {result.simulated.mqls}; reached SQL {result.current.reachedSql} →{' '}
            {result.simulated.reachedSql}; precision{' '}
            {result.current.precision === null ? '–' : pct(result.current.precision)} →{' '}
            {result.simulated.precision === null ? '–' : pct(result.simulated.precision)}.
          </caption>
          <HeadRow cols={['Stage', 'Reached (now)', 'Would reach']} />
          <tbody>
            {result.stages.map((s) => (
              <tr key={s.stage} data-stage={s.stage}>
                <th scope="row">{s.stage}</th>
                <td className="num">{s.actual}</td>
                <td className="num">{s.simulated}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
