import { nodesOf } from '../api/graphql.client';
import { counterExamples, measuredOn, type RuleMeasurement } from '../endpoint/rule.evidence';
import { count, msOfUs, operationOf, percent, serviceOf, shortHash } from '../format';
import { hrefOf } from '../router';
import { usePolled } from '../ui/api.context';
import { Polled, Sparkline } from '../ui/common';
import { TraceWaterfall, WATERFALL_SPAN_FIELDS } from '../waterfall/waterfall';
import type { WaterfallSpan } from '../waterfall/waterfall.geometry';

interface Stats {
  share: number;
  traces: number;
  errorRate: number;
  p50Us: number;
  p95Us: number;
}

interface BehaviourNode extends Stats {
  fingerprint: string;
  representativeTraceId: string | null;
  current: Stats | null;
}

interface RuleNode {
  at: string;
  condition: string;
  effect: string;
  support: number;
  confidence: number;
  falseRate: number;
  measured: RuleMeasurement | null;
}

type Conn<T> = { edges: { node: T }[] };

interface EndpointAnswer {
  modelVersion: {
    version: number;
    endpoints: Conn<{ key: string; kind: string; entry: boolean; traces: number }>;
    behaviours: Conn<BehaviourNode>;
    rules: Conn<RuleNode>;
  };
  modelVersions: Conn<{ version: number; behaviours: Conn<Stats & { fingerprint: string }> }>;
}

const ENDPOINT_QUERY = `query Endpoint($key: String!, $service: String!) {
  modelVersion {
    version
    endpoints(service: $service, first: 100) { edges { node { key kind entry traces } } }
    behaviours(endpoint: $key, first: 50) { edges { node {
      fingerprint share traces errorRate p50Us p95Us representativeTraceId
      current { share traces errorRate p50Us p95Us } } } }
    rules(endpoint: $key, first: 50) { edges { node {
      at condition effect support confidence falseRate
      measured { basis behaviours { fingerprint effect traces holds } } } } }
  }
  modelVersions(first: 10) { edges { node { version
    behaviours(endpoint: $key, first: 20) { edges { node { fingerprint share traces errorRate p50Us p95Us } } } } } }
}`;

/** One endpoint: its behaviours with their statistics and history, a waterfall, its rules. */
export function EndpointView({ endpoint, behaviour }: { endpoint: string; behaviour?: string }) {
  const state = usePolled(
    (run) => run<EndpointAnswer>(ENDPOINT_QUERY, { key: endpoint, service: serviceOf(endpoint) }),
    [endpoint],
  );
  return (
    <section aria-labelledby="endpoint-heading">
      <p>
        <a href={hrefOf({ view: 'map', service: serviceOf(endpoint) })}>
          ← {serviceOf(endpoint)} on the map
        </a>
      </p>
      <h1 id="endpoint-heading">
        <span className="muted">{serviceOf(endpoint)}</span> {operationOf(endpoint)}
      </h1>
      <Polled state={state} what="the endpoint">
        {(d) => {
          const info = nodesOf(d.modelVersion.endpoints).find((e) => e.key === endpoint);
          if (!info)
            return (
              <p className="error" role="alert">
                Model v{d.modelVersion.version} has no endpoint {endpoint}.
              </p>
            );
          const behaviours = nodesOf(d.modelVersion.behaviours);
          const rules = nodesOf(d.modelVersion.rules);
          const history = nodesOf(d.modelVersions)
            .slice()
            .reverse()
            .map((v) => ({ version: v.version, behaviours: nodesOf(v.behaviours) }));
          const selected = behaviours.find((b) => b.fingerprint === behaviour) ?? behaviours[0];
          return (
            <>
              <p className="summary">
                {info.kind.toLowerCase()} endpoint{info.entry ? ', entry' : ''} ·{' '}
                {count(info.traces)} traces in model v{d.modelVersion.version} ·{' '}
                <a href={hrefOf({ view: 'tests', endpoint })}>tests of this endpoint</a>
              </p>
              {info.entry ? null : (
                <p className="muted">
                  Not an entry endpoint: behaviours and rules belong to the endpoints whose traces
                  reach it.
                </p>
              )}
              {behaviours.length > 0 ? (
                <BehaviourTable
                  endpoint={endpoint}
                  behaviours={behaviours}
                  history={history}
                  selected={selected?.fingerprint}
                />
              ) : null}
              {selected ? <Representative endpoint={endpoint} behaviour={selected} /> : null}
              <RuleList rules={rules} />
            </>
          );
        }}
      </Polled>
    </section>
  );
}

function BehaviourTable({
  endpoint,
  behaviours,
  history,
  selected,
}: {
  endpoint: string;
  behaviours: BehaviourNode[];
  history: { version: number; behaviours: (Stats & { fingerprint: string })[] }[];
  selected?: string;
}) {
  const series = (fp: string, pick: (s: Stats) => number) =>
    history.flatMap((h) => {
      const b = h.behaviours.find((x) => x.fingerprint === fp);
      return b ? [pick(b)] : [];
    });
  return (
    <table data-testid="behaviours">
      <caption>
        Behaviours ({behaviours.length}): model figures, and now (last 24 h) where they differ
      </caption>
      <thead>
        <tr>
          <th scope="col">Behaviour</th>
          <th scope="col">Share</th>
          <th scope="col">Traces</th>
          <th scope="col">Error rate</th>
          <th scope="col">p50</th>
          <th scope="col">p95</th>
          <th scope="col">p95 over versions</th>
        </tr>
      </thead>
      <tbody>
        {behaviours.map((b) => {
          const p95s = series(b.fingerprint, (s) => s.p95Us);
          return (
            <tr key={b.fingerprint} className={b.fingerprint === selected ? 'selected' : undefined}>
              <th scope="row">
                <a
                  href={hrefOf({ view: 'endpoint', key: endpoint, behaviour: b.fingerprint })}
                  aria-current={b.fingerprint === selected ? 'true' : undefined}
                >
                  {shortHash(b.fingerprint)}
                </a>
              </th>
              <td>
                {percent(b.share)}
                <Now value={b.current?.share} show={percent} base={b.share} />
              </td>
              <td>
                {count(b.traces)}
                <Now value={b.current?.traces} show={count} base={b.traces} />
              </td>
              <td>
                {percent(b.errorRate)}
                <Now value={b.current?.errorRate} show={percent} base={b.errorRate} />
              </td>
              <td>
                {msOfUs(b.p50Us)}
                <Now value={b.current?.p50Us} show={msOfUs} base={b.p50Us} />
              </td>
              <td>
                {msOfUs(b.p95Us)}
                <Now value={b.current?.p95Us} show={msOfUs} base={b.p95Us} />
              </td>
              <td>
                <Sparkline
                  values={p95s}
                  label={`p95 of behaviour ${shortHash(b.fingerprint)} over ${p95s.length} model version(s): ${p95s.map(msOfUs).join(', ')}`}
                />
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function Now({
  value,
  base,
  show,
}: {
  value: number | undefined;
  base: number;
  show: (n: number) => string;
}) {
  if (value === undefined || show(value) === show(base)) return null;
  return <span className="now"> (now {show(value)})</span>;
}

function Representative({ endpoint, behaviour }: { endpoint: string; behaviour: BehaviourNode }) {
  const traceId = behaviour.representativeTraceId;
  const state = usePolled(
    async (run) =>
      traceId
        ? run<{ trace: { spans: WaterfallSpan[] } | null }>(
            `query Trace($id: String!) { trace(id: $id) { spans { ${WATERFALL_SPAN_FIELDS} } } }`,
            { id: traceId },
          )
        : { trace: null },
    [traceId],
    0,
  );
  return (
    <section aria-labelledby="representative-heading">
      <h2 id="representative-heading">
        Representative trace of behaviour {shortHash(behaviour.fingerprint)}
      </h2>
      {traceId ? (
        <Polled state={state} what="the trace">
          {(d) =>
            d.trace ? (
              <TraceWaterfall spans={d.trace.spans} label={`Trace ${traceId} of ${endpoint}`} />
            ) : (
              <p className="muted">Trace {traceId} is no longer stored.</p>
            )
          }
        </Polled>
      ) : (
        <p className="muted">No representative trace recorded.</p>
      )}
    </section>
  );
}

function RuleList({ rules }: { rules: RuleNode[] }) {
  return (
    <section aria-labelledby="rules-heading">
      <h2 id="rules-heading">Branch rules ({rules.length})</h2>
      {rules.length === 0 ? (
        <p className="muted">No rule decides between this endpoint’s behaviours.</p>
      ) : (
        <table data-testid="rules">
          <thead>
            <tr>
              <th scope="col">Rule</th>
              <th scope="col">Decided at</th>
              <th scope="col">Support</th>
              <th scope="col">Confidence</th>
              <th scope="col">False rate</th>
              <th scope="col">Counter-examples</th>
            </tr>
          </thead>
          <tbody>
            {rules.map((r) => {
              const against = counterExamples(r.measured);
              return (
                <tr key={`${r.at} ${r.effect}`}>
                  <td>
                    <strong>{r.effect}</strong> only if <code className="rule">{r.condition}</code>
                    <div className="muted small">measured on {measuredOn(r.measured)}</div>
                  </td>
                  <td>
                    <a href={hrefOf({ view: 'endpoint', key: r.at })}>{r.at}</a>
                  </td>
                  <td>{count(r.support)}</td>
                  <td>{percent(r.confidence)}</td>
                  <td>{percent(r.falseRate)}</td>
                  <td>
                    {against.length === 0 ? (
                      'none'
                    ) : (
                      <ul>
                        {against.map((a) => (
                          <li key={a}>{a}</li>
                        ))}
                      </ul>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
