/** Keys (ADMIN): create (the secret is shown once), list, revoke. */
import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { describeError, type Problem } from '../api/errors';
import type { Role } from '../api/roles';
import { ErrorText, HeadRow, RowProblem, useRowAction, when } from '../components/bits';

const KEYS = 'query Keys { apiKeys { id name role partnerId createdAt lastUsedAt revokedAt } partners { id name } }';
const CREATE =
  'mutation CreateKey($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret apiKey { id name role } } }';
const REVOKE = 'mutation Revoke($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }';
const ROLES: Role[] = ['VIEWER', 'MARKETING', 'SALES', 'PARTNER', 'ADMIN'];

interface Key {
  id: string;
  name: string;
  role: Role;
  partnerId: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export function Keys() {
  const [{ data, error }, refetch] = useQuery<{ apiKeys: Key[]; partners: { id: string; name: string }[] }>({
    query: KEYS,
  });
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('VIEWER');
  const [partnerId, setPartnerId] = useState('');
  const [created, setCreated] = useState<{ name: string; secret: string } | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [{ fetching }, create] = useMutation(CREATE);
  const [, revoke] = useMutation(REVOKE);
  const reload = () => refetch({ requestPolicy: 'network-only' });
  const partnerName = new Map(data?.partners.map((p) => [p.id, p.name]));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const r = await create({ input: { name, role, partnerId: role === 'PARTNER' ? partnerId || null : null } });
    const p = describeError(r.error);
    setProblem(p);
    if (r.data) {
      setCreated({ name: r.data.createApiKey.apiKey.name, secret: r.data.createApiKey.secret });
      setName('');
      reload();
    }
  };
  const revokeKey = useRowAction<Key>(
    async (k) =>
      window.confirm(`Revoke “${k.name}”? Clients using it stop working at once.`) ? revoke({ id: k.id }) : null,
    reload,
  );

  return (
    <section aria-labelledby="keys-title">
      <h1 id="keys-title">API keys</h1>
      <ErrorText problem={describeError(error)} />
      <form className="card toolbar" onSubmit={submit} aria-label="Create an API key">
        <label>
          Name
          <input
            value={name}
            onChange={(e) => setName(e.target.value)}
            required
            aria-invalid={problem?.field === 'input.name' ? true : undefined}
            aria-describedby="key-error"
          />
        </label>
        <label>
          Role
          <select value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {ROLES.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </label>
        {role === 'PARTNER' && (
          <label>
            Partner
            <select
              value={partnerId}
              onChange={(e) => setPartnerId(e.target.value)}
              required
              aria-describedby="key-error"
            >
              <option value="">Choose a partner</option>
              {data?.partners.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </select>
          </label>
        )}
        <button type="submit" disabled={fetching}>
          Create key
        </button>
      </form>
      <ErrorText problem={problem} id="key-error" />
      {created && <ShownOnce created={created} onDone={() => setCreated(null)} />}
      <KeyTable
        keys={data?.apiKeys ?? []}
        partnerName={partnerName}
        onRevoke={revokeKey.run}
        problem={revokeKey.problem}
      />
    </section>
  );
}

function KeyTable({
  keys,
  partnerName,
  onRevoke,
  problem,
}: {
  keys: Key[];
  partnerName: Map<string, string>;
  onRevoke: (k: Key) => void;
  problem: { id: string; message: string } | null;
}) {
  return (
    <table className="card" aria-label="API keys">
      <HeadRow cols={['Name', 'Role', 'Created', 'Last used', 'State', 'Actions']} />
      <tbody>
        {keys.map((k) => (
          <tr key={k.id} data-key={k.name}>
            <th scope="row">{k.name}</th>
            <td>
              {k.role}
              {k.partnerId ? ` (${partnerName.get(k.partnerId) ?? k.partnerId})` : ''}
            </td>
            <td>{when(k.createdAt)}</td>
            <td>{k.lastUsedAt ? when(k.lastUsedAt) : 'never'}</td>
            <td>{k.revokedAt ? `revoked ${when(k.revokedAt)}` : 'active'}</td>
            <td>
              {!k.revokedAt && (
                <button type="button" onClick={() => onRevoke(k)} aria-label={`Revoke ${k.name}`}>
                  Revoke
                </button>
              )}
              <RowProblem id={k.id} problem={problem} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A new key's secret, shown this once. */
function ShownOnce({ created, onDone }: { created: { name: string; secret: string }; onDone: () => void }) {
  return (
    <div className="card secret" role="status">
      <p>Secret of “{created.name}”, shown this once (only its hash is stored). Copy it now:</p>
      <label htmlFor="new-secret">Secret</label>
      <input id="new-secret" readOnly value={created.secret} onFocus={(e) => e.target.select()} />
      <button type="button" className="secondary" onClick={onDone}>
        I have copied it
      </button>
    </div>
  );
}
