import type { ModelEdge, SystemModel } from '../model.types';

/**
 * The model as a Mermaid flowchart, for people to look at: services as boxes holding their
 * endpoints, entities as shapes by kind (cylinders for tables and collections, a stadium for
 * topics, a hexagon for caches, a trapezoid for external APIs), edges labelled with what they do,
 * and conditional calls dashed with their rule's condition.
 */
export function renderMermaid(model: SystemModel): string {
  const ids = new Map<string, string>();
  const id = (key: string) => {
    let v = ids.get(key);
    if (!v) {
      v = `n${ids.size}`;
      ids.set(key, v);
    }
    return v;
  };
  const text = (s: string) => s.replace(/"/g, "'");
  const lines = ['flowchart LR'];
  for (const service of [...model.services].sort((a, b) => a.name.localeCompare(b.name))) {
    lines.push(`  subgraph ${id(`service:${service.name}`)}["${text(service.name)}"]`);
    for (const e of [...service.endpoints].sort())
      lines.push(`    ${id(e)}["${text(e.slice(e.indexOf('|') + 1))}"]`);
    lines.push('  end');
  }
  for (const e of [...model.entities].sort((a, b) =>
    `${a.kind}${a.name}`.localeCompare(`${b.kind}${b.name}`),
  )) {
    const n = id(`${e.kind}:${e.name}`);
    const label = text(`${e.name} (${e.system})`);
    const shape =
      e.kind === 'table' || e.kind === 'collection'
        ? `[("${label}")]`
        : e.kind === 'topic'
          ? `(["${label}"])`
          : e.kind === 'cache-prefix'
            ? `{{"${label}"}}`
            : `[/"${label}"\\]`;
    lines.push(`  ${n}${shape}`);
  }
  const conditional = new Map<string, string>();
  for (const r of model.rules) conditional.set(edgeKey(r.edge), r.condition);
  for (const e of model.edges) {
    const target =
      e.type === 'CALLS'
        ? id(e.to)
        : e.type === 'CALLS_EXTERNAL'
          ? id(`external-api:${e.to}`)
          : id(entityOf(model, e));
    const source = e.type === 'CALLS' ? id(e.from) : id(`service:${e.from}`);
    const label =
      e.type === 'CALLS'
        ? `${e.method}`
        : e.type === 'READS' || e.type === 'WRITES'
          ? `${e.type.toLowerCase()} ${e.operation}`
          : e.type === 'CALLS_EXTERNAL'
            ? `${e.method} ${e.route}`
            : e.type.toLowerCase();
    const when = conditional.get(edgeKey(e));
    if (e.type === 'CONSUMES') lines.push(`  ${target} -- "${text(label)}" --> ${source}`);
    else if (when) lines.push(`  ${source} -. "${text(`${label} if ${when}`)}" .-> ${target}`);
    else lines.push(`  ${source} -- "${text(label)}" --> ${target}`);
  }
  return `${lines.join('\n')}\n`;
}

function edgeKey(e: ModelEdge): string {
  return `${e.type}|${e.from}|${e.to}`;
}

function entityOf(model: SystemModel, e: ModelEdge): string {
  const entity = model.entities.find(
    (x) =>
      x.name === e.to &&
      (e.type === 'PUBLISHES' || e.type === 'CONSUMES' ? x.kind === 'topic' : x.kind !== 'topic'),
  );
  return entity ? `${entity.kind}:${entity.name}` : `external-api:${e.to}`;
}
