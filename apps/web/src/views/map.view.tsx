import { count } from '../format';
import { loadMap } from '../map/map.data';
import { SystemMap } from '../map/system-map';
import { buildSystemGraph, serviceNodeId } from '../map/system.graph';
import { hrefOf } from '../router';
import { Polled } from '../ui/common';
import { usePolled } from '../ui/api.context';

/** The latest model as a map, optionally around one service. */
export function MapView({ service }: { service?: string }) {
  const state = usePolled(
    (run) =>
      loadMap(run).catch((e: Error) => {
        // Before the first model version the API answers NOT_FOUND: not an error for this page.
        if (/no model version/.test(e.message)) return null;
        throw e;
      }),
    [],
  );
  return (
    <section aria-labelledby="map-heading">
      <h1 id="map-heading">System map</h1>
      <Polled state={state} what="the model">
        {(m) => {
          if (!m)
            return (
              <p className="muted">
                No model yet: the map appears here once trace2test has received traces and modeling
                has built a model from them.
              </p>
            );
          const graph = buildSystemGraph(m.model, service ? serviceNodeId(service) : undefined);
          const services = [...m.model.services].map((s) => s.name).sort();
          const entry = m.model.endpoints.filter((e) => e.entry);
          return (
            <>
              <p className="summary" data-testid="map-summary">
                Model v{m.version}: {count(m.counts.services)} services, {count(m.counts.endpoints)}{' '}
                endpoints ({count(entry.length)} entry), {count(m.counts.entities)} entities,{' '}
                {count(m.counts.edges)} edges, {count(m.counts.rules)} rules.
              </p>
              <div className="toolbar">
                <label htmlFor="service-filter">Service</label>
                <select
                  id="service-filter"
                  value={service ?? ''}
                  onChange={(e) => {
                    window.location.hash = hrefOf({
                      view: 'map',
                      service: e.target.value || undefined,
                    });
                  }}
                >
                  <option value="">all services</option>
                  {services.map((s) => (
                    <option key={s} value={s}>
                      {s}
                    </option>
                  ))}
                </select>
                <Legend />
              </div>
              {service && !services.includes(service) ? (
                <p className="error" role="alert">
                  No service {service} in model v{m.version}.
                </p>
              ) : (
                <SystemMap
                  graph={graph}
                  title={service ? `${service} and its neighbours` : `Model v${m.version}`}
                />
              )}
              <h2>Entry endpoints</h2>
              <ul className="endpoint-list">
                {entry
                  .filter((e) => !service || e.service === service)
                  .sort((a, b) => a.key.localeCompare(b.key))
                  .map((e) => (
                    <li key={e.key}>
                      <a href={hrefOf({ view: 'endpoint', key: e.key })}>{e.key}</a>{' '}
                      <span className="muted">{count(e.traces)} traces</span>
                    </li>
                  ))}
              </ul>
            </>
          );
        }}
      </Polled>
    </section>
  );
}

export function Legend({ drift = false }: { drift?: boolean }) {
  return (
    <ul className="legend map-legend" aria-label="Legend">
      <li>
        <span className="legend-line edge-calls" aria-hidden="true" /> calls
      </li>
      <li>
        <span className="legend-line edge-reads" aria-hidden="true" /> reads
      </li>
      <li>
        <span className="legend-line edge-writes" aria-hidden="true" /> writes
      </li>
      <li>
        <span className="legend-line edge-publishes" aria-hidden="true" /> publishes / consumed by
      </li>
      <li>
        <span className="legend-line edge-conditional" aria-hidden="true" /> decided by a rule
      </li>
      <li>▶ entry endpoint</li>
      {drift ? (
        <>
          <li>
            <span className="legend-line status-added" aria-hidden="true" /> added
          </li>
          <li>
            <span className="legend-line status-removed" aria-hidden="true" /> removed
          </li>
        </>
      ) : null}
    </ul>
  );
}
