import { Webhook } from 'standardwebhooks';
import {
  FIRST_RETRY_MS,
  MAX_RETRY_MS,
  RETRY_WINDOW_MS,
  afterFailure,
  nominalDelayMs,
  retryDelayMs,
} from '../../src/modules/webhooks/backoff';
import { createServer } from 'node:http';
import { checkTarget, isForbiddenAddress, parseTargetUrl } from '../../src/modules/webhooks/target';
import { RESPONSE_CAP, sendWebhook } from '../../src/modules/webhooks/sender';
import { startReceiver } from '../helpers/receiver';
import { decideOutcome } from '../../src/modules/webhooks/worker';
import { newSecret, signHeaders } from '../../src/modules/webhooks/signer';
import { promotionPayload, webhookId } from '../../src/modules/webhooks/payload';

describe('backoff', () => {
  it('doubles from 5 s, capped at 6 h, with ±20 % jitter', () => {
    expect([1, 2, 3, 4].map((n) => nominalDelayMs(n))).toEqual([5_000, 10_000, 20_000, 40_000]);
    expect([1, 2, 3].map((n) => nominalDelayMs(n, 100))).toEqual([100, 200, 400]);
    expect(nominalDelayMs(30)).toBe(MAX_RETRY_MS);
    expect(retryDelayMs(1, 0)).toBe(4_000);
    expect(retryDelayMs(1, 0.5)).toBe(5_000);
    expect(retryDelayMs(1, 0.999999)).toBe(6_000);
    expect(retryDelayMs(3, 0.25)).toBe(18_000);
  });

  it('gives up once the next attempt would fall beyond 3 days after the first', () => {
    const first = 1_000_000;
    expect(afterFailure(1, first, first, 0.5)).toEqual({ retryAt: first + FIRST_RETRY_MS });
    const late = first + RETRY_WINDOW_MS - MAX_RETRY_MS;
    expect(afterFailure(40, first, late - 1, 0.5)).toEqual({ retryAt: late - 1 + MAX_RETRY_MS });
    expect(afterFailure(40, first, late + 1, 0.5)).toEqual({ giveUp: true });
  });

  it('reaches the 3-day window after a few dozen attempts', () => {
    let at = 0;
    let n = 0;
    for (;;) {
      const next = afterFailure(++n, 0, at, 0.5);
      if ('giveUp' in next) break;
      at = next.retryAt;
    }
    expect(n).toBeGreaterThan(10);
    expect(n).toBeLessThan(30);
    expect(at).toBeLessThanOrEqual(RETRY_WINDOW_MS);
  });
});

describe('outcome of an attempt', () => {
  const ok = { ok: true, statusCode: 204, durationMs: 3, error: null };
  const bad = { ok: false, statusCode: 500, durationMs: 3, error: 'HTTP 500' };
  it('is delivered on 2xx, a retry otherwise, and gives up with a reason after the window', () => {
    expect(decideOutcome({ attempts: 0, firstAttemptAt: null }, 100, ok, 103, 0.5)).toEqual({ kind: 'delivered' });
    expect(decideOutcome({ attempts: 0, firstAttemptAt: null }, 100, bad, 103, 0.5)).toEqual({
      kind: 'retry',
      at: 103 + 5_000,
    });
    expect(decideOutcome({ attempts: 2, firstAttemptAt: 0 }, 100, bad, 100, 0.5)).toEqual({
      kind: 'retry',
      at: 100 + 20_000,
    });
    const gaveUp = decideOutcome({ attempts: 25, firstAttemptAt: 0 }, RETRY_WINDOW_MS, bad, RETRY_WINDOW_MS, 0.5);
    expect(gaveUp.kind).toBe('giveUp');
    expect((gaveUp as { reason: string }).reason).toMatch(
      /26 failed attempts since 1970-01-01T00:00:00.000Z; last: HTTP 500/,
    );
  });
});

describe('targets', () => {
  it('refuses loopback, private, link-local, metadata and reserved addresses', () => {
    for (const a of [
      '127.0.0.1',
      '10.1.2.3',
      '172.20.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      'fe80::1',
      'fd00:ec2::254',
      '::ffff:127.0.0.1',
      '224.0.0.1',
    ]) {
      expect([a, isForbiddenAddress(a)]).toEqual([a, true]);
    }
    for (const a of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111'])
      expect([a, isForbiddenAddress(a)]).toEqual([a, false]);
  });

  it('takes https:, and http: only when allowed', () => {
    expect(parseTargetUrl('https://hooks.example.com/x', { allowHttp: false, allowPrivate: false }, 'url').host).toBe(
      'hooks.example.com',
    );
    expect(() =>
      parseTargetUrl('http://hooks.example.com/x', { allowHttp: false, allowPrivate: false }, 'url'),
    ).toThrow(/https/);
    expect(parseTargetUrl('http://hooks.example.com/x', { allowHttp: true, allowPrivate: false }, 'url').protocol).toBe(
      'http:',
    );
    expect(() => parseTargetUrl('ftp://x', { allowHttp: true, allowPrivate: false }, 'url')).toThrow(/http/);
    expect(() => parseTargetUrl('not a url', { allowHttp: true, allowPrivate: false }, 'url')).toThrow(/absolute URL/);
  });
});

describe('signing', () => {
  it('produces headers the standardwebhooks package verifies, with either secret during a rotation', () => {
    const [current, previous] = [newSecret(), newSecret()];
    const body = promotionPayload(
      {
        seq: 3,
        id: '17',
        contactId: 'c1',
        fromStage: 'LEAD',
        toStage: 'MQL',
        trigger: 'SCORE',
        reason: null,
        score: 60,
        actor: null,
        actorOwnerId: null,
        occurredAt: new Date(0).toISOString(),
        partnerId: null,
        ownerId: null,
        contact: null,
      },
      'cursor',
    );
    const headers = signHeaders(webhookId('lead.promoted', '17', '5'), new Date(), body, [current, previous]);
    expect(headers['webhook-id']).toBe('msg_promoted_17');
    expect(headers['webhook-signature']).toMatch(/^v1,\S+ v1,\S+$/);
    expect(new Webhook(current).verify(body, { ...headers })).toMatchObject({
      type: 'lead.promoted',
      data: { cursor: 'cursor', transition: { id: '17', toStage: 'MQL' } },
    });
    expect(new Webhook(previous).verify(body, { ...headers })).toBeTruthy();
    expect(() => new Webhook(newSecret()).verify(body, { ...headers })).toThrow();
  });
});

describe('refusals before and at connection time', () => {
  const strict = { allowHttp: false, allowPrivate: false };
  it('refuses names and literals that resolve to private addresses unless allowed', async () => {
    await expect(checkTarget('https://127.0.0.1/x', strict, 'input.url')).rejects.toThrow(/loopback, private/);
    await expect(checkTarget('https://localhost:8443/x', strict, 'input.url')).rejects.toThrow(
      /resolves to (127\.0\.0\.1|::1)/,
    );
    await expect(checkTarget('https://[::1]/x', strict, 'input.url')).rejects.toThrow(/::1/);
    await expect(
      checkTarget('https://localhost/x', { allowHttp: false, allowPrivate: true }, 'input.url'),
    ).resolves.toBeInstanceOf(URL);
  });

  it('does not connect to a private address, follows no redirect and caps what it reads', async () => {
    const r = await startReceiver((n) => (n === 0 ? 302 : 200));
    try {
      const refused = await sendWebhook(
        r.url.replace('127.0.0.1', 'localhost'),
        '{}',
        {},
        { timeoutMs: 1000, allowPrivate: false },
      );
      expect(refused).toMatchObject({ ok: false, statusCode: null });
      expect(refused.error).toMatch(/private or reserved/);
      expect(r.requests).toHaveLength(0);
      const redirected = await sendWebhook(r.url, '{}', {}, { timeoutMs: 1000, allowPrivate: true });
      expect(redirected).toMatchObject({ ok: false, statusCode: 302 });
      expect(r.requests).toHaveLength(1);
    } finally {
      await r.close();
    }
    const big = createServer((_req, res) => {
      res.writeHead(500);
      // Four times the cap, and never ended: only a capped read comes back before the timeout.
      res.write(Buffer.alloc(4 * RESPONSE_CAP, 'x'));
    });
    await new Promise<void>((resolve) => big.listen(0, '127.0.0.1', resolve));
    const port = (big.address() as { port: number }).port;
    const capped = await sendWebhook(`http://127.0.0.1:${port}/`, '{}', {}, { timeoutMs: 5000, allowPrivate: true });
    expect(capped).toMatchObject({ ok: false, statusCode: 500 });
    expect(capped.error!.length).toBeLessThan(300);
    expect(capped.durationMs).toBeLessThan(5000);
    expect(RESPONSE_CAP).toBe(64 * 1024);
    big.closeAllConnections();
    big.close();
  });
});
