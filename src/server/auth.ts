/** Turns an Authorization header (or graphql-ws init payload) into a Viewer. */
import { GraphQLError } from 'graphql';
import type { AccessService } from '../modules/access/access.service';
import type { Viewer } from '../modules/access/viewer';

/** Extracts the secret from `Bearer <secret>`; null when absent or malformed. */
export function bearerSecret(header: unknown): string | null {
  if (typeof header !== 'string') return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1] : null;
}

/** The viewer for a header, or an UNAUTHENTICATED error that Apollo sends with HTTP 401. */
export async function viewerFromHeader(access: AccessService, header: unknown): Promise<Viewer> {
  const secret = bearerSecret(header);
  const viewer = secret ? await access.authenticate(secret) : null;
  if (!viewer) {
    throw new GraphQLError(secret ? 'Unknown or revoked API key' : 'Missing API key: send Authorization: Bearer <secret>', {
      extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
    });
  }
  return viewer;
}
