/**
 * Views are addressed by the URL fragment (`#/endpoint/<key>`), so the server serves one page at
 * `/` and every view has a link that can be shared or reloaded.
 */
export type Route =
  | { view: 'map'; service?: string }
  | { view: 'endpoint'; key: string; behaviour?: string }
  | { view: 'entity'; kind: string; name: string }
  | { view: 'tests'; endpoint?: string; test?: string }
  | { view: 'runs'; run?: string }
  | { view: 'drift'; from?: number; to?: number };

const enc = encodeURIComponent;

function query(params: Record<string, string | number | undefined>): string {
  const parts = Object.entries(params)
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `${k}=${enc(String(v))}`);
  return parts.length > 0 ? `?${parts.join('&')}` : '';
}

export function hrefOf(route: Route): string {
  switch (route.view) {
    case 'map':
      return `#/map${query({ service: route.service })}`;
    case 'endpoint':
      return `#/endpoint/${enc(route.key)}${query({ behaviour: route.behaviour })}`;
    case 'entity':
      return `#/entity/${enc(route.kind)}/${enc(route.name)}`;
    case 'tests':
      return `#/tests${query({ endpoint: route.endpoint, test: route.test })}`;
    case 'runs':
      return route.run ? `#/runs/${enc(route.run)}` : '#/runs';
    case 'drift':
      return `#/drift${query({ from: route.from, to: route.to })}`;
  }
}

function whole(text: string | null): number | undefined {
  if (text === null || !/^\d+$/.test(text)) return undefined;
  return Number(text);
}

/** The route of a fragment; anything unknown is the map. */
export function parseRoute(hash: string): Route {
  const text = hash.replace(/^#/, '');
  const q = text.indexOf('?');
  const path = (q >= 0 ? text.slice(0, q) : text).split('/').filter((p) => p !== '');
  const params = new URLSearchParams(q >= 0 ? text.slice(q + 1) : '');
  const param = (name: string) => params.get(name) ?? undefined;
  let parts: string[];
  try {
    parts = path.map((p) => decodeURIComponent(p));
  } catch {
    return { view: 'map' };
  }
  switch (parts[0]) {
    case 'endpoint':
      return parts[1]
        ? { view: 'endpoint', key: parts[1], behaviour: param('behaviour') }
        : { view: 'map' };
    case 'entity':
      return parts[1] && parts[2]
        ? { view: 'entity', kind: parts[1], name: parts[2] }
        : { view: 'map' };
    case 'tests':
      return { view: 'tests', endpoint: param('endpoint'), test: param('test') };
    case 'runs':
      return { view: 'runs', run: parts[1] };
    case 'drift':
      return { view: 'drift', from: whole(params.get('from')), to: whole(params.get('to')) };
    default:
      return { view: 'map', service: param('service') };
  }
}
