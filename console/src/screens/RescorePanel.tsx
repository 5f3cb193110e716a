/** Starts a rescore and follows its job to the end with a progress bar. */
import { useEffect, useState } from 'react';
import { useClient, useMutation } from 'urql';
import { describeError, type Problem } from '../api/errors';
import { ErrorText } from '../components/bits';

const JOB = 'id state processed total error';
const START = `mutation Rescore { rescoreContacts { ${JOB} } }`;
const POLL = `query Job($id: ID!) { rescoreJob(id: $id) { ${JOB} } }`;
interface Job { id: string; state: 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED'; processed: number; total: number; error: string | null }

export function RescorePanel() {
  const client = useClient();
  const [job, setJob] = useState<Job | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [, start] = useMutation(START);
  const running = job !== null && (job.state === 'QUEUED' || job.state === 'RUNNING');
  useEffect(() => {
    if (!running) return;
    const t = setTimeout(async () => {
      const r = await client.query(POLL, { id: job.id }).toPromise();
      setProblem(describeError(r.error));
      if (r.data?.rescoreJob) setJob(r.data.rescoreJob);
    }, 500);
    return () => clearTimeout(t);
  }, [client, job, running]);
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
        <>
          <label htmlFor="rescore-progress">Progress</label>
          <progress id="rescore-progress" max={Math.max(job.total, 1)} value={job.state === 'SUCCEEDED' ? Math.max(job.total, 1) : job.processed} />
          <p role="status" data-state={job.state}>
            {job.state === 'SUCCEEDED' ? `Done: ${job.processed.toLocaleString('en')} contacts rescored.` : job.state === 'FAILED' ? `Failed: ${job.error ?? 'unknown error'}.` : `${job.processed.toLocaleString('en')} of ${job.total.toLocaleString('en')} contacts (${job.state.toLowerCase()}).`}
          </p>
        </>
      )}
      <ErrorText problem={problem} />
    </div>
  );
}
