import {
  CONVERSIONS,
  type CurrentRow,
  FUNNEL_STAGES,
  type StageRow,
  assembleMetrics,
  conversionRate,
  msToDays,
  rangeProblem,
} from '../../src/modules/metrics/metrics.definitions';

const d = (iso: string) => new Date(iso);

describe('rangeProblem', () => {
  it('needs from before to', () => {
    expect(rangeProblem(d('2026-01-02T00:00:00Z'), d('2026-01-02T00:00:00Z'))).toEqual({
      field: 'to',
      message: 'must be after from',
    });
    expect(rangeProblem(d('2026-01-02T00:00:00Z'), d('2026-01-01T00:00:00Z'))?.field).toBe('to');
    expect(rangeProblem(d('2026-01-01T00:00:00Z'), d('2026-01-01T00:00:00.001Z'))).toBeNull();
  });

  it('allows at most 3 calendar years', () => {
    expect(rangeProblem(d('2023-03-15T10:00:00Z'), d('2026-03-15T10:00:00Z'))).toBeNull();
    expect(rangeProblem(d('2023-03-15T10:00:00Z'), d('2026-03-15T10:00:00.001Z'))).toEqual({
      field: 'to',
      message: 'must be at most 3 years after from',
    });
    // A leap day plus 3 years rolls over to March 1st.
    expect(rangeProblem(d('2024-02-29T00:00:00Z'), d('2027-03-01T00:00:00Z'))).toBeNull();
    expect(rangeProblem(d('2024-02-29T00:00:00Z'), d('2027-03-01T00:00:00.001Z'))).not.toBeNull();
  });
});

describe('funnel definitions', () => {
  it('lists the funnel and its adjacent conversions in order', () => {
    expect(FUNNEL_STAGES).toEqual(['PROSPECT', 'LEAD', 'MQL', 'SQL', 'OPPORTUNITY', 'CUSTOMER']);
    expect(CONVERSIONS.map((c) => `${c.fromStage}->${c.toStage}`)).toEqual([
      'LEAD->MQL',
      'MQL->SQL',
      'SQL->OPPORTUNITY',
      'OPPORTUNITY->CUSTOMER',
    ]);
    for (const c of CONVERSIONS) expect(FUNNEL_STAGES.indexOf(c.toStage)).toBe(FUNNEL_STAGES.indexOf(c.fromStage) + 1);
  });

  it('rates conversions, 0 when nobody entered', () => {
    expect(conversionRate(0, 0)).toBe(0);
    expect(conversionRate(2, 3)).toBe(2 / 3);
    expect(conversionRate(4, 4)).toBe(1);
  });

  it('turns milliseconds into fractional days', () => {
    expect(msToDays(null)).toBeNull();
    expect(msToDays(0)).toBe(0);
    expect(msToDays(129_600_000)).toBe(1.5);
  });
});

describe('assembleMetrics', () => {
  const from = d('2026-01-01T00:00:00Z');
  const to = d('2026-04-01T00:00:00Z');
  const row = (
    key: string | null,
    isTotal: boolean,
    stage: StageRow['stage'],
    entered: number,
    converted = 0,
    stayMedianMs: number | null = null,
    convertMedianMs: number | null = null,
  ): StageRow => ({
    key,
    isTotal,
    stage,
    entered,
    converted,
    stayMedianMs,
    convertMedianMs,
  });
  const current = (key: string | null, isTotal: boolean, stage: CurrentRow['stage'], n: number): CurrentRow => ({
    key,
    isTotal,
    stage,
    current: n,
  });

  it('fills every funnel stage and conversion, zeros and nulls included', () => {
    const m = assembleMetrics(
      from,
      to,
      [row(null, true, 'LEAD', 4, 3, 86_400_000, 43_200_000)],
      [current(null, true, 'MQL', 2)],
    );
    expect(m.from).toBe(from);
    expect(m.groups).toEqual([]);
    expect(m.stages).toEqual([
      { stage: 'PROSPECT', entered: 0, current: 0, medianDaysInStage: null },
      { stage: 'LEAD', entered: 4, current: 0, medianDaysInStage: 1 },
      { stage: 'MQL', entered: 0, current: 2, medianDaysInStage: null },
      { stage: 'SQL', entered: 0, current: 0, medianDaysInStage: null },
      { stage: 'OPPORTUNITY', entered: 0, current: 0, medianDaysInStage: null },
      { stage: 'CUSTOMER', entered: 0, current: 0, medianDaysInStage: null },
    ]);
    expect(m.conversions[0]).toEqual({
      fromStage: 'LEAD',
      toStage: 'MQL',
      entered: 4,
      converted: 3,
      rate: 0.75,
      medianDaysToConvert: 0.5,
    });
    expect(m.conversions[1]).toEqual({
      fromStage: 'MQL',
      toStage: 'SQL',
      entered: 0,
      converted: 0,
      rate: 0,
      medianDaysToConvert: null,
    });
  });

  it('takes the overall funnel from the total rows and orders groups by key, null last', () => {
    const m = assembleMetrics(
      from,
      to,
      [
        row('webinar', false, 'LEAD', 2, 1, 0),
        row(null, false, 'LEAD', 1),
        row('ads', false, 'LEAD', 1, 1, 86_400_000),
        row(null, true, 'LEAD', 4, 2, 3_600_000),
      ],
      [current(null, true, 'PROSPECT', 5), current('organic', false, 'PROSPECT', 5)],
    );
    expect(m.stages[1]).toEqual({ stage: 'LEAD', entered: 4, current: 0, medianDaysInStage: 1 / 24 });
    expect(m.stages[0].current).toBe(5);
    // 'organic' has current contacts only; it is a group all the same.
    expect(m.groups.map((g) => g.key)).toEqual(['ads', 'organic', 'webinar', null]);
    expect(m.groups[0].stages[1]).toEqual({ stage: 'LEAD', entered: 1, current: 0, medianDaysInStage: 1 });
    expect(m.groups[1].stages[0].current).toBe(5);
    expect(m.groups[2].conversions[0]).toMatchObject({ entered: 2, converted: 1, rate: 0.5 });
    expect(m.groups[3].stages[1].entered).toBe(1);
  });

  it('orders period keys chronologically', () => {
    const m = assembleMetrics(
      from,
      to,
      [row('2026-03-01', false, 'MQL', 1), row('2026-01-01', false, 'MQL', 1), row('2026-02-01', false, 'PROSPECT', 3)],
      [],
    );
    expect(m.groups.map((g) => g.key)).toEqual(['2026-01-01', '2026-02-01', '2026-03-01']);
  });

  it('keeps a stage row and a current-count row of the same group and stage together', () => {
    const m = assembleMetrics(
      from,
      to,
      [row('o1', false, 'MQL', 6, 3, 172_800_000, 86_400_000), row(null, true, 'MQL', 6, 3, 172_800_000, 86_400_000)],
      [current('o1', false, 'MQL', 2), current(null, true, 'MQL', 2)],
    );
    for (const f of [m, m.groups[0]]) {
      expect(f.stages[2]).toEqual({ stage: 'MQL', entered: 6, current: 2, medianDaysInStage: 2 });
      expect(f.conversions[1]).toEqual({
        fromStage: 'MQL',
        toStage: 'SQL',
        entered: 6,
        converted: 3,
        rate: 0.5,
        medianDaysToConvert: 1,
      });
    }
    expect(m.groups).toHaveLength(1);
  });
});
