/** Owners, routing, assignment records and the acting owner, over HTTP and graphql-ws. */
import { startTestApp, type TestApp } from '../helpers/app';
import { createContact, createKey, createPartner, createRule, uniqueEmail } from '../helpers/factories';
import { collect, sleep, wsClient } from '../helpers/ws';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  // One demo request makes a contact MQL (default mqlThreshold 50).
  await createRule(t, { name: 'demo', kind: 'BEHAVIOR', activityType: 'demo_request', points: 60 });
  await t.app.services.rescore.idle();
});
afterAll(() => t.stop());

const OWNER = `mutation($input: CreateOwnerInput!) { createOwner(input: $input) { id name email active team } }`;
const ROUTING =
  `mutation($input: RoutingPolicyInput!) { updateRoutingPolicy(input: $input) { enabled assignAtStage ` +
  `defaultTeam rules { team countries sources minCompanySize maxCompanySize } } }`;
const CONTACT =
  `query($id: ID!) { contact(id: $id) { id stage ownerId owner { id name team } assignments { id ownerId ` +
  `previousOwnerId trigger reason actor assignedAt owner { name } } } }`;

async function owner(name: string, team: string | null, active = true): Promise<{ id: string; name: string }> {
  return (await t.ok(OWNER, { input: { name, team, active, email: uniqueEmail(name.split(' ')[0].toLowerCase()) } }))
    .createOwner;
}

async function demoRequest(contactId: string): Promise<void> {
  await t.ok(`mutation($id: ID!) { recordActivity(input: { contactId: $id, type: "demo_request" }) { id } }`, {
    id: contactId,
  });
}

describe('owners', () => {
  it('are created and updated by ADMIN only, with clear errors', async () => {
    const o = await owner('Olivia', 'owners-a');
    expect(o).toMatchObject({ name: 'Olivia', active: true, team: 'owners-a' });
    const marketing = await createKey(t, 'MARKETING');
    expect((await t.gql(OWNER, { input: { name: 'Nope' } }, marketing)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await t.gql(OWNER, { input: { name: '  ' } })).errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.name',
    });
    expect((await t.gql(OWNER, { input: { name: 'X', email: 'not-mail' } })).errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.email',
    });
    const updated = await t.ok(
      `mutation($id: ID!) { updateOwner(id: $id, input: { active: false, team: "owners-b" }) { active team name } }`,
      { id: o.id },
    );
    expect(updated.updateOwner).toEqual({ active: false, team: 'owners-b', name: 'Olivia' });
    const missing = await t.gql(`mutation { updateOwner(id: "nope", input: { name: "x" }) { id } }`);
    expect(missing.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    const list = await t.ok(`query { owners(team: "owners-b") { id active } }`, {}, marketing);
    expect(list.owners).toEqual([{ id: o.id, active: false }]);
    expect((await t.ok(`query { owners(team: "owners-b", includeInactive: false) { id } }`)).owners).toEqual([]);
  });
});

describe('routing', () => {
  it('assigns new MQLs round-robin among the active owners of the team a rule picks, and records why', async () => {
    const [a, b] = [await owner('Anna', 'emea'), await owner('Ben', 'emea')];
    await owner('Idle', 'emea', false);
    const us = await owner('Uma', 'na');
    const policy = await t.ok(ROUTING, {
      input: { rules: [{ team: 'emea', countries: ['de', 'FR'] }], defaultTeam: 'na' },
    });
    expect(policy.updateRoutingPolicy).toMatchObject({ enabled: true, assignAtStage: 'MQL', defaultTeam: 'na' });
    const contacts = [];
    for (const country of ['DE', 'FR', 'DE', 'US']) contacts.push(await createContact(t, { country }));
    for (const c of contacts) await demoRequest(c.id);
    const read = await Promise.all(contacts.map(async (c) => (await t.ok(CONTACT, { id: c.id })).contact));
    expect(read.map((c) => c.stage)).toEqual(['MQL', 'MQL', 'MQL', 'MQL']);
    // Never-assigned owners go in creation order, then the least recently assigned.
    expect(read.map((c) => c.owner.name)).toEqual(['Anna', 'Ben', 'Anna', 'Uma']);
    expect([read[0].ownerId, read[1].ownerId]).toEqual([a.id, b.id]);
    expect(read[3].ownerId).toBe(us.id);
    expect(read[0].assignments).toHaveLength(1);
    expect(read[0].assignments[0]).toMatchObject({
      ownerId: a.id,
      previousOwnerId: null,
      trigger: 'ROUTING',
      actor: null,
      owner: { name: 'Anna' },
    });
    expect(read[0].assignments[0].reason).toContain('routing rule 1 -> team emea');
    expect(read[3].assignments[0].reason).toContain('default team na');
  });

  it('leaves contacts that have an owner alone, and routes at SQL when configured', async () => {
    await owner('Sam', 'sql-team');
    await t.ok(ROUTING, { input: { assignAtStage: 'SQL', rules: [], defaultTeam: 'sql-team' } });
    const owned = await createContact(t, { ownerId: 'crm-user-7' });
    const free = await createContact(t);
    await demoRequest(owned.id);
    await demoRequest(free.id);
    expect((await t.ok(CONTACT, { id: owned.id })).contact).toMatchObject({
      stage: 'MQL',
      ownerId: 'crm-user-7',
      owner: null,
    });
    expect((await t.ok(CONTACT, { id: free.id })).contact).toMatchObject({ stage: 'MQL', ownerId: null });
    await t.ok(
      `mutation($id: ID!) { qualifyContact(id: $id, input: { budget: true, authority: true, need: true, ` +
        `timeline: true }) { stage } }`,
      { id: free.id },
    );
    const sql = (await t.ok(CONTACT, { id: free.id })).contact;
    expect(sql).toMatchObject({ stage: 'SQL', owner: { name: 'Sam' } });
    await t.ok(ROUTING, { input: { assignAtStage: 'MQL', enabled: false } });
    const off = await createContact(t, { country: 'DE' });
    await demoRequest(off.id);
    expect((await t.ok(CONTACT, { id: off.id })).contact.ownerId).toBeNull();
    await t.ok(ROUTING, { input: { enabled: true } });
  });

  it('rejects a bad policy with the field named and keeps the old one', async () => {
    const bad = await t.gql(ROUTING, { input: { assignAtStage: 'LEAD' } });
    expect(bad.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.assignAtStage' });
    const badRule = await t.gql(ROUTING, { input: { rules: [{ team: 'x', minCompanySize: 10, maxCompanySize: 5 }] } });
    expect(badRule.errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.rules[0].maxCompanySize',
    });
    const viewer = await createKey(t, 'VIEWER');
    expect((await t.gql(ROUTING, { input: { enabled: false } }, viewer)).errors?.[0].extensions?.code).toBe(
      'FORBIDDEN',
    );
    expect((await t.ok(`query { routingPolicy { enabled assignAtStage } }`, {}, viewer)).routingPolicy).toEqual({
      enabled: true,
      assignAtStage: 'MQL',
    });
  });

  it('routes by company size; streams the promotion to a leadPromoted subscription on the new owner', async () => {
    const big = await owner('Enterprise Erin', 'enterprise');
    await t.ok(ROUTING, { input: { rules: [{ team: 'enterprise', minCompanySize: 1000 }], defaultTeam: 'na' } });
    const client = wsClient(t.app.url, await createKey(t, 'SALES'));
    const sub = collect(
      client,
      `subscription($o: String) { leadPromoted(ownerId: $o, stages: [MQL]) { transition { contactId toStage ` +
        `contact { owner { name } } } } }`,
      { o: big.id },
    );
    await sleep(300);
    const c = await createContact(t, { companySize: 5000 });
    await demoRequest(c.id);
    const [event] = await sub.waitFor(1);
    expect(event.leadPromoted.transition).toEqual({
      contactId: c.id,
      toStage: 'MQL',
      contact: { owner: { name: 'Enterprise Erin' } },
    });
    void client.dispose();
  });
});

describe('who acted', () => {
  it('stamps the owner an API key acts for on qualifications, transitions and manual assignments', async () => {
    const rep = await owner('Rita Rep', 'reps');
    const key = (
      await t.ok(
        `mutation($o: ID) { createApiKey(input: { name: "rita-key", role: SALES, ownerId: $o }) { secret ` +
          `apiKey { ownerId owner { name } } } }`,
        { o: rep.id },
      )
    ).createApiKey;
    expect(key.apiKey).toEqual({ ownerId: rep.id, owner: { name: 'Rita Rep' } });
    const bad = await t.gql(`mutation { createApiKey(input: { name: "x", role: SALES, ownerId: "nope" }) { secret } }`);
    expect(bad.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.ownerId' });
    const c = await createContact(t, { ownerId: rep.id });
    await demoRequest(c.id);
    await t.ok(
      `mutation($id: ID!) { qualifyContact(id: $id, input: { budget: true, authority: true, need: true, ` +
        `timeline: false }) { stage } }`,
      { id: c.id },
      key.secret,
    );
    const read = await t.ok(
      `query($id: ID!) { contact(id: $id) { qualification { qualifiedBy qualifiedByOwner { id } } transitions ` +
        `{ toStage actor actorOwner { name } } } }`,
      { id: c.id },
    );
    expect(read.contact.qualification).toEqual({ qualifiedBy: 'Rita Rep', qualifiedByOwner: { id: rep.id } });
    expect(read.contact.transitions.at(-1)).toEqual({
      toStage: 'SQL',
      actor: 'Rita Rep',
      actorOwner: { name: 'Rita Rep' },
    });
    await t.ok(
      `mutation($id: ID!) { updateContact(id: $id, input: { ownerId: null }) { id } }`,
      { id: c.id },
      key.secret,
    );
    const after = (await t.ok(CONTACT, { id: c.id })).contact;
    expect(after.assignments.at(-1)).toMatchObject({
      trigger: 'MANUAL',
      ownerId: null,
      previousOwnerId: rep.id,
      actor: 'Rita Rep',
      reason: 'updateContact',
    });
    expect(after.assignments[0]).toMatchObject({ trigger: 'MANUAL', ownerId: rep.id, reason: 'createContact' });
  });

  it('lets a PARTNER key read its own partner on its contacts', async () => {
    const partner = await createPartner(t);
    const key = await createKey(t, 'PARTNER', partner.id);
    const c = await createContact(t, {}, key);
    const read = await t.gql(
      `query($id: ID!) { contact(id: $id) { partnerId partner { id name } } }`,
      { id: c.id },
      key,
    );
    expect(read.errors).toBeUndefined();
    expect(read.data.contact).toEqual({ partnerId: partner.id, partner: { id: partner.id, name: partner.name } });
  });
});
