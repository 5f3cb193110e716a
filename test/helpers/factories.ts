/** Factories: each test builds the data it needs through the public API. */
import { randomBytes } from 'node:crypto';
import type { TestApp } from './app';

let seq = 0;
/** A unique email per call. */
export function uniqueEmail(prefix = 'lead'): string {
  return `${prefix}.${Date.now().toString(36)}${(seq++).toString(36)}${randomBytes(2).toString('hex')}@acme-corp.com`;
}

export const CONTACT_FIELDS =
  'id email firstName lastName company jobTitle industry companySize country source ownerId partnerId ' +
  'attributes stage score fitScore engagementScore temperature stageChangedAt createdAt updatedAt';

export async function createContact(t: TestApp, input: Record<string, unknown> = {}, key?: string): Promise<any> {
  const data = await t.ok(
    `mutation($input: CreateContactInput!) { createContact(input: $input) { ${CONTACT_FIELDS} } }`,
    { input: { email: uniqueEmail(), ...input } },
    key,
  );
  return data.createContact;
}

export async function createPartner(
  t: TestApp,
  name = `Partner ${randomBytes(3).toString('hex')}`,
): Promise<{ id: string; name: string }> {
  return (await t.ok(`mutation($name: String!) { createPartner(name: $name) { id name } }`, { name })).createPartner;
}

/** Creates an API key with a role and returns its secret. */
export async function createKey(
  t: TestApp,
  role: string,
  partnerId?: string,
  name = `${role.toLowerCase()}-${randomBytes(3).toString('hex')}`,
): Promise<string> {
  const data = await t.ok(
    `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret apiKey { id } } }`,
    { input: { name, role, partnerId } },
  );
  return data.createApiKey.secret;
}

export async function createRule(t: TestApp, input: Record<string, unknown>): Promise<any> {
  return (
    await t.ok(
      `mutation($input: ScoringRuleInput!) { createScoringRule(input: $input) { id name kind points active } }`,
      { input },
    )
  ).createScoringRule;
}

export async function recordActivities(t: TestApp, inputs: Record<string, unknown>[]): Promise<any> {
  return (
    await t.ok(
      `mutation($inputs: [ActivityInput!]!) { recordActivities(inputs: $inputs) { duplicates activities { id ` +
        `contactId type occurredAt points idempotencyKey } transitions { id contactId fromStage toStage trigger ` +
        `score occurredAt } } }`,
      { inputs },
    )
  ).recordActivities;
}
