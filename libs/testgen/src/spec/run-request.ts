import type { RequestAttribute, TestSpec, Trigger } from './test-spec.model';

/**
 * What one run of a spec sends: the trigger and request attributes of the spec itself, or of one
 * of its variants by name. The runner and the emitters share this so a variant means the same
 * thing everywhere.
 */
export function triggerFor(
  spec: TestSpec,
  variant?: string,
): { trigger: Trigger; request: Record<string, string> } {
  if (variant === undefined)
    return { trigger: spec.trigger, request: requestMap(spec.setup.request) };
  const v = spec.variants?.find((x) => x.name === variant);
  if (v === undefined) {
    const known = (spec.variants ?? []).map((x) => JSON.stringify(x.name)).join(', ') || 'none';
    throw new RangeError(
      `spec ${spec.id} has no variant ${JSON.stringify(variant)} (variants: ${known})`,
    );
  }
  return { trigger: v.trigger, request: requestMap(v.request) };
}

export function requestMap(request: readonly RequestAttribute[]): Record<string, string> {
  return Object.fromEntries(request.map((a) => [a.name, a.value]));
}
