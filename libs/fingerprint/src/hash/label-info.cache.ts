import { labelIsInbound, labelService } from '../labels/span-label.builder';
import { Fnv64 } from './fnv64.hasher';

/** What the fingerprint needs to know about a label, computed once per distinct label. */
export interface LabelInfo {
  hi: number;
  lo: number;
  service: string;
  /** Kind server or consumer: received from another process. */
  inbound: boolean;
}

/**
 * Labels repeat across traces (a service has a few hundred distinct calls), so their hashes and
 * parsed parts are memoised. Bounded because labels come from outside: when full it is simply
 * dropped, which costs only recomputation, never a different result.
 */
const MAX_ENTRIES = 65_536;
const cache = new Map<string, LabelInfo>();
const fnv = new Fnv64();

export function labelInfo(label: string): LabelInfo {
  let info = cache.get(label);
  if (info === undefined) {
    fnv.reset();
    fnv.string(label);
    info = { hi: fnv.hi, lo: fnv.lo, service: labelService(label), inbound: labelIsInbound(label) };
    if (cache.size >= MAX_ENTRIES) cache.clear();
    cache.set(label, info);
  }
  return info;
}
