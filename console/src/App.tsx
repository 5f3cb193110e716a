/** Sign-in, then the screens the key's role may use. */
import { useEffect, useMemo, useState } from 'react';
import { Provider, type Client } from 'urql';
import { createApiClient } from './api/client';
import { storedKey, storeKey } from './api/session';
import { ROLE_SUMMARY, screensFor, type ScreenId, type Viewer } from './api/roles';
import { describeError, type Problem } from './api/errors';
import { href, useRoute } from './router';
import { SignIn } from './screens/SignIn';
import { Funnel } from './screens/Funnel';
import { Live } from './screens/Live';
import { Contacts } from './screens/Contacts';
import { ContactScreen } from './screens/Contact';
import { Rules } from './screens/Rules';
import { Partner } from './screens/Partner';
import { Keys } from './screens/Keys';

const VIEWER_QUERY = 'query Viewer { viewer { id name role partnerId } }';

interface Session {
  secret: string;
  client: Client;
  viewer: Viewer;
}

/** Checks a key against the API; resolves the session or the problem to show beside the key field. */
async function signIn(secret: string): Promise<Session | Problem> {
  const client = createApiClient(secret);
  const result = await client.query<{ viewer: Viewer | null }>(VIEWER_QUERY, {}).toPromise();
  const problem = describeError(result.error);
  if (problem) return problem;
  if (!result.data?.viewer) return { message: 'The service did not accept this API key.' };
  return { secret, client, viewer: result.data.viewer };
}

export function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [restoring, setRestoring] = useState(() => storedKey() !== null);
  const [problem, setProblem] = useState<Problem | null>(null);

  useEffect(() => {
    const secret = storedKey();
    if (!secret) return;
    signIn(secret).then((r) => {
      if ('viewer' in r) setSession(r);
      else storeKey(null);
      setRestoring(false);
    });
  }, []);

  const submit = async (secret: string) => {
    const r = await signIn(secret);
    if ('viewer' in r) {
      storeKey(secret);
      setProblem(null);
      setSession(r);
    } else setProblem(r);
  };
  const signOut = () => {
    storeKey(null);
    setSession(null);
    location.hash = '';
  };

  if (restoring)
    return (
      <main className="center" aria-busy="true">
        Signing in…
      </main>
    );
  if (!session) return <SignIn onSubmit={submit} problem={problem} />;
  return (
    <Provider value={session.client}>
      <Shell session={session} onSignOut={signOut} />
    </Provider>
  );
}

function Shell({ session, onSignOut }: { session: Session; onSignOut: () => void }) {
  const { viewer } = session;
  const screens = useMemo(() => screensFor(viewer.role), [viewer.role]);
  const [first = screens[0].id, id] = useRoute();
  const allowed = screens.some((s) => s.id === first) || (first === 'contact' && id !== undefined);
  const current = (allowed ? first : screens[0].id) as ScreenId | 'contact';

  useEffect(() => {
    document.title = `${screens.find((s) => s.id === current)?.label ?? 'Contact'} · Lead console`;
  }, [current, screens]);

  return (
    <div className="shell">
      <header className="top">
        <span className="brand">Lead console</span>
        <nav aria-label="Screens">
          <ul>
            {screens.map((s) => (
              <li key={s.id}>
                <a href={href(s.id)} aria-current={current === s.id ? 'page' : undefined}>
                  {s.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div className="who">
          <span>
            {viewer.name} · <strong>{viewer.role}</strong>
          </span>
          <button type="button" className="link" onClick={onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      <p className="role-summary">{ROLE_SUMMARY[viewer.role]}</p>
      {!allowed && first && (
        <p role="alert" className="error">
          Your key's role ({viewer.role}) cannot open “{first}”; showing {screens[0].label} instead.
        </p>
      )}
      <main>
        {current === 'funnel' && <Funnel role={viewer.role} />}
        {current === 'live' && <Live secret={session.secret} />}
        {current === 'contacts' && <Contacts />}
        {current === 'contact' && <ContactScreen id={id!} role={viewer.role} />}
        {current === 'rules' && <Rules />}
        {current === 'partner' && <Partner />}
        {current === 'keys' && <Keys />}
      </main>
    </div>
  );
}
