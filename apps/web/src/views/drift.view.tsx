import { nodesOf } from '../api/graphql.client';
import { count, when } from '../format';
import { loadMap } from '../map/map.data';
import { SystemMap } from '../map/system-map';
import { buildSystemGraph, mergeGraphs } from '../map/system.graph';
import { hrefOf } from '../router';
import { usePolled } from '../ui/api.context';
import { Badge, Polled } from '../ui/common';
import { Legend } from './map.view';

interface VersionNode {
  version: number;
  createdAt: string;
  counts: { services: number; endpoints: number; edges: number; behaviours: number; rules: number };
  diff: { changes: { kind: string }[] } | null;
}

const VERSIONS_QUERY = `{ modelVersions(first: 50) { edges { node { version createdAt
  counts { services endpoints edges behaviours rules } diff { changes { kind } } } } } }`;

/** Model versions on a timeline; the diff between any two, listed and drawn on the map. */
export function DriftView({ from, to }: { from?: number; to?: number }) {
  const state = usePolled(
    (run) => run<{ modelVersions: { edges: { node: VersionNode }[] } }>(VERSIONS_QUERY),
    [],
  );
  return (
    <section aria-labelledby="drift-heading">
      <h1 id="drift-heading">Drift</h1>
      <Polled state={state} what="the model versions">
        {(d) => {
          const versions = nodesOf(d.modelVersions).slice().reverse();
          if (versions.length === 0) return <p className="muted">No model version yet.</p>;
          const newest = versions[versions.length - 1].version;
          const b = to ?? newest;
          const a =
            from ?? versions[Math.max(0, versions.findIndex((v) => v.version === b) - 1)].version;
          return (
            <>
              <Timeline versions={versions} from={a} to={b} />
              <div className="toolbar">
                <VersionPicker
                  label="From version"
                  id="drift-from"
                  value={a}
                  versions={versions}
                  other={{ to: b }}
                  side="from"
                />
                <VersionPicker
                  label="To version"
                  id="drift-to"
                  value={b}
                  versions={versions}
                  other={{ from: a }}
                  side="to"
                />
              </div>
              {a === b ? (
                <p className="muted">Pick two different versions to compare.</p>
              ) : (
                <Diff from={a} to={b} />
              )}
            </>
          );
        }}
      </Polled>
    </section>
  );
}

function Timeline({ versions, from, to }: { versions: VersionNode[]; from: number; to: number }) {
  const times = versions.map((v) => new Date(`${v.createdAt.replace(' ', 'T')}Z`).getTime());
  const first = Math.min(...times);
  const last = Math.max(...times);
  const span = last - first || 1;
  return (
    <ol className="timeline" aria-label="Model versions, oldest first" data-testid="timeline">
      {versions.map((v, i) => {
        const changes = v.diff?.changes.length ?? 0;
        const chosen = v.version === from || v.version === to;
        return (
          <li
            key={v.version}
            className={`timeline-item${chosen ? ' chosen' : ''}`}
            style={{
              left: `${versions.length === 1 ? 50 : ((times[i] - first) / span) * 84 + 8}%`,
            }}
          >
            <a
              href={hrefOf({
                view: 'drift',
                from: versions[i - 1]?.version ?? v.version,
                to: v.version,
              })}
              aria-current={v.version === to ? 'true' : undefined}
            >
              v{v.version}
            </a>
            <span className="muted small">
              {when(v.createdAt)} ·{' '}
              {v.diff ? `${changes} change${changes === 1 ? '' : 's'}` : 'first'}
            </span>
          </li>
        );
      })}
    </ol>
  );
}

function VersionPicker({
  label,
  id,
  value,
  versions,
  other,
  side,
}: {
  label: string;
  id: string;
  value: number;
  versions: VersionNode[];
  other: { from?: number; to?: number };
  side: 'from' | 'to';
}) {
  return (
    <>
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        value={value}
        onChange={(e) => {
          window.location.hash = hrefOf({
            view: 'drift',
            ...other,
            [side]: Number(e.target.value),
          });
        }}
      >
        {versions.map((v) => (
          <option key={v.version} value={v.version}>
            v{v.version} ({count(v.counts.endpoints)} endpoints, {count(v.counts.edges)} edges)
          </option>
        ))}
      </select>
    </>
  );
}

interface DiffAnswer {
  modelDiff: { changes: { kind: string; summary: string }[] };
}

const TONE: Record<string, string> = { ADDED: 'pass', REMOVED: 'fail', CHANGED: 'warn' };

function Diff({ from, to }: { from: number; to: number }) {
  const state = usePolled(
    async (run) => {
      const [diff, before, after] = await Promise.all([
        run<DiffAnswer>(
          'query Diff($from: Int!, $to: Int!) { modelDiff(from: $from, to: $to) { changes { kind summary } } }',
          { from, to },
        ),
        loadMap(run, from),
        loadMap(run, to),
      ]);
      return { changes: diff.modelDiff.changes, before, after };
    },
    [from, to],
    0,
  );
  return (
    <Polled state={state} what="the diff">
      {({ changes, before, after }) => {
        const graph = mergeGraphs(buildSystemGraph(before.model), buildSystemGraph(after.model));
        return (
          <>
            <h2>
              From v{from} to v{to}: {changes.length} change{changes.length === 1 ? '' : 's'}
            </h2>
            {changes.length === 0 ? (
              <p className="muted">The two versions have the same structure.</p>
            ) : (
              <ul className="changes" data-testid="changes">
                {changes.map((c) => {
                  const verb = c.kind.slice(c.kind.lastIndexOf('_') + 1);
                  return (
                    <li key={c.summary}>
                      <Badge tone={TONE[verb] ?? 'info'}>{verb.toLowerCase()}</Badge> {c.summary}
                    </li>
                  );
                })}
              </ul>
            )}
            <Legend drift />
            <SystemMap graph={graph} title={`Changes from model v${from} to v${to}`} />
          </>
        );
      }}
    </Polled>
  );
}
