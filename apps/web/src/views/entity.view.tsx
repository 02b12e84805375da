import { loadMap } from '../map/map.data';
import { SystemMap } from '../map/system-map';
import { buildSystemGraph, entityKindWord, entityNodeId } from '../map/system.graph';
import { hrefOf } from '../router';
import { Polled } from '../ui/common';
import { usePolled } from '../ui/api.context';

/** One entity: who reads, writes, publishes, consumes or calls it, and its part of the map. */
export function EntityView({ kind, name }: { kind: string; name: string }) {
  const state = usePolled((run) => loadMap(run), []);
  return (
    <section aria-labelledby="entity-heading">
      <p>
        <a href={hrefOf({ view: 'map' })}>← System map</a>
      </p>
      <h1 id="entity-heading">
        {entityKindWord(kind)} {name}
      </h1>
      <Polled state={state} what="the model">
        {(m) => {
          const entity = m.model.entities.find((e) => e.kind === kind && e.name === name);
          if (!entity)
            return (
              <p className="error" role="alert">
                Model v{m.version} has no {entityKindWord(kind)} {name}.
              </p>
            );
          const edges = m.model.edges.filter(
            (e) => e.to === name && e.type !== 'CALLS' && (!e.entityKind || e.entityKind === kind),
          );
          return (
            <>
              <p>
                {entityKindWord(kind)} in {entity.system || 'an unknown system'}, model v{m.version}
                .
              </p>
              <table>
                <caption>Edges to this {entityKindWord(kind)}</caption>
                <thead>
                  <tr>
                    <th scope="col">From</th>
                    <th scope="col">Type</th>
                    <th scope="col">Edge</th>
                  </tr>
                </thead>
                <tbody>
                  {edges.map((e) => (
                    <tr key={e.id}>
                      <td>
                        {e.from.includes('|') ? (
                          <a href={hrefOf({ view: 'endpoint', key: e.from })}>{e.from}</a>
                        ) : (
                          <a href={hrefOf({ view: 'map', service: e.from })}>{e.from}</a>
                        )}
                      </td>
                      <td>{e.type.toLowerCase().replace('_', ' ')}</td>
                      <td>
                        <code>{e.id}</code>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <SystemMap
                graph={buildSystemGraph(m.model, entityNodeId(kind, name))}
                title={`${name} and its neighbours`}
              />
            </>
          );
        }}
      </Polled>
    </section>
  );
}
