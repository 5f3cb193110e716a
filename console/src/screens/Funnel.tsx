/** Funnel: stages entered and current, conversion rates and median days for a period, grouped, as charts and tables. */
import { useMemo, useState } from 'react';
import { useQuery } from 'urql';
import { describeError } from '../api/errors';
import { can, type Role } from '../api/roles';
import { ChartView, ErrorText, days, pct, HeadRow } from '../components/bits';

const QUERY = `query Funnel($from: DateTime!, $to: DateTime!, $groupBy: MetricsGroupBy) {
  conversionMetrics(from: $from, to: $to, groupBy: $groupBy) {
    from to
    stages { stage entered current medianDaysInStage }
    conversions { fromStage toStage entered converted rate medianDaysToConvert }
    groups { key stages { stage entered current } conversions { fromStage toStage entered converted rate } }
  }
}`;

interface StageMetric {
  stage: string;
  entered: number;
  current: number;
  medianDaysInStage?: number | null;
}
interface Conversion {
  fromStage: string;
  toStage: string;
  entered: number;
  converted: number;
  rate: number;
  medianDaysToConvert?: number | null;
}
interface Metrics {
  stages: StageMetric[];
  conversions: Conversion[];
  groups: { key: string | null; stages: StageMetric[]; conversions: Conversion[] }[];
}

const GROUPS = [
  ['NONE', 'Nothing'],
  ['SOURCE', 'Source'],
  ['OWNER', 'Owner'],
  ['PARTNER', 'Partner'],
  ['MONTH', 'Month'],
  ['WEEK', 'Week'],
] as const;

/** The metrics with partner ids shown as names where known. */
function withNames(m: Metrics, names: Map<string, string>): Metrics {
  return names.size === 0
    ? m
    : { ...m, groups: m.groups.map((g) => ({ ...g, key: g.key === null ? null : (names.get(g.key) ?? g.key) })) };
}

const isoDay = (d: Date) => d.toISOString().slice(0, 10);
const DAY = 86_400_000;

export function Funnel({ role }: { role: Role }) {
  const [from, setFrom] = useState(() => isoDay(new Date(Date.now() - 90 * DAY)));
  const [to, setTo] = useState(() => isoDay(new Date()));
  const [groupBy, setGroupBy] = useState<string>('SOURCE');
  // The period is whole UTC days: from the start of `from` to the end of `to`.
  const variables = useMemo(
    () => ({
      from: `${from}T00:00:00.000Z`,
      to: new Date(Date.parse(`${to}T00:00:00.000Z`) + DAY).toISOString(),
      groupBy,
    }),
    [from, to, groupBy],
  );
  const periodProblem =
    from && to && from > to ? { message: 'The period must start on or before its last day.' } : null;
  const [{ data, error, fetching }] = useQuery<{ conversionMetrics: Metrics }>({
    query: QUERY,
    variables,
    pause: !from || !to || !!periodProblem,
  });
  // Partner groups are keyed by id; an ADMIN key may read the partners' names (other roles see the ids).
  const [{ data: partners }] = useQuery<{ partners: { id: string; name: string }[] }>({
    query: 'query Partners { partners { id name } }',
    pause: groupBy !== 'PARTNER' || !can(role, 'admin'),
  });
  const names = useMemo(() => new Map(partners?.partners.map((p) => [p.id, p.name])), [partners]);
  const m = useMemo(() => data && withNames(data.conversionMetrics, names), [data, names]);
  const problem = periodProblem ?? describeError(error);

  return (
    <section aria-labelledby="funnel-title">
      <h1 id="funnel-title">Funnel</h1>
      <form className="toolbar" onSubmit={(e) => e.preventDefault()}>
        <label>
          From
          <input
            type="date"
            value={from}
            onChange={(e) => setFrom(e.target.value)}
            aria-describedby="funnel-error"
            required
          />
        </label>
        <label>
          To (inclusive)
          <input
            type="date"
            value={to}
            onChange={(e) => setTo(e.target.value)}
            aria-describedby="funnel-error"
            required
          />
        </label>
        <label>
          Group by
          <select value={groupBy} onChange={(e) => setGroupBy(e.target.value)}>
            {GROUPS.map(([v, l]) => (
              <option key={v} value={v}>
                {l}
              </option>
            ))}
          </select>
        </label>
        <span aria-live="polite" className="muted">
          {fetching ? 'Loading…' : ''}
        </span>
      </form>
      <ErrorText problem={problem} id="funnel-error" />
      {m && <FunnelBody m={m} groupBy={groupBy} />}
    </section>
  );
}

function FunnelBody({ m, groupBy }: { m: Metrics; groupBy: string }) {
  const stageOption = useMemo(
    () => ({
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 50, right: 16, top: 36, bottom: 30 },
      xAxis: { type: 'category', data: m.stages.map((s) => s.stage), axisLabel: { interval: 0, fontSize: 11 } },
      yAxis: { type: 'value' },
      series: [
        { name: 'Entered in period', type: 'bar', data: m.stages.map((s) => s.entered) },
        { name: 'In stage now', type: 'bar', data: m.stages.map((s) => s.current) },
      ],
    }),
    [m],
  );
  const rateOption = useMemo(() => {
    const labels = m.conversions.map((c) => `${c.fromStage}→${c.toStage}`);
    const series =
      m.groups.length > 0
        ? m.groups.slice(0, 8).map((g) => ({
            name: g.key ?? '(none)',
            type: 'bar',
            data: g.conversions.map((c) => +(c.rate * 100).toFixed(1)),
          }))
        : [{ name: 'All contacts', type: 'bar', data: m.conversions.map((c) => +(c.rate * 100).toFixed(1)) }];
    return {
      tooltip: { trigger: 'axis', valueFormatter: (v: number) => `${v} %` },
      legend: { top: 0, type: 'scroll' },
      grid: { left: 50, right: 16, top: 36, bottom: 30 },
      xAxis: { type: 'category', data: labels, axisLabel: { interval: 0, fontSize: 10 } },
      yAxis: { type: 'value', axisLabel: { formatter: '{value} %' } },
      series,
    };
  }, [m]);

  return (
    <>
      <div className="grid2">
        <figure className="card">
          <figcaption>Contacts per stage</figcaption>
          <ChartView
            option={stageOption}
            label={
              'Bar chart of contacts that entered each stage in the period and contacts in each stage now; ' +
              'the same numbers are in the table below.'
            }
          />
        </figure>
        <figure className="card">
          <figcaption>Conversion rate{m.groups.length > 0 ? ' by group' : ''}</figcaption>
          <ChartView
            option={rateOption}
            label="Bar chart of conversion rates between stages; the same numbers are in the table below."
          />
        </figure>
      </div>
      <div className="grid2">
        <StagesTable stages={m.stages} />
        <ConversionsTable conversions={m.conversions} />
      </div>
      {m.groups.length > 0 && <GroupTable m={m} groupBy={groupBy} />}
    </>
  );
}

function StagesTable({ stages }: { stages: StageMetric[] }) {
  return (
    <table className="card" aria-label="Stages">
      <caption>Stages</caption>
      <HeadRow cols={['Stage', 'Entered', 'Now', 'Median days in stage']} />
      <tbody>
        {stages.map((s) => (
          <tr key={s.stage} data-stage={s.stage}>
            <th scope="row">{s.stage}</th>
            <td data-field="entered">{s.entered}</td>
            <td data-field="current">{s.current}</td>
            <td>{days(s.medianDaysInStage)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function ConversionsTable({ conversions }: { conversions: Conversion[] }) {
  return (
    <table className="card" aria-label="Conversions">
      <caption>Conversions</caption>
      <HeadRow cols={['From → to', 'Entered', 'Converted', 'Rate', 'Median days']} />
      <tbody>
        {conversions.map((c) => (
          <tr key={c.fromStage} data-conversion={`${c.fromStage}-${c.toStage}`}>
            <th scope="row">
              {c.fromStage} → {c.toStage}
            </th>
            <td data-field="entered">{c.entered}</td>
            <td data-field="converted">{c.converted}</td>
            <td data-field="rate">{pct(c.rate)}</td>
            <td>{days(c.medianDaysToConvert)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function GroupTable({ m, groupBy }: { m: Metrics; groupBy: string }) {
  return (
    <div className="card scroll-x">
      <table aria-label={`By ${groupBy.toLowerCase()}`}>
        <caption>By {groupBy.toLowerCase()}: entered per stage and conversion rates</caption>
        <thead>
          <tr>
            <th scope="col">{groupBy.charAt(0) + groupBy.slice(1).toLowerCase()}</th>
            {m.stages.map((s) => (
              <th scope="col" key={s.stage}>
                {s.stage}
              </th>
            ))}
            {m.conversions.map((c) => (
              <th scope="col" key={c.fromStage}>
                {c.fromStage}→{c.toStage}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {m.groups.map((g) => (
            <tr key={g.key ?? '(none)'} data-group={g.key ?? ''}>
              <th scope="row">{g.key ?? '(none)'}</th>
              {g.stages.map((s) => (
                <td key={s.stage} data-stage={s.stage}>
                  {s.entered}
                </td>
              ))}
              {g.conversions.map((c) => (
                <td key={c.fromStage} data-conversion={`${c.fromStage}-${c.toStage}`}>
                  {pct(c.rate)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
