/** Paste an API key; it is kept for this tab only. */
import { useState, type FormEvent } from 'react';
import type { Problem } from '../api/errors';

export function SignIn({
  onSubmit,
  problem,
}: {
  onSubmit: (secret: string) => Promise<void>;
  problem: Problem | null;
}) {
  const [secret, setSecret] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    await onSubmit(secret.trim());
    setBusy(false);
  };
  return (
    <main className="center">
      <form className="card signin" onSubmit={submit} aria-labelledby="signin-title">
        <h1 id="signin-title">Lead console</h1>
        <p>Paste an API key. It is kept in this tab only and sent to this service alone.</p>
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          type="password"
          autoComplete="off"
          value={secret}
          onChange={(e) => setSecret(e.target.value)}
          aria-invalid={problem ? true : undefined}
          aria-describedby={problem ? 'api-key-error' : undefined}
          required
        />
        {problem && (
          <p id="api-key-error" role="alert" className="error">
            {problem.message}
          </p>
        )}
        <button type="submit" disabled={busy || secret.trim() === ''}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
