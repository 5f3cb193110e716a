import { ADMIN_KEY, startTestApp, type TestApp } from '../helpers/app';
import { createContact, createKey, createPartner, uniqueEmail } from '../helpers/factories';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.stop());

describe('authentication', () => {
  it('answers 401 UNAUTHENTICATED without a key, with an unknown key and with a revoked key', async () => {
    const none = await t.gql('{ viewer { id } }', {}, null);
    expect(none.status).toBe(401);
    expect(none.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const unknown = await t.gql('{ viewer { id } }', {}, 'lq_nope');
    expect(unknown.status).toBe(401);
    const secret = await createKey(t, 'VIEWER');
    const me = await t.ok('{ viewer { id name role lastUsedAt revokedAt } }', {}, secret);
    expect(me.viewer).toMatchObject({ role: 'VIEWER', revokedAt: null });
    expect(me.viewer.lastUsedAt).not.toBeNull();
    const revoked = await t.ok('mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }', { id: me.viewer.id });
    expect(revoked.revokeApiKey.revokedAt).not.toBeNull();
    const after = await t.gql('{ viewer { id } }', {}, secret);
    expect(after.status).toBe(401);
  });

  it('stores only a hash: the secret appears nowhere in the database', async () => {
    const secret = await createKey(t, 'SALES');
    const rows = await t.app.ds.query('SELECT * FROM api_keys');
    expect(JSON.stringify(rows)).not.toContain(secret);
    expect(JSON.stringify(rows)).not.toContain(ADMIN_KEY);
    const keys = await t.ok('{ apiKeys { name role } }');
    expect(keys.apiKeys.length).toBeGreaterThanOrEqual(2);
  });

  it('requires partnerId for PARTNER keys only', async () => {
    const missing = await t.gql(`mutation { createApiKey(input: { name: "p", role: PARTNER }) { secret } }`);
    expect(missing.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.partnerId' });
    const p = await createPartner(t);
    const extra = await t.gql(
      `mutation($p: ID!) { createApiKey(input: { name: "s", role: SALES, partnerId: $p }) { secret } }`,
      { p: p.id },
    );
    expect(extra.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('role table', () => {
  const ops: Record<string, { query: string; vars?: () => Promise<Record<string, unknown>> }> = {
    readContacts: { query: '{ contacts { totalCount } }' },
    createContact: {
      query: `mutation($e: String!) { createContact(input: { email: $e }) { id } }`,
      vars: async () => ({ e: uniqueEmail() }),
    },
    recordActivity: {
      query: `mutation($e: String!) { recordActivity(input: { contactEmail: $e, type: "page_view" }) { id } }`,
      vars: async () => ({ e: uniqueEmail() }),
    },
    rules: { query: `mutation { createScoringRule(input: { name: "r", kind: FIT, points: 1 }) { id } }` },
    policy: { query: `mutation { updateQualificationPolicy(input: {}) { mqlThreshold } }` },
    rescore: { query: `mutation { rescoreContacts { id } }` },
    transition: {
      query: `mutation($id: ID!) { transitionContact(id: $id, toStage: DISQUALIFIED, reason: "spam") { stage } }`,
      vars: async () => ({ id: (await createContact(t)).id }),
    },
    partners: { query: '{ partners { id } }' },
    keys: { query: `mutation { createApiKey(input: { name: "x", role: VIEWER }) { secret } }` },
  };
  const allowed: Record<string, string[]> = {
    MARKETING: ['readContacts', 'createContact', 'recordActivity', 'rules', 'policy', 'rescore'],
    SALES: ['readContacts', 'createContact', 'transition'],
    VIEWER: ['readContacts'],
    PARTNER: ['readContacts', 'createContact'],
    ADMIN: Object.keys(ops),
  };

  it.each(Object.keys(allowed))('%s may do exactly its row of the table', async (role) => {
    const key =
      role === 'ADMIN'
        ? ADMIN_KEY
        : await createKey(t, role, role === 'PARTNER' ? (await createPartner(t)).id : undefined);
    for (const [name, op] of Object.entries(ops)) {
      const res = await t.gql(op.query, op.vars ? await op.vars() : {}, key);
      if (allowed[role].includes(name)) expect({ name, errors: res.errors }).toEqual({ name, errors: undefined });
      else expect({ name, code: res.errors?.[0].extensions?.code }).toEqual({ name, code: 'FORBIDDEN' });
    }
  });
});

describe('partner scoping', () => {
  it('a PARTNER key sees, lists, counts and creates only its own referrals', async () => {
    const [p1, p2] = [await createPartner(t), await createPartner(t)];
    const k1 = await createKey(t, 'PARTNER', p1.id);
    const mine = await createContact(t, { partnerId: p1.id, source: 'partner' });
    const theirs = await createContact(t, { partnerId: p2.id, source: 'partner' });
    const created = await createContact(t, { partnerId: p2.id }, k1);
    expect(created.partnerId).toBe(p1.id);

    const list = await t.ok('{ contacts(first: 100) { totalCount edges { node { id partnerId } } } }', {}, k1);
    expect(list.contacts.totalCount).toBe(2);
    expect(list.contacts.edges.map((e: any) => e.node.id).sort()).toEqual([mine.id, created.id].sort());
    const filtered = await t.ok(
      'query($p: ID) { contacts(filter: { partnerId: $p }) { totalCount } }',
      { p: p2.id },
      k1,
    );
    expect(filtered.contacts.totalCount).toBe(0);

    expect((await t.ok('query($id: ID!) { contact(id: $id) { id } }', { id: theirs.id }, k1)).contact).toBeNull();
    expect(
      (await t.ok('query($e: String!) { contactByEmail(email: $e) { id } }', { e: theirs.email }, k1)).contactByEmail,
    ).toBeNull();
    const upd = await t.gql(
      'mutation($id: ID!) { updateContact(id: $id, input: { firstName: "x" }) { id } }',
      { id: theirs.id },
      k1,
    );
    expect(upd.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    const del = await t.gql('mutation($id: ID!) { deleteContact(id: $id) }', { id: theirs.id }, k1);
    expect(del.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    const tr = await t.ok(
      'query($id: ID!) { stageTransitions(filter: { contactId: $id }) { totalCount } }',
      { id: theirs.id },
      k1,
    );
    expect(tr.stageTransitions.totalCount).toBe(0);
    for (const q of [
      '{ partners { id } }',
      '{ apiKeys { id } }',
      '{ scoringRules { id } }',
      '{ qualificationPolicy { mqlThreshold } }',
    ]) {
      expect((await t.gql(q, {}, k1)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    }
    const stillThere = await t.ok('query($id: ID!) { contact(id: $id) { firstName } }', { id: theirs.id });
    expect(stillThere.contact.firstName).toBeNull();
  });
});
