import { entryEndpoint, normalizeUrlPath } from '@t2t/fingerprint';
import type { TraceIndex } from '../evaluate/trace.index';
import { typedValue } from '../spec/trigger.resolver';
import type { RequestAttribute, Trigger } from '../spec/test-spec.model';
import { endpointService } from './spec-naming.format';

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/**
 * The request that reproduces a recorded trace, from its entry span and endpoint key:
 *
 * - HTTP: method and route from the key, the concrete path from `url.path`/`http.target` (query
 *   dropped), and for POST/PUT/PATCH a JSON body built from the request attributes, nested by their
 *   dots (`user.likes_potatoes` → `{"user": {"likes_potatoes": true}}`). Traces do not record
 *   bodies; this is the convention a service under test reads its attributes from, stated in the
 *   README and in `setup.notes`.
 * - gRPC: service and method from the key, the same nested object as the message.
 * - Consumers: a message on the topic with the nested object as value.
 *
 * Fixture ids become `{{fixture.id}}` placeholders in the path and body so the runner can point
 * the request at the state it provisioned; everything else stays literal.
 */
export function buildTrigger(
  apiEndpoint: string,
  trace: TraceIndex,
  request: readonly RequestAttribute[],
  placeholders: ReadonlySet<string>,
): { trigger: Trigger; notes: string[] } {
  // A trace that entered through a gateway is keyed by the API behind it; the request still goes
  // where the trace entered (the gateway, with its method and path), as a user's would.
  const own = trace.entry === undefined ? undefined : entryEndpoint(trace.entry.facts);
  const throughGateway = own !== undefined && own !== apiEndpoint && own.includes('|HTTP ');
  const endpoint = throughGateway ? gatewayKey(own, trace) : apiEndpoint;
  const rest = endpoint.slice(endpoint.indexOf('|') + 1);
  const service = endpointService(endpoint);
  const entry = trace.entry?.span.attributes ?? {};
  const valueOf = (a: RequestAttribute): unknown =>
    placeholders.has(a.name) ? `{{${a.name}}}` : typedValue(a.value);

  if (rest.startsWith('RPC ')) {
    const path = rest.slice(rest.indexOf(' ', 4) + 1);
    const slash = path.lastIndexOf('/');
    return {
      trigger: {
        type: 'grpc',
        service,
        grpcService: path.slice(0, slash),
        method: path.slice(slash + 1),
        message: nest(request, valueOf),
        metadata: {},
      },
      notes: [
        'The gRPC message is built from the request attributes; adapt field names to the proto.',
      ],
    };
  }
  if (rest.startsWith('CONSUME ')) {
    return {
      trigger: {
        type: 'message',
        system: entry['messaging.system'] ?? 'kafka',
        topic: rest.slice(8),
        value: nest(request, valueOf),
        headers: {},
      },
      notes:
        request.length === 0
          ? [
              'The consumer span records no request attributes: the message value is a placeholder object.',
            ]
          : [],
    };
  }

  const notes: string[] = throughGateway
    ? [
        `Sent to ${service}, the gateway the recorded traces entered through; it serves ${apiEndpoint}.`,
      ]
    : [];
  let method = 'GET';
  let pathTemplate = '/';
  if (rest.startsWith('HTTP ')) {
    const [m, ...route] = rest.slice(5).split(' ');
    method = m;
    pathTemplate = route.join(' ') || '/';
  } else {
    notes.push(`Endpoint ${endpoint} is not an HTTP route; the trigger is a best guess.`);
    pathTemplate = entry['url.path'] ?? entry['http.target'] ?? '/';
  }
  const recordedPath = (entry['url.path'] ?? entry['http.target'] ?? pathTemplate).split('?')[0];
  const { path, used } = templatePath(pathTemplate, recordedPath, request, placeholders);
  const bodyAttributes = request.filter((a) => !used.has(a.name));
  const withBody = BODY_METHODS.has(method) && bodyAttributes.length > 0;
  if (withBody) {
    notes.push(
      'Traces do not record request bodies: the body nests the request attributes by their dots.',
    );
  }
  return {
    trigger: {
      type: 'http',
      service,
      method,
      pathTemplate,
      path,
      headers: withBody ? { 'content-type': 'application/json' } : {},
      ...(withBody ? { body: nest(bodyAttributes, valueOf) } : {}),
    },
    notes,
  };
}

/**
 * The gateway's key for the request it received: its method and its normalised request path
 * (its own route is a catch-all, or absent).
 */
function gatewayKey(own: string, trace: TraceIndex): string {
  const a = trace.entry!.span.attributes;
  const path = a['url.path'] ?? a['http.target'];
  if (path === undefined) return own;
  const [method] = own.slice(own.indexOf('|HTTP ') + 6).split(' ');
  return `${endpointService(own)}|HTTP ${method} ${normalizeUrlPath(path)}`;
}

/**
 * The concrete path with route parameters tied to request attributes: a `{id}` segment whose
 * recorded value equals a request attribute's value is that attribute (`/orders/{{order.id}}` when
 * it is a fixture id, the literal value otherwise).
 */
function templatePath(
  template: string,
  recorded: string,
  request: readonly RequestAttribute[],
  placeholders: ReadonlySet<string>,
): { path: string; used: Set<string> } {
  const used = new Set<string>();
  const t = template.split('/');
  const r = recorded.split('/');
  if (t.length !== r.length) return { path: recorded || template, used };
  const segments = t.map((seg, i) => {
    if (!/^\{[^}]*\}$/.test(seg) && !/^:/.test(seg)) return r[i];
    const attr = request.find((a) => a.value === r[i] && !used.has(a.name));
    if (attr === undefined) return r[i];
    used.add(attr.name);
    return placeholders.has(attr.name) ? `{{${attr.name}}}` : r[i];
  });
  return { path: segments.join('/'), used };
}

/** `[user.id=1, user.vip=true, items=3]` → `{ user: { id: …, vip: … }, items: … }`. */
function nest(
  request: readonly RequestAttribute[],
  valueOf: (a: RequestAttribute) => unknown,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const a of request) {
    const parts = a.name.split('.');
    let node = out;
    for (const part of parts.slice(0, -1)) {
      const next = node[part];
      if (typeof next !== 'object' || next === null) node[part] = {};
      node = node[part] as Record<string, unknown>;
    }
    node[parts[parts.length - 1]] = valueOf(a);
  }
  return out;
}
