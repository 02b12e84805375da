import type { InstrumentationScope, Resource, Span } from '@t2t/domain';

export interface ScopeGroup {
  readonly scope: InstrumentationScope;
  readonly spans: Span[];
}

export interface ResourceGroup {
  readonly resource: Resource;
  readonly scopes: ScopeGroup[];
}

/**
 * Groups spans into the ResourceSpans / ScopeSpans nesting of an OTLP request, by object identity
 * of `span.resource` and `span.scope` (decoders share those objects, so identity is what "same
 * resource" means here; two equal but distinct objects make two groups, which OTLP allows).
 * Groups keep the order in which they first appear, and spans keep their order within a group, so
 * spans decoded from one request come back in the same order.
 */
export function groupSpansByResource(spans: readonly Span[]): ResourceGroup[] {
  const groups: ResourceGroup[] = [];
  const byResource = new Map<Resource, [ResourceGroup, Map<InstrumentationScope, ScopeGroup>]>();
  for (const span of spans) {
    let entry = byResource.get(span.resource);
    if (entry === undefined) {
      entry = [{ resource: span.resource, scopes: [] }, new Map()];
      byResource.set(span.resource, entry);
      groups.push(entry[0]);
    }
    const [resourceGroup, scopes] = entry;
    let scopeGroup = scopes.get(span.scope);
    if (scopeGroup === undefined) {
      scopeGroup = { scope: span.scope, spans: [] };
      scopes.set(span.scope, scopeGroup);
      resourceGroup.scopes.push(scopeGroup);
    }
    scopeGroup.spans.push(span);
  }
  return groups;
}
