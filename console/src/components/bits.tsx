/** Small shared pieces: stage and temperature chips, error sentences, lazy chart, number formats. */
import { lazy, Suspense, type ComponentProps } from 'react';
import { useState } from 'react';
import type { OperationResult } from 'urql';
import { describeError, type Problem } from '../api/errors';
import type { JobState } from '../api/jobs';

export const FUNNEL_STAGES = ['PROSPECT', 'LEAD', 'MQL', 'SQL', 'OPPORTUNITY', 'CUSTOMER'] as const;
export const ALL_STAGES = [...FUNNEL_STAGES, 'NURTURE', 'DISQUALIFIED'] as const;
export type Stage = (typeof ALL_STAGES)[number];
export const TEMPERATURES = ['HOT', 'WARM', 'COLD'] as const;
export type Temperature = (typeof TEMPERATURES)[number];

export function StageChip({ stage }: { stage: string }) {
  return <span className={`chip stage-${stage.toLowerCase()}`}>{stage}</span>;
}

export function TempChip({ temperature }: { temperature: string }) {
  return <span className={`chip temp-${temperature.toLowerCase()}`}>{temperature}</span>;
}

/** A problem as a sentence, announced to screen readers; `id` lets a control point at it (aria-describedby). */
export function ErrorText({ problem, id }: { problem: Problem | null | undefined; id?: string }) {
  if (!problem) return null;
  return (
    <p id={id} role="alert" className="error">
      {problem.message}
    </p>
  );
}

const LazyChart = lazy(() => import('./Chart'));

/** The chart, with a placeholder of the same size while its chunk loads. */
export function ChartView(props: ComponentProps<typeof LazyChart>) {
  return (
    <Suspense fallback={<div className="chart" style={{ height: props.height ?? 280 }} aria-busy="true" />}>
      <LazyChart {...props} />
    </Suspense>
  );
}

/** A rate as a percentage; the no-break space keeps number and sign on one line. */
export const pct = (rate: number) => `${(rate * 100).toFixed(1)}\u00a0%`;

/** What caused a transition, in words. */
export const TRIGGER_TEXT: Record<string, string> = {
  SCORE: 'score crossed a threshold',
  MANUAL: 'moved by hand',
  QUALIFICATION: 'qualified by sales',
};
export const days = (d: number | null | undefined) => (d === null || d === undefined ? '–' : d.toFixed(1));
export const when = (iso: string) =>
  new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** Display name of a contact. */
export function contactName(c: { email: string; firstName?: string | null; lastName?: string | null }): string {
  const name = [c.firstName, c.lastName].filter(Boolean).join(' ');
  return name || c.email;
}

/** A table's header row of column names. */
export function HeadRow({ cols }: { cols: readonly string[] }) {
  return (
    <thead>
      <tr>
        {cols.map((c) => (
          <th scope="col" key={c}>
            {c}
          </th>
        ))}
      </tr>
    </thead>
  );
}

/** An action on one row of a table (revoke, deactivate): its error is shown on that row, then the table reloads. */
export function useRowAction<T extends { id: string }>(
  action: (row: T) => Promise<OperationResult | null>,
  reload: () => void,
) {
  const [problem, setProblem] = useState<{ id: string; message: string } | null>(null);
  const run = async (row: T) => {
    const r = await action(row);
    if (!r) return;
    const p = describeError(r.error);
    setProblem(p ? { id: row.id, message: p.message } : null);
    reload();
  };
  return { run, problem };
}

/** The row action's error, on its row. */
export function RowProblem({ id, problem }: { id: string; problem: { id: string; message: string } | null }) {
  return problem?.id === id ? (
    <span role="alert" className="error">
      {problem.message}
    </span>
  ) : null;
}

/** A job's progress bar and state in words. */
export function JobProgress({ id, job, done }: { id: string; job: JobState; done: string }) {
  return (
    <>
      <label htmlFor={id}>Progress</label>
      <progress
        id={id}
        max={Math.max(job.total, 1)}
        value={job.state === 'SUCCEEDED' ? Math.max(job.total, 1) : job.processed}
      />
      <p role="status" data-state={job.state}>
        {job.state === 'SUCCEEDED'
          ? done
          : job.state === 'FAILED'
            ? `Failed: ${job.error ?? 'unknown error'}.`
            : `${job.processed.toLocaleString('en')} of ${job.total.toLocaleString('en')} ` +
              `(${job.state.toLowerCase()}).`}
      </p>
    </>
  );
}
