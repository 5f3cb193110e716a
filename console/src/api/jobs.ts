/** Background jobs (rescore, simulation): started by a mutation, then polled until they finish. */
import { useEffect, useState } from 'react';
import { useClient } from 'urql';
import { describeError, type Problem } from './errors';

/** What every job reports. */
export interface JobState {
  id: string;
  state: 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  processed: number;
  total: number;
  error: string | null;
}

/** Holds a job and polls `query` (with `$id`, answering `field`) every 500 ms while it runs. */
export function useJob<J extends JobState>(query: string, field: string) {
  const client = useClient();
  const [job, setJob] = useState<J | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const running = job !== null && (job.state === 'QUEUED' || job.state === 'RUNNING');
  useEffect(() => {
    if (!running) return;
    const t = setTimeout(async () => {
      const r = await client.query(query, { id: job.id }).toPromise();
      setProblem(describeError(r.error));
      if (r.data?.[field]) setJob(r.data[field]);
    }, 500);
    return () => clearTimeout(t);
  }, [client, job, running, query, field]);
  return { job, setJob, running, problem, setProblem };
}
