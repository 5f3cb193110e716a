/*
 * The API explorer's page (GraphiQL), bundled by esbuild at build time
 * (bundle.ts): everything it needs is served by this service, nothing comes
 * from a CDN, so it works offline. The API key typed here goes to HTTP
 * requests as `Authorization: Bearer <key>` and to graphql-ws as the same
 * connection parameter; it is kept in this browser's localStorage only.
 */
import React, { useMemo, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { createClient } from 'graphql-ws';
import 'graphiql/style.css';
import './explorer.css';

const STORAGE_KEY = 'lq-explorer-api-key';

const DEFAULT_QUERY = `# Paste an API key above (every request needs one, introspection included).
# The Docs button (book icon, left) browses the schema; subscriptions run over graphql-ws.
query HotLeads {
  contacts(first: 10, filter: { stages: [MQL, SQL] }, orderBy: { field: SCORE, direction: DESC }) {
    totalCount
    edges { node { id email score stage temperature owner { name } lastActivityAt } }
  }
}

# subscription Live {
#   contactChanged(filter: { stages: [MQL] }) { cursor changes contact { email score stage } }
# }
`;

function App() {
  const [draft, setDraft] = useState(() => localStorage.getItem(STORAGE_KEY) ?? '');
  const [key, setKey] = useState(draft);
  const fetcher = useMemo(() => {
    const auth = key ? { authorization: `Bearer ${key}` } : {};
    const url = `${location.origin}/graphql`;
    return createGraphiQLFetcher({
      url,
      headers: auth,
      wsClient: createClient({ url: url.replace(/^http/, 'ws'), connectionParams: auth, lazy: true, retryAttempts: 3 }),
    });
  }, [key]);
  const save = (event) => {
    event.preventDefault();
    const value = draft.trim().replace(/^Bearer\s+/i, '');
    localStorage.setItem(STORAGE_KEY, value);
    setKey(value);
  };
  return (
    <div className="lq-explorer">
      <form className="lq-key" onSubmit={save}>
        <label htmlFor="lq-api-key">API key</label>
        <input
          id="lq-api-key"
          name="apiKey"
          type="password"
          autoComplete="off"
          placeholder="lq_… (the secret createApiKey returned, or ADMIN_API_KEY)"
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
        />
        <button type="submit">Use key</button>
        <span className="lq-key-state" data-testid="key-state">
          {key
            ? 'Key set: sent as Authorization: Bearer …, and to subscriptions'
            : 'No key: every request, introspection included, is refused until you set one'}
        </span>
      </form>
      <div className="lq-graphiql">
        <GraphiQL key={key} fetcher={fetcher} defaultQuery={DEFAULT_QUERY} isHeadersEditorEnabled={true} />
      </div>
    </div>
  );
}

createRoot(document.getElementById('explorer')).render(<App />);
