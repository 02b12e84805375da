import { createContext, useCallback, useContext, useEffect, useRef, useState } from 'react';
import { ApiError, type RunQuery } from '../api/graphql.client';

export interface Api {
  run: RunQuery;
  /** Called when the API refuses the key: back to the login form. */
  signOut: (message?: string) => void;
}

export const ApiContext = createContext<Api | undefined>(undefined);

export function useApi(): Api {
  const api = useContext(ApiContext);
  if (!api) throw new Error('useApi outside ApiContext');
  return api;
}

/** How often views ask again, so new model versions and runs appear without a reload. */
export const POLL_MS = 5000;

export interface Polled<T> {
  data: T | undefined;
  error: string | undefined;
  /** True until the first answer (or error). */
  loading: boolean;
  refresh: () => void;
}

/**
 * Runs `load` now and again every POLL_MS while the page is visible, keeping the last answer
 * while the next is on its way. `deps` say when `load` asks something else (a new view): then the
 * old answer is dropped. An API error for the key signs out.
 */
export function usePolled<T>(
  load: (run: RunQuery) => Promise<T>,
  deps: readonly unknown[],
  pollMs: number = POLL_MS,
): Polled<T> {
  const api = useApi();
  const [state, setState] = useState<{ data?: T; error?: string; loading: boolean }>({
    loading: true,
  });
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const key = JSON.stringify(deps);

  useEffect(() => {
    setState({ loading: true });
  }, [key]);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const once = async () => {
      if (!document.hidden) {
        try {
          const data = await loadRef.current(api.run);
          if (!stopped) setState({ data, loading: false });
        } catch (e) {
          if (stopped) return;
          if (e instanceof ApiError && e.unauthenticated) {
            api.signOut(e.message);
            return;
          }
          setState((s) => ({ data: s.data, error: (e as Error).message, loading: false }));
        }
      }
      if (!stopped && pollMs > 0) timer = setTimeout(() => void once(), pollMs);
    };
    void once();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
    // `key` stands for `deps`; `tick` for a refresh asked for by the view.
  }, [api, key, tick, pollMs]);

  const refresh = useCallback(() => setTick((t) => t + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, refresh };
}
