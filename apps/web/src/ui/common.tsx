import type { ReactNode } from 'react';

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" role="status">
      Loading {what}…
    </p>
  );
}

export function ErrorNote({ error }: { error: string }) {
  return (
    <p className="error" role="alert">
      {error}
    </p>
  );
}

/** The usual three states of polled data. */
export function Polled<T>({
  state,
  what,
  children,
}: {
  state: { data: T | undefined; error: string | undefined; loading: boolean };
  what: string;
  children: (data: T) => ReactNode;
}) {
  if (state.data !== undefined)
    return (
      <>
        {state.error ? <ErrorNote error={`could not refresh ${what}: ${state.error}`} /> : null}
        {children(state.data)}
      </>
    );
  if (state.error) return <ErrorNote error={`could not load ${what}: ${state.error}`} />;
  return <Loading what={what} />;
}

export function Badge({ tone, children }: { tone: string; children: ReactNode }) {
  return <span className={`badge badge-${tone}`}>{children}</span>;
}

export function PassFail({ passed }: { passed: boolean }) {
  return passed ? <Badge tone="pass">passed</Badge> : <Badge tone="fail">failed</Badge>;
}

/** A small line chart of a series (oldest first), labelled for screen readers. */
export function Sparkline({ values, label }: { values: number[]; label: string }) {
  const w = 80;
  const h = 20;
  if (values.length === 0) return null;
  const max = Math.max(...values);
  const min = Math.min(...values);
  const span = max - min || 1;
  const points = values
    .map((v, i) => {
      const x = values.length === 1 ? w / 2 : (i / (values.length - 1)) * (w - 4) + 2;
      const y = h - 2 - ((v - min) / span) * (h - 4);
      return `${x.toFixed(1)},${y.toFixed(1)}`;
    })
    .join(' ');
  return (
    <svg className="sparkline" width={w} height={h} role="img" aria-label={label}>
      <title>{label}</title>
      <polyline points={points} fill="none" />
    </svg>
  );
}
