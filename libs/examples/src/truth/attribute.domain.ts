import { satisfies } from '../model/condition.evaluator';
import {
  EVERYTHING,
  complement,
  holdsOn,
  intersect,
  isContinuous,
  probability,
  type ContinuousDistribution,
  type IntervalSet,
} from '../model/continuous.attribute';
import type { Condition, Distribution, RequestValue } from '../model/system.model';
import { GroundTruthError } from './ground-truth.error';

/**
 * What an execution path knows about one request attribute: the values it can still have given the
 * branches taken so far. Narrowing a domain by a branch's condition gives the exact probability of
 * the branch, and keeping the narrowed domain makes correlated branches on one attribute exact.
 */
export type Domain =
  /** Every value with its probability; the probabilities add up to 1. */
  | {
      readonly kind: 'finite';
      readonly values: readonly (readonly [value: RequestValue | undefined, p: number])[];
    }
  /** The raw draws of a continuous attribute still possible, and their probability under it. */
  | {
      readonly kind: 'intervals';
      readonly distribution: ContinuousDistribution;
      readonly set: IntervalSet;
      readonly mass: number;
    };

/** A condition the path requires to hold (`holds`) or to fail. */
export interface DomainTest {
  readonly condition: Condition;
  readonly holds: boolean;
}

/** Listing more values than this would make the walk slow; such attributes are not branched on. */
const MAX_VALUES = 10_000;

/** The domain of an attribute no branch has narrowed yet; undefined = absent from the request. */
export function fullDomain(attribute: string, d: Distribution | undefined): Domain {
  if (d === undefined) return finite([[undefined, 1]]);
  if (isContinuous(d)) {
    return { kind: 'intervals', distribution: d, set: EVERYTHING, mass: 1 };
  }
  switch (d.kind) {
    case 'bool':
      return finite([
        [true, d.p],
        [false, 1 - d.p],
      ]);
    case 'choice': {
      const total = d.weights.reduce((s, w) => s + w, 0);
      return finite(d.values.map((v, i) => [v, d.weights[i] / total] as const));
    }
    case 'int': {
      const n = d.max - d.min + 1;
      if (n > MAX_VALUES) throw new GroundTruthError(`cannot branch on ${attribute}: ${n} values`);
      return finite(Array.from({ length: n }, (_, i) => [BigInt(d.min + i), 1 / n] as const));
    }
    case 'constant':
      return finite([[d.value, 1]]);
    default:
      throw new GroundTruthError(
        `cannot branch on ${attribute}: a ${d.kind} distribution has neither a finite domain nor a CDF`,
      );
  }
}

/**
 * The part of `domain` where every test gives its required outcome: its probability relative to
 * the whole domain, and the domain narrowed to it (renormalised, for the paths that go on there).
 */
export function restrict(
  domain: Domain,
  tests: readonly DomainTest[],
): { readonly mass: number; readonly domain: Domain } {
  if (domain.kind === 'finite') {
    const values = domain.values.filter(([v]) =>
      tests.every((t) => satisfies(t.condition, v) === t.holds),
    );
    const mass = values.reduce((s, [, q]) => s + q, 0);
    return { mass, domain: finite(mass > 0 ? values.map(([v, q]) => [v, q / mass] as const) : []) };
  }
  const decimals = domain.distribution.decimals;
  let set = domain.set;
  for (const t of tests) {
    const where = holdsOn(t.condition, decimals);
    set = intersect(set, t.holds ? where : complement(where));
  }
  const absolute = probability(domain.distribution, set);
  return {
    mass: domain.mass > 0 ? absolute / domain.mass : 0,
    domain: { kind: 'intervals', distribution: domain.distribution, set, mass: absolute },
  };
}

function finite(values: readonly (readonly [RequestValue | undefined, number])[]): Domain {
  return { kind: 'finite', values };
}
