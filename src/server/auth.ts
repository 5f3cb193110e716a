/** Turns an Authorization header (or graphql-ws init payload) into a Viewer. */
import { GraphQLError } from 'graphql';
import type { AccessService, Viewer } from '../modules/access';

/** Extracts the secret from `Bearer <secret>`; null when absent or malformed. */
export function bearerSecret(header: unknown): string | null {
  if (typeof header !== 'string') return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1] : null;
}

/** Why a graphql-ws connection was refused: sent as the 4401 close reason (at most 123 bytes). */
export type ConnectionAuth = { viewer: Viewer; reason?: undefined } | { viewer: null; reason: string };

/** A connectionParams entry by name in any case (Authorization, authorization, AUTHORIZATION), also under `headers`. */
function paramAnyCase(params: unknown, name: string): unknown {
  if (typeof params !== 'object' || params === null) return undefined;
  const record = params as Record<string, unknown>;
  const key = Object.keys(record).find((k) => k.toLowerCase() === name);
  return key !== undefined
    ? record[key]
    : name !== 'headers'
      ? paramAnyCase(paramAnyCase(params, 'headers'), name)
      : undefined;
}

/**
 * The viewer of a graphql-ws connection from its connectionParams: the
 * `authorization` entry, whatever its case, holding `Bearer <secret>`. When
 * refused, `reason` says what was missing.
 */
export async function viewerFromConnectionParams(access: AccessService, params: unknown): Promise<ConnectionAuth> {
  const header = paramAnyCase(params, 'authorization');
  if (header === undefined || header === null || header === '')
    return { viewer: null, reason: 'Missing API key: send connectionParams { authorization: "Bearer <secret>" }' };
  const secret = bearerSecret(header);
  if (!secret) return { viewer: null, reason: 'Malformed authorization: expected "Bearer <secret>"' };
  const viewer = await access.authenticate(secret);
  return viewer ? { viewer } : { viewer: null, reason: 'Unknown or revoked API key' };
}

/** The viewer for a header, or an UNAUTHENTICATED error that Apollo sends with HTTP 401. */
export async function viewerFromHeader(access: AccessService, header: unknown): Promise<Viewer> {
  const secret = bearerSecret(header);
  const viewer = secret ? await access.authenticate(secret) : null;
  if (!viewer) {
    throw new GraphQLError(
      secret ? 'Unknown or revoked API key' : 'Missing API key: send Authorization: Bearer <secret>',
      {
        extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
      },
    );
  }
  return viewer;
}
