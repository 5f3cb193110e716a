/** Checks of activity input (pure): the contract's Activities rules. */
import { badInput } from '../../graphql/errors';

/** One activity as recordActivity/recordActivities take it. */
export interface ActivityData {
  contactId?: string | null;
  contactEmail?: string | null;
  type: string;
  occurredAt?: Date | null;
  properties?: Record<string, unknown> | null;
  idempotencyKey?: string | null;
}

export const ACTIVITY_TYPE = /^[a-z][a-z0-9_]{0,63}$/;
export const MAX_FUTURE_MS = 5 * 60_000;
export const MAX_PROPERTIES_BYTES = 16 * 1024;
export const MAX_BATCH = 1000;

/** An input that passed: the occurredAt to use, and its properties as the JSON that was measured (null when none). */
export interface ValidActivity {
  occurredAt: Date;
  propertiesJson: string | null;
}

/** Validates one input; `prefix` names it in errors (e.g. `inputs[3]`). */
export function validateActivity(input: ActivityData, prefix: string, now: Date): ValidActivity {
  const byId = input.contactId != null && input.contactId !== '';
  const byEmail = input.contactEmail != null && input.contactEmail !== '';
  if (byId === byEmail) throw badInput(`${prefix}.contactId`, 'give exactly one of contactId or contactEmail');
  if (!ACTIVITY_TYPE.test(input.type))
    throw badInput(
      `${prefix}.type`,
      `"${String(input.type).slice(0, 80)}" must match ^[a-z][a-z0-9_]{0,63}$ (lower snake case)`,
    );
  const occurredAt = input.occurredAt ?? now;
  if (occurredAt.getTime() > now.getTime() + MAX_FUTURE_MS)
    throw badInput(`${prefix}.occurredAt`, 'must be at most 5 minutes in the future');
  if (occurredAt.getTime() < Date.UTC(1970, 0, 1)) throw badInput(`${prefix}.occurredAt`, 'must be after 1970-01-01');
  const propertiesJson = input.properties != null ? JSON.stringify(input.properties) : null;
  if (propertiesJson !== null && Buffer.byteLength(propertiesJson) > MAX_PROPERTIES_BYTES) {
    throw badInput(`${prefix}.properties`, 'must be at most 16 KiB of JSON');
  }
  if (input.idempotencyKey != null) {
    if (input.idempotencyKey === '') throw badInput(`${prefix}.idempotencyKey`, 'must not be empty');
    if (input.idempotencyKey.length > 191) throw badInput(`${prefix}.idempotencyKey`, 'must be at most 191 characters');
  }
  return { occurredAt: new Date(Math.floor(occurredAt.getTime())), propertiesJson };
}
