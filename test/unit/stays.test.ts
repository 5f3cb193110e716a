import { type AddedTransition, convertsTo, stayMarks } from '../../src/modules/lifecycle/stays';

const t = (toStage: string, occurredAt: number): AddedTransition => ({ toStage, occurredAt });
const none = { latestEntry: new Map<string, number>() };

describe('convertsTo', () => {
  it('reports the four adjacent funnel conversions and nothing else', () => {
    expect(
      ['PROSPECT', 'LEAD', 'MQL', 'SQL', 'OPPORTUNITY', 'CUSTOMER', 'NURTURE', 'DISQUALIFIED'].map(convertsTo),
    ).toEqual([null, 'MQL', 'SQL', 'OPPORTUNITY', 'CUSTOMER', null, null, null]);
  });
});

describe('stayMarks', () => {
  it('a first journey: stays end at the next transition, convert at the next funnel stage; PROSPECT left', () => {
    const m = stayMarks(none, [t('LEAD', 10), t('MQL', 10), t('SQL', 25)]);
    expect(m.added).toEqual([
      { previousEntryAt: null, leftAt: 10, convertedAt: 10 },
      { previousEntryAt: null, leftAt: 25, convertedAt: 25 },
      { previousEntryAt: null, leftAt: null, convertedAt: null },
    ]);
    expect(m.firstTransitionAt).toBe(10);
    expect(m.storedLeftAt).toBeNull();
    expect(m.storedConvertedAt.size).toBe(0);
  });

  it('a stay left for a stage outside the funnel ends there but is not converted; coming back converts it', () => {
    const m = stayMarks(none, [t('LEAD', 1), t('MQL', 2), t('NURTURE', 3), t('MQL', 4), t('SQL', 5)]);
    expect(m.added.map((s) => s.leftAt)).toEqual([2, 3, 4, 5, null]);
    // The first MQL stay converts when SQL is reached, at 5, even though it ended at 3.
    expect(m.added.map((s) => s.convertedAt)).toEqual([2, 5, null, 5, null]);
    expect(m.added.map((s) => s.previousEntryAt)).toEqual([null, null, null, 2, null]);
  });

  it('a jump over a stage does not convert the stage before it', () => {
    const m = stayMarks(none, [t('LEAD', 1), t('SQL', 2)]);
    expect(m.added[0]).toEqual({ previousEntryAt: null, leftAt: 2, convertedAt: null });
  });

  it('on stored transitions: closes the open stay, converts only stages with stored entries, chains entries', () => {
    const history = {
      latestEntry: new Map([
        ['LEAD', 1],
        ['MQL', 2],
        ['NURTURE', 3],
      ]),
    };
    const m = stayMarks(history, [t('MQL', 7), t('SQL', 9), t('OPPORTUNITY', 9)]);
    expect(m.storedLeftAt).toBe(7);
    // LEAD was stored and MQL is reached again at 7; stored MQL entries reach SQL at 9; no SQL entry is stored.
    expect([...m.storedConvertedAt]).toEqual([
      ['LEAD', 7],
      ['MQL', 9],
    ]);
    expect(m.added.map((s) => s.previousEntryAt)).toEqual([2, null, null]);
    expect(m.firstTransitionAt).toBeNull();
  });

  it('the first entry of a later stay into the same stage points at the earlier one, ties included', () => {
    const m = stayMarks(none, [t('MQL', 5), t('NURTURE', 5), t('MQL', 5)]);
    expect(m.added.map((s) => s.previousEntryAt)).toEqual([null, null, 5]);
    expect(m.added.map((s) => s.leftAt)).toEqual([5, 5, null]);
  });

  it('adds nothing for no transitions', () => {
    expect(stayMarks(none, [])).toEqual({
      added: [],
      storedLeftAt: null,
      storedConvertedAt: new Map(),
      firstTransitionAt: null,
    });
  });
});

describe('stayMarks within one batch', () => {
  it('converts a stay only at a later transition, never at one earlier in the same batch', () => {
    // Moved by hand MQL -> LEAD, then promoted again: the LEAD stay converts at 4, not at the MQL entry at 1.
    const m = stayMarks(none, [t('MQL', 1), t('LEAD', 3), t('MQL', 4)]);
    expect(m.added.map((s) => s.convertedAt)).toEqual([null, 4, null]);
    expect(stayMarks(none, [t('SQL', 1), t('MQL', 2)]).added[1].convertedAt).toBeNull();
  });

  it('converts stored entries at their first conversion in the batch only', () => {
    const history = { latestEntry: new Map([['LEAD', 1]]) };
    const m = stayMarks(history, [t('MQL', 5), t('NURTURE', 6), t('MQL', 7)]);
    expect([...m.storedConvertedAt]).toEqual([['LEAD', 5]]);
    expect(m.added.map((s) => s.previousEntryAt)).toEqual([null, null, 5]);
  });

  it('does not convert a stored stage the batch does not reach, nor one outside the funnel', () => {
    const history = {
      latestEntry: new Map([
        ['NURTURE', 1],
        ['PROSPECT', 0],
      ]),
    };
    expect([...stayMarks(history, [t('MQL', 5), t('CUSTOMER', 6)]).storedConvertedAt]).toEqual([]);
  });
});
