import { dbDate } from '../../src/db/portable';

/** What both stores are written: the ISO form with a space and milliseconds, UTC. */
const iso = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 23);

describe('dbDate', () => {
  it('formats like the ISO date at the edges of days, seconds and the epoch', () => {
    const edges = [
      0,
      1,
      9,
      10,
      99,
      100,
      999,
      1000,
      59_999,
      60_000,
      3_599_999,
      86_399_999,
      86_400_000,
      -1,
      -86_400_000,
      -86_400_001,
      Date.UTC(2024, 1, 29, 12, 0, 0, 50),
      Date.UTC(2026, 11, 31, 23, 59, 59, 999),
      Date.UTC(2027, 0, 1),
    ];
    for (const ms of edges) expect(dbDate(ms)).toBe(iso(ms));
  });

  it('gives the same text for a Date and its time, for dates met in any order (its day cache never mixes them)', () => {
    let seed = 7;
    const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 20_000; i++) {
      const ms = Math.floor(next() * 4e12);
      expect(dbDate(new Date(ms))).toBe(iso(ms));
      expect(dbDate(ms + 86_400_000)).toBe(iso(ms + 86_400_000));
    }
  });
});
