/** Small shared pieces: stage and temperature chips, error sentences, lazy chart, number formats. */
import { lazy, Suspense, type ComponentProps } from 'react';
import type { Problem } from '../api/errors';

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
export const TRIGGER_TEXT: Record<string, string> = { SCORE: 'score crossed a threshold', MANUAL: 'moved by hand', QUALIFICATION: 'qualified by sales' };
export const days = (d: number | null | undefined) => (d === null || d === undefined ? '–' : d.toFixed(1));
export const when = (iso: string) => new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** Display name of a contact. */
export function contactName(c: { email: string; firstName?: string | null; lastName?: string | null }): string {
  const name = [c.firstName, c.lastName].filter(Boolean).join(' ');
  return name || c.email;
}
