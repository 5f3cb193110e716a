/**
 * Standard Webhooks signing (https://www.standardwebhooks.com) through the
 * `standardwebhooks` package: `webhook-id`, `webhook-timestamp` and
 * `webhook-signature: v1,<base64 HMAC-SHA256>`. While a rotated-out secret is
 * still valid, the header carries both signatures, space-separated, so a
 * receiver verifies with either secret.
 */
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/** A new signing secret in the Standard Webhooks format: `whsec_` + base64 of 24 random bytes. */
export function newSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

/** The three Standard Webhooks headers for one message. */
export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

const signers = new Map<string, Webhook>();

/** A signer per secret, built once (it decodes the key). */
function signer(secret: string): Webhook {
  let s = signers.get(secret);
  if (!s) {
    if (signers.size >= 10_000) signers.clear();
    signers.set(secret, (s = new Webhook(secret)));
  }
  return s;
}

/** Signs `payload` sent as message `id` at `at` with every secret given (current first). */
export function signHeaders(id: string, at: Date, payload: string, secrets: string[]): SignedHeaders {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': secrets.map((secret) => signer(secret).sign(id, at, payload)).join(' '),
  };
}
