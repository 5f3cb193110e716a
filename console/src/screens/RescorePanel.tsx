/** Starts a rescore and follows its job to the end with a progress bar. */
import { useMutation } from 'urql';
import { describeError } from '../api/errors';
import { useJob, type JobState } from '../api/jobs';
import { ErrorText, JobProgress } from '../components/bits';

const JOB = 'id state processed total error';
const START = `mutation Rescore { rescoreContacts { ${JOB} } }`;
const POLL = `query Job($id: ID!) { rescoreJob(id: $id) { ${JOB} } }`;

export function RescorePanel() {
  const { job, setJob, running, problem, setProblem } = useJob<JobState>(POLL, 'rescoreJob');
  const [, start] = useMutation(START);
  const go = async () => {
    const r = await start({});
    setProblem(describeError(r.error));
    if (r.data) setJob(r.data.rescoreContacts);
  };
  return (
    <div className="card" aria-labelledby="rescore-title">
      <h2 id="rescore-title">Rescore</h2>
      <p className="muted">Recomputes every contact's score from its activities and the active rules.</p>
      <button type="button" onClick={go} disabled={running}>
        {running ? 'Rescoring…' : 'Rescore all contacts'}
      </button>
      {job && (
        <JobProgress
          id="rescore-progress"
          job={job}
          done={`Done: ${job.processed.toLocaleString('en')} contacts rescored.`}
        />
      )}
      <ErrorText problem={problem} />
    </div>
  );
}
