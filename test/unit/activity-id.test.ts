import { newActivityId } from '../../src/modules/activities/activity-id';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('newActivityId', () => {
  it('is a UUIDv7 carrying the millisecond it was taken in', () => {
    const at = Date.UTC(2026, 11, 5, 10, 30, 0, 123);
    const id = newActivityId(at);
    expect(id).toMatch(UUID_V7);
    expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(at);
  });

  it('sorts after every id taken before, within one millisecond and past 4096 of them (time order of ties)', () => {
    const at = Date.UTC(2027, 0, 1);
    const ids = Array.from({ length: 10_000 }, () => newActivityId(at));
    ids.push(newActivityId(at - 5)); // a clock stepping back does not break the order either
    for (let i = 1; i < ids.length; i++) expect(ids[i] > ids[i - 1]).toBe(true);
    expect(ids.every((id) => UUID_V7.test(id))).toBe(true);
  });

  it('draws its random part afresh: no repeats, every variant digit used', () => {
    const ids = Array.from({ length: 20_000 }, () => newActivityId());
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids.map((id) => id[19]))).toEqual(new Set(['8', '9', 'a', 'b']));
    expect(new Set(ids.map((id) => id.slice(24))).size).toBe(ids.length);
  });
});
