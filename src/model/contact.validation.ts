/** Validation and normalisation of contact input (pure). */
import { badInput } from '../graphql/errors';

/** Writable contact fields, as services take them. */
export interface ContactData {
  email?: string;
  firstName?: string | null;
  lastName?: string | null;
  company?: string | null;
  jobTitle?: string | null;
  industry?: string | null;
  companySize?: number | null;
  country?: string | null;
  source?: string | null;
  ownerId?: string | null;
  partnerId?: string | null;
  attributes?: Record<string, unknown> | null;
}

const EMAIL =
  // The local part refuses control characters (\u0000-\u001f, \u007f): the range is the point here.
  // eslint-disable-next-line no-control-regex
  /^[^\s\u0000-\u001f\u007f@"(),:;<>[\\\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;
const STRING_FIELDS = [
  'firstName',
  'lastName',
  'company',
  'jobTitle',
  'industry',
  'country',
  'source',
  'ownerId',
] as const;
const MAX_ATTRIBUTES_BYTES = 16 * 1024;

/**
 * Normalises and checks an email; `field` names the input in errors. Emails
 * are compared case-insensitively but accent-sensitively (docs/api.md,
 * "Identifiers"): NFC, then lower-cased, then stored and compared exactly on
 * both stores, so `José@x` and `josé@x` are one contact, `jose@x` another.
 */
export function normaliseEmail(raw: string, field: string): string {
  const email = raw.normalize('NFC').trim().toLowerCase();
  if (email.length > 191 || !EMAIL.test(email))
    throw badInput(field, `"${raw.slice(0, 200)}" is not a valid email address`);
  return email;
}

/** Checks and trims every given field; returns only the fields present in the input. */
export function normaliseContact(input: ContactData, prefix = 'input'): ContactData {
  const out: ContactData = {};
  if (input.email !== undefined) {
    if (input.email === null) throw badInput(`${prefix}.email`, 'must not be null');
    out.email = normaliseEmail(input.email, `${prefix}.email`);
  }
  for (const f of STRING_FIELDS) {
    const v = input[f];
    if (v === undefined) continue;
    if (v === null) {
      out[f] = null;
      continue;
    }
    const t = v.trim();
    if (t.length > 191) throw badInput(`${prefix}.${f}`, 'must be at most 191 characters');
    out[f] = t === '' ? null : t;
  }
  if (input.companySize !== undefined) {
    if (input.companySize !== null && input.companySize < 0)
      throw badInput(`${prefix}.companySize`, 'must not be negative');
    out.companySize = input.companySize;
  }
  if (input.partnerId !== undefined) out.partnerId = input.partnerId;
  if (input.attributes !== undefined) {
    if (input.attributes !== null && Buffer.byteLength(JSON.stringify(input.attributes)) > MAX_ATTRIBUTES_BYTES) {
      throw badInput(`${prefix}.attributes`, 'must be at most 16 KiB of JSON');
    }
    out.attributes = input.attributes;
  }
  return out;
}
