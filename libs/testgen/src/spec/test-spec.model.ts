/**
 * Test spec format, version 1: a trace-based end-to-end test as data.
 *
 *   trigger (HTTP | gRPC | message) ──► the system runs ──► one trace ──► assertions over its spans
 *
 * Produced by the deterministic synthesizer and the LLM generator, verified against recorded
 * traces (verify/), run by the runner library against a live system, emitted as Jest files and
 * Tracetest YAML. Plain JSON: every field is a string, number, boolean, array or object, so a spec
 * round-trips through JSON, ClickHouse and GraphQL unchanged. `TEST_SPEC_V1_SCHEMA` is the same
 * contract as a JSON Schema; `validateTestSpec` checks a parsed document against both.
 *
 * Attribute values are compared as the spans table stores them (libs/otlp attributeValueToString):
 * strings, `true`/`false`, decimal integers.
 */

export const TEST_SPEC_VERSION = 1;

export interface TestSpec {
  specVersion: typeof TEST_SPEC_VERSION;
  /** Stable across regenerations of the same behaviour/rule/journey: `bhv-…`, `rule-…`, `jrn-…`. */
  id: string;
  /** One line: `POST /orders — calls potato-handler POST /potatoes`. */
  name: string;
  description: string;
  /** Endpoint key of the entry span the trigger reaches: `api-gateway|HTTP POST /orders`. */
  endpoint: string;
  /** What the spec covers (at least one of behaviour, rule, journey). */
  covers: Coverage;
  setup: Setup;
  trigger: Trigger;
  /**
   * Other requests for the same spec, run the same way (a rule's test also runs with the condition
   * false, so both arms of the conditional assertion are exercised live).
   */
  variants?: TriggerVariant[];
  /** Steps run before `trigger`, in order (journeys: a write, then the read under test). */
  before?: JourneyStep[];
  /**
   * Which recorded traces of `endpoint` the spec judges when tests are verified against stored
   * traffic: those whose request satisfies every clause (what decides the behaviour: the arms of
   * the model's rules), whatever values the trigger happens to send. Empty: every trace of the
   * endpoint. Absent (specs written before clauses existed): traces whose request carries the
   * spec's pinned values.
   */
  appliesWhen?: ApplicabilityClause[];
  assertions: Assertion[];
  provenance: Provenance;
  /** Filled by verifySpec; absent until verified. */
  verification?: Verification;
}

export interface Coverage {
  /** Structural fingerprint of the behaviour (libs/fingerprint hash); for a journey, the last step's. */
  behaviour?: string;
  rule?: RuleRef;
  /** Entities shared by the steps of a journey, e.g. `table orders`. */
  journey?: { entity: string; endpoints: string[] };
}

/** A rule of the model as a spec refers to it (enough to find it again after a model rebuild). */
export interface RuleRef {
  endpoint: string;
  /** Endpoint whose handler decides. */
  at: string;
  /** `user.likes_potatoes = true`. */
  condition: string;
  /** `calls potato-handler POST /potatoes`. */
  effect: string;
}

// ── setup ────────────────────────────────────────────────────────────────────────────────────────

export interface Setup {
  /**
   * Request attributes the trigger carries, as the entry span records them, and why each is set:
   * `pinned` values decide the behaviour (constant across its traces or required by a rule
   * condition); `example` values are one recorded instance of a varying value (ids).
   */
  request: RequestAttribute[];
  /** Things the request refers to, grouped by the attributes' prefix (`user.id` → fixture `user`). */
  fixtures: Fixture[];
  /** State the endpoint reads, derived from the READS edges (and cache hits/misses) it showed. */
  state: StateRequirement[];
  /** Anything a human or the runner should know that the fields above cannot say. */
  notes?: string[];
}

/** One condition on a recorded trace's request, as a rule of the model decides it. */
export interface ApplicabilityClause {
  /** The rule's condition (read from a recorded trace like a conditional assertion's). */
  when: Condition;
  /** True: the spec applies when the condition holds; false: when it does not. */
  holds: boolean;
  /** Why, in words: `rule: order.amount >= 250 → calls review-service POST /reviews`. */
  reason: string;
}

export interface RequestAttribute {
  name: string;
  value: string;
  role: 'pinned' | 'example';
  /** Why pinned: `constant across 40 recorded traces`, `rule: user.likes_potatoes = true`. */
  reason?: string;
}

export interface Fixture {
  /** `user`; referenced from the trigger as `{{user.id}}`. */
  name: string;
  /** Recorded example values by field (`id`: `13376`): the defaults when the runner provisions nothing. */
  values: Record<string, string>;
  /** What the fixture must satisfy, in words: `a user with likes_potatoes = true`. */
  requires: string;
}

export interface StateRequirement {
  /** Table, collection, cache key template, topic or external host. */
  entity: string;
  kind: 'table' | 'collection' | 'cache-prefix' | 'topic' | 'external-api';
  /** `postgresql`, `redis`, `https`, … */
  system: string;
  /** Operation the endpoint performs on it (`SELECT`, `GET`, `POST /v1/charges`). */
  operation: string;
  /** `present`: must exist before the trigger (a row, a cached key); `absent`: must not. */
  expect: 'present' | 'absent' | 'responds';
  requires: string;
}

// ── trigger ──────────────────────────────────────────────────────────────────────────────────────

/**
 * Strings may hold `{{name}}` placeholders: fixture fields (`{{user.id}}`) and journey captures.
 * resolveTrigger fills them; a JSON body string that is exactly one placeholder takes the value's
 * JSON type (`"{{cart.items}}"` → `11`).
 */
export type Trigger = HttpTrigger | GrpcTrigger | MessageTrigger;

export interface HttpTrigger {
  type: 'http';
  /** Service the request is sent to (the runner maps it to a base URL). */
  service: string;
  method: string;
  /** Route as the server reports it: `/orders/{id}`. */
  pathTemplate: string;
  /** Concrete path, placeholders allowed: `/orders/{{order.id}}`. */
  path: string;
  headers: Record<string, string>;
  /** JSON body, or absent for none. */
  body?: unknown;
}

export interface GrpcTrigger {
  type: 'grpc';
  service: string;
  /** Fully qualified gRPC service: `checkout.PaymentService`. */
  grpcService: string;
  method: string;
  /** The request message as JSON. */
  message: unknown;
  metadata: Record<string, string>;
}

export interface MessageTrigger {
  type: 'message';
  /** Messaging system (`kafka`, `rabbitmq`), as the consumer's spans report it. */
  system: string;
  topic: string;
  key?: string;
  value: unknown;
  headers: Record<string, string>;
}

export interface TriggerVariant {
  /** `user.likes_potatoes != true`. */
  name: string;
  trigger: Trigger;
  /** Request attributes this variant sends (the conditional assertion reads them). */
  request: RequestAttribute[];
}

export interface JourneyStep {
  name: string;
  endpoint: string;
  /** Fingerprint of the behaviour the step was derived from (its recorded traces verify it). */
  behaviour?: string;
  trigger: Trigger;
  request: RequestAttribute[];
  assertions: Assertion[];
  /** Values taken from this step for later steps' placeholders. */
  captures: Capture[];
}

export interface Capture {
  /** Placeholder name later steps use: `order.id` → `{{order.id}}`. */
  name: string;
  /**
   * `response`: a field of the step's JSON response body (`path` is dot-separated: `id`,
   * `order.id`); `span`: an attribute of the first span the selector picks in the step's trace.
   */
  from: 'response' | 'span';
  path?: string;
  select?: SpanSelector;
  attribute?: string;
  /** False when the binding was assumed rather than observed (the runner reports it if it fails). */
  observed: boolean;
}

// ── assertions ───────────────────────────────────────────────────────────────────────────────────

export type SpanKindName = 'internal' | 'server' | 'client' | 'producer' | 'consumer';

/**
 * Which spans an assertion is about. Every given field must hold (AND); an empty selector picks
 * every span. `semantic` and `label` are libs/fingerprint's semanticKey and spanLabel, which read
 * both generations of semantic-convention names, so a selector survives an instrumentation upgrade.
 */
export interface SpanSelector {
  service?: string;
  kind?: SpanKindName;
  /** Exact span name. */
  name?: string;
  /** Span name with ids normalised (libs/fingerprint normalizeOperation): `GET cart:{id}`. */
  operation?: string;
  /**
   * `db postgresql INSERT orders`, `http POST * /potatoes`, `msg rabbitmq publish orders`. A word
   * `*` matches any one word: generated selectors leave out the peer host of an HTTP call, which
   * differs between environments (the callee's own server span says which service it is).
   */
  semantic?: string;
  /** Full structural label `service|kind|operation|semantic`. */
  label?: string;
  /** Endpoint key of a server/consumer span: `potato-handler|HTTP POST /potatoes`. */
  endpoint?: string;
  /** True: only the trace's entry span. */
  entry?: boolean;
  /** Attribute filters (a span without the attribute does not match unless `present: false`). */
  attributes?: Record<string, AttributeMatcher>;
}

/**
 * Constraints on one attribute value (a string as stored); every given field must hold. An absent
 * attribute fails every constraint except `present: false`.
 */
export interface AttributeMatcher {
  equals?: string;
  oneOf?: string[];
  /** JavaScript regular expression, matched against the whole value (anchor it yourself). */
  regex?: string;
  type?: 'string' | 'int' | 'double' | 'bool';
  /** Numeric bounds, inclusive; the value must parse as a number. */
  range?: { min?: number; max?: number };
  present?: boolean;
}

/** Span status as the spans table stores it: 0 unset, 1 ok, 2 error. */
export type StatusName = 'unset' | 'ok' | 'error';

export interface StatusMatcher {
  equals?: StatusName;
  oneOf?: StatusName[];
}

export type Assertion =
  | ExistsAssertion
  | AbsentAssertion
  | CountAssertion
  | AttributesAssertion
  | RelationAssertion
  | DurationAssertion
  | OnlyAssertion
  | ConditionalAssertion;

interface AssertionBase {
  /** Unique within the spec; verification and run reports refer to it. */
  id: string;
  /** What it checks, in words (the runner prints it with failures). */
  description: string;
  /**
   * `performance`: checked only when a run asks for the performance profile, and reported apart
   * from the functional result (timings depend on the machine and its load, behaviour does not).
   * Absent: functional, always checked.
   */
  profile?: 'performance';
}

/** At least one selected span. */
export interface ExistsAssertion extends AssertionBase {
  kind: 'exists';
  select: SpanSelector;
}

/** No selected span. */
export interface AbsentAssertion extends AssertionBase {
  kind: 'absent';
  select: SpanSelector;
}

/** The number of selected spans is `equals`, or within [`min`, `max`]. */
export interface CountAssertion extends AssertionBase {
  kind: 'count';
  select: SpanSelector;
  count: { equals?: number; min?: number; max?: number };
}

/**
 * Attribute and status constraints on the selected spans: on every one (`all`, default) or on at
 * least one (`any`). Fails when nothing is selected.
 */
export interface AttributesAssertion extends AssertionBase {
  kind: 'attributes';
  select: SpanSelector;
  quantifier?: 'all' | 'any';
  attributes: Record<string, AttributeMatcher>;
  status?: StatusMatcher;
}

/**
 * Every selected span stands in `relation` to some span picked by `target`:
 * `childOf` (its parent), `descendantOf` (an ancestor), `before` (it ends no later than the
 * target starts; compare only spans recorded by one process, clocks of different hosts differ).
 * Fails when nothing is selected.
 */
export interface RelationAssertion extends AssertionBase {
  kind: 'relation';
  select: SpanSelector;
  relation: 'childOf' | 'descendantOf' | 'before';
  target: SpanSelector;
}

/** Every selected span lasts within [`minMs`, `maxMs`]. Fails when nothing is selected. */
export interface DurationAssertion extends AssertionBase {
  kind: 'duration';
  select: SpanSelector;
  maxMs?: number;
  minMs?: number;
}

/**
 * Every selected span matches one of `allowed`: nothing beyond the known structure happens (an
 * extra call, a new write). Passes when nothing is selected.
 */
export interface OnlyAssertion extends AssertionBase {
  kind: 'only';
  select: SpanSelector;
  allowed: SpanSelector[];
}

/**
 * `then` applies when the condition holds, `else` when it does not. Atoms read the request
 * attributes the test sent; for recorded traces, the entry span's attributes, then the deciding
 * handler's server span (`at`), then the first span that carries the attribute.
 */
export interface ConditionalAssertion extends AssertionBase {
  kind: 'conditional';
  when: Condition;
  then: Assertion[];
  else: Assertion[];
}

export interface Condition {
  /** A conjunction; the same semantics as libs/model's evaluateCondition. */
  all: ConditionAtom[];
  /** Endpoint key of the handler that decides (where to read an attribute the request lacks). */
  at?: string;
}

export interface ConditionAtom {
  attribute: string;
  op: '=' | '!=' | '>=' | '<';
  value: string;
}

// ── provenance and verification ─────────────────────────────────────────────────────────────────

export interface Provenance {
  generator: 'deterministic' | 'llm';
  /** Chat model name for `llm`; `testgen-deterministic/1` for the synthesizer. */
  model: string;
  promptVersion?: string;
  /** Traces the spec was derived from (representative first). */
  evidenceTraceIds: string[];
  /** libs/model modelHash of the model the spec was generated from. */
  modelVersion: string;
}

export interface Verification {
  status: 'verified' | 'rejected';
  /** Why rejected (no recorded traces, no assertion left, …). */
  reason?: string;
  recordedTraces: number;
  mutationsTried: number;
  /** Leaf checks kept (an attribute matcher counts as one check). */
  kept: number;
  dropped: DroppedCheck[];
  /** Outcome per recorded trace, after dropping. */
  traces: { traceId: string; passed: boolean }[];
}

export interface DroppedCheck {
  /** JSON path of what was dropped: `assertions[3].attributes["url.full"]`. */
  path: string;
  assertionId: string;
  reason: 'fails-on-recorded' | 'cannot-fail' | 'never-applies';
  detail: string;
}
