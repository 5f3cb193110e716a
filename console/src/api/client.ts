/**
 * One urql client per signed-in key for queries and mutations over HTTP, and
 * graphql-ws for subscriptions on the same /graphql path. Both send the key as
 * `Authorization: Bearer`, as every API client does.
 */
import { Client, fetchExchange } from 'urql';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';

/** ws(s)://<this host>/graphql: the console is served by the service it talks to. */
export function wsUrl(): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
}

/**
 * The HTTP client. No document cache: screens show the store as it is now
 * (a promotion or another user's edit must show at the next look).
 */
export function createApiClient(secret: string): Client {
  return new Client({
    url: '/graphql',
    exchanges: [fetchExchange],
    requestPolicy: 'network-only',
    preferGetMethod: false,
    fetchOptions: () => ({ headers: { authorization: `Bearer ${secret}` } }),
  });
}

/**
 * A graphql-ws client that does not retry by itself: a resumable stream must
 * resubscribe with the cursor of the last event it saw, which graphql-ws's own
 * retry (it resends the first payload) cannot do. See useLiveStream.
 */
export function createStreamClient(
  secret: string,
  on: { connected?: () => void; closed?: (event: unknown) => void },
): WsClient {
  return createWsClient({
    url: wsUrl(),
    connectionParams: { authorization: `Bearer ${secret}` },
    lazy: true,
    retryAttempts: 0,
    on,
  });
}
