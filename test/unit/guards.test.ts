/** The pure parts of the guards (issue 16): cost, input screen, query-text nesting, circuit breaker. */
import { parse } from 'graphql';
import { documentDepth, operationCost } from '../../src/server/cost';
import { screenVariables, textNesting } from '../../src/server/input-screen';
import { CircuitBreaker } from '../../src/server/circuit-breaker';
import { servedSchema } from '../helpers/fuzz';

const schema = servedSchema();
const cost = (q: string) => operationCost(schema, parse(q), null, {});

describe('operationCost', () => {
  it('multiplies nested lists by their page sizes and weighs heavy fields', () => {
    expect(cost('{ contacts(first: 10) { edges { node { id } } } }')).toBe(
      cost('{ contacts(first: 1) { edges { node { id } } } }')! * 10 - 9,
    );
    const nested = cost(
      '{ contacts(first: 500) { edges { node { activities(first: 500) { edges { node { id } } } } } } }',
    )!;
    expect(nested).toBeGreaterThan(500 * 500);
    expect(
      cost('{ conversionMetrics(from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z") { stages { entered } } }'),
    ).toBeGreaterThanOrEqual(5000);
    expect(cost('{ contacts(first: 1) { edges { node { scoreBreakdown { points } } } } }')).toBeGreaterThan(
      cost('{ contacts(first: 1) { edges { node { score } } } }')! + 9,
    );
  });

  it('measures depth through fragments', () => {
    expect(documentDepth(parse('{ viewer { id } }'))).toBe(2);
    expect(
      documentDepth(parse('{ contacts { ...F } } fragment F on ContactConnection { edges { node { id } } }')),
    ).toBe(4);
  });
});

describe('screenVariables', () => {
  it('refuses NUL bytes, long lists and deep values, naming the field, without recursion', () => {
    expect(screenVariables({ a: 'x\u0000' })?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'a' });
    expect(screenVariables({ l: new Array(5001).fill(1) })?.extensions).toMatchObject({
      limit: 'listLength',
      field: 'l',
    });
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    expect(screenVariables({ d: deep })?.extensions).toMatchObject({ limit: 'inputDepth' });
    expect(screenVariables({ ok: { list: [1, 2, 3], s: 'fine', n: null } })).toBeNull();
  });

  it('refuses lone surrogates (MariaDB cannot store them) but keeps real emoji', () => {
    expect(screenVariables({ input: { ownerId: '\ud800' } })?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.ownerId',
    });
    expect(screenVariables({ s: 'a\udc00b' })?.extensions).toMatchObject({ field: 's' });
    expect(screenVariables({ o: { ['k\ud83d']: 1 } })?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(screenVariables({ s: 'héllo 💥🐢' })).toBeNull();
  });
});

describe('textNesting', () => {
  it('counts brackets outside strings, block strings and comments', () => {
    expect(textNesting('{ a { b(x: [1, [2]]) } }')).toBe(5);
    expect(textNesting('{ a(s: "{{{{[[[") } # {{{{{\n')).toBe(2);
    expect(textNesting('{ a(s: """ {{{{ \\""" {{ """) }')).toBe(2);
  });
});

describe('CircuitBreaker', () => {
  it('opens after the failures in a row, lets one probe through after openMs, closes on success', async () => {
    const breaker = new CircuitBreaker({ failures: 2, openMs: 1000 });
    const fail = () => breaker.run(() => Promise.reject(new Error('down'))).catch(() => undefined);
    await fail();
    expect(breaker.allows()).toBe(true);
    await fail();
    expect(breaker.allows()).toBe(false);
    expect(breaker.open).toBe(true);
    const later = Date.now() + 1001;
    expect(breaker.allows(later)).toBe(true);
    expect(breaker.allows(later)).toBe(false);
    await breaker.run(() => Promise.resolve(1));
    expect(breaker.allows()).toBe(true);
  });
});
