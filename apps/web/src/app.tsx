import { type FormEvent, useCallback, useEffect, useMemo, useState } from 'react';
import { type ApiSettings, ApiError, graphqlClient } from './api/graphql.client';
import { hrefOf, parseRoute, type Route } from './router';
import { type Api, ApiContext, usePolled } from './ui/api.context';
import { DriftView } from './views/drift.view';
import { EndpointView } from './views/endpoint.view';
import { EntityView } from './views/entity.view';
import { MapView } from './views/map.view';
import { RunsView } from './views/runs.view';
import { TestsView } from './views/tests.view';

/** The key lives for the browser tab's session only (sessionStorage), never in the URL. */
const KEY_STORAGE = 't2t-api-key';

function useRoute(): Route {
  const [hash, setHash] = useState(() => window.location.hash);
  useEffect(() => {
    const onChange = () => setHash(window.location.hash);
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return useMemo(() => parseRoute(hash), [hash]);
}

export function App({ settings }: { settings: ApiSettings }) {
  const [key, setKey] = useState<string | undefined>(
    () => sessionStorage.getItem(KEY_STORAGE) ?? undefined,
  );
  const [notice, setNotice] = useState<string | undefined>();
  const signOut = useCallback((message?: string) => {
    sessionStorage.removeItem(KEY_STORAGE);
    setKey(undefined);
    setNotice(message);
  }, []);
  const api = useMemo<Api>(
    () => ({ run: graphqlClient(settings, key), signOut }),
    [settings, key, signOut],
  );

  if (settings.auth === 'api-key' && !key) {
    return (
      <Login
        settings={settings}
        notice={notice}
        onKey={(k) => {
          sessionStorage.setItem(KEY_STORAGE, k);
          setNotice(undefined);
          setKey(k);
        }}
      />
    );
  }
  return (
    <ApiContext.Provider value={api}>
      <Shell signedIn={settings.auth === 'api-key'} onSignOut={() => signOut()} />
    </ApiContext.Provider>
  );
}

function Login({
  settings,
  notice,
  onKey,
}: {
  settings: ApiSettings;
  notice?: string;
  onKey: (key: string) => void;
}) {
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | undefined>(notice);
  const [checking, setChecking] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const key = value.trim();
    if (!key) return;
    setChecking(true);
    try {
      // Any query proves the key: the server authenticates before it parses the operation.
      await graphqlClient(settings, key)('{ __typename }');
      onKey(key);
    } catch (err) {
      setError(
        err instanceof ApiError && err.unauthenticated
          ? 'That API key was refused.'
          : (err as Error).message,
      );
    } finally {
      setChecking(false);
    }
  };
  return (
    <main className="login">
      <h1>trace2test</h1>
      <form onSubmit={(e) => void submit(e)}>
        <label htmlFor="api-key">API key</label>
        <p className="muted" id="api-key-help">
          One of the server’s <code>GRAPHQL_API_KEYS</code>. Kept for this browser tab only.
        </p>
        <input
          id="api-key"
          type="password"
          autoComplete="off"
          aria-describedby="api-key-help"
          value={value}
          onChange={(e) => setValue(e.target.value)}
        />
        <button type="submit" disabled={checking}>
          {checking ? 'Checking…' : 'Sign in'}
        </button>
        {error ? (
          <p className="error" role="alert">
            {error}
          </p>
        ) : null}
      </form>
    </main>
  );
}

const NAV: { view: Route['view']; label: string; route: Route }[] = [
  { view: 'map', label: 'System map', route: { view: 'map' } },
  { view: 'tests', label: 'Tests', route: { view: 'tests' } },
  { view: 'runs', label: 'Runs', route: { view: 'runs' } },
  { view: 'drift', label: 'Drift', route: { view: 'drift' } },
];

function Shell({ signedIn, onSignOut }: { signedIn: boolean; onSignOut: () => void }) {
  const route = useRoute();
  const latest = usePolled(
    (run) =>
      run<{ modelVersions: { edges: { node: { version: number; createdAt: string } }[] } }>(
        '{ modelVersions(first: 1) { edges { node { version createdAt } } } }',
      ),
    [],
  );
  const version = latest.data?.modelVersions.edges[0]?.node.version;
  const current = route.view === 'endpoint' || route.view === 'entity' ? 'map' : route.view;
  return (
    <>
      <header className="top">
        <a className="brand" href="#/map">
          trace2test
        </a>
        <nav aria-label="Views">
          <ul>
            {NAV.map((n) => (
              <li key={n.view}>
                <a href={hrefOf(n.route)} aria-current={current === n.view ? 'page' : undefined}>
                  {n.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <span className="model-badge" data-testid="model-version" aria-live="polite">
          {version === undefined ? 'no model yet' : `model v${version}`}
        </span>
        {signedIn ? (
          <button type="button" className="link-button" onClick={onSignOut}>
            Sign out
          </button>
        ) : null}
      </header>
      <main className="content">
        <View route={route} />
      </main>
    </>
  );
}

function View({ route }: { route: Route }) {
  switch (route.view) {
    case 'map':
      return <MapView service={route.service} />;
    case 'endpoint':
      return <EndpointView endpoint={route.key} behaviour={route.behaviour} />;
    case 'entity':
      return <EntityView kind={route.kind} name={route.name} />;
    case 'tests':
      return <TestsView endpoint={route.endpoint} test={route.test} />;
    case 'runs':
      return <RunsView run={route.run} />;
    case 'drift':
      return <DriftView from={route.from} to={route.to} />;
  }
}
