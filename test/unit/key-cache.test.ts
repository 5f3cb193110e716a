import { KeyCache } from '../../src/modules/access/key-cache';
import { Role } from '../../src/modules/access/api-key.entity';

const viewer = (keyId: string) => ({ keyId, name: keyId, role: Role.VIEWER, partnerId: null });

function cache(ttlMs = 1000, maxEntries = 3) {
  let now = 0;
  const c = new KeyCache({ ttlMs, maxEntries, now: () => now });
  c.setLive(true);
  return { c, advance: (ms: number) => (now += ms) };
}

describe('KeyCache', () => {
  it('serves a stored key until its TTL', () => {
    const { c, advance } = cache();
    c.store(c.ticket(), 'h1', viewer('k1'), null);
    advance(999);
    expect(c.get('h1')?.viewer.keyId).toBe('k1');
    advance(1);
    expect(c.get('h1')).toBeUndefined();
  });

  it('holds at most maxEntries, dropping the least recently used', () => {
    const { c } = cache();
    for (const k of ['a', 'b', 'c']) c.store(c.ticket(), k, viewer(k), null);
    c.get('a');
    c.store(c.ticket(), 'd', viewer('d'), null);
    expect(c.size).toBe(3);
    expect(c.get('b')).toBeUndefined();
    expect(['a', 'c', 'd'].map((k) => c.get(k)?.viewer.keyId)).toEqual(['a', 'c', 'd']);
  });

  it('does not put back a read that an invalidation overtook', () => {
    const { c } = cache();
    const ticket = c.ticket();
    c.invalidate('k1');
    c.store(ticket, 'h1', viewer('k1'), null);
    expect(c.get('h1')).toBeUndefined();
  });

  it('drops one key by id, or all, and tells listeners', () => {
    const { c } = cache();
    const heard: (string | null)[] = [];
    c.onInvalidate((id) => heard.push(id));
    c.store(c.ticket(), 'h1', viewer('k1'), null);
    c.store(c.ticket(), 'h2', viewer('k2'), null);
    c.invalidate('k1');
    expect([c.get('h1'), c.get('h2')?.viewer.keyId]).toEqual([undefined, 'k2']);
    c.invalidate(null);
    expect(c.size).toBe(0);
    expect(heard).toEqual(['k1', null]);
  });

  it('serves nothing when not live or with TTL 0, and going live again starts empty', () => {
    const { c } = cache();
    c.store(c.ticket(), 'h1', viewer('k1'), null);
    c.setLive(false);
    expect(c.get('h1')).toBeUndefined();
    c.store(c.ticket(), 'h1', viewer('k1'), null);
    c.setLive(true);
    expect(c.size).toBe(0);
    const off = cache(0).c;
    off.store(off.ticket(), 'h1', viewer('k1'), null);
    expect(off.get('h1')).toBeUndefined();
  });
});
