import type { AnyValue, Span } from '@t2t/domain';
import type { RequestValue } from '../model/system.model';

/** One generated trace with the ground truth of how it came to be. */
export interface GeneratedTrace {
  readonly traceId: string;
  /** Pre-order (every parent before its children); a linked consumer trace's root has no parent. */
  readonly spans: readonly Span[];
  /** Endpoint key of the trace's entry span (see groundTruth for the format). */
  readonly endpoint: string;
  /**
   * The API the trace really serves: when the entry is a gateway that proxies by path (its span
   * says `gateway|HTTP GET /*`), the endpoint it forwarded to, i.e. the first downstream server
   * span's key (`order-service|HTTP POST /api/v1/orders`); otherwise the entry endpoint itself.
   */
  readonly apiEndpoint: string;
  /** Ids of the labelled branch arms taken, joined with '+' in execution order; `default` when none. */
  readonly behaviour: string;
  /**
   * The behaviour as the API's own traces would show it: `behaviour` without the label the
   * gateway's route added (`POST /api/v1/orders+vip` → `vip`); equal to `behaviour` without a proxy.
   */
  readonly apiBehaviour: string;
  /** Index of the request this trace belongs to (continuation traces share their request's index). */
  readonly requestIndex: number;
  /**
   * The request's attributes as drawn (ints as bigint). An HTTP entry span carries them; a linked
   * consumer trace inherits them from its request as ground truth, but its spans do not carry them.
   */
  readonly request: Readonly<Record<string, RequestValue>>;
  /** Noise attributes added to the entry span (empty without noise); they decide nothing. */
  readonly noise: Readonly<Record<string, AnyValue>>;
  /** Every attribute condition evaluated while generating this trace, in order. */
  readonly decisions: readonly Decision[];
  /** Fault targets (see GenerateOptions.faults) that fired in this trace. */
  readonly faults: readonly string[];
  /** Set on a trace started by a consumer with `link` propagation: the producer span it links to. */
  readonly linkedFrom: { readonly traceId: string; readonly spanId: string } | undefined;
}

export interface Decision {
  /** Endpoint key whose handler branched. */
  readonly at: string;
  /** `user.likes_potatoes = true`. */
  readonly condition: string;
  readonly attribute: string;
  readonly value: RequestValue | undefined;
  readonly outcome: boolean;
  /**
   * A value the attribute's distribution can take that gives the other outcome (for flip-branch);
   * for a threshold the nearest one, so the flipped trace sits on the boundary: `10n` for
   * `cart.items >= 10` when it failed, `999.99` for an amount in cents that met `>= 1000`.
   * Undefined when no value can change the outcome.
   */
  readonly flipTo: RequestValue | undefined;
}
