import type { JsonSchema } from './json-schema.model';

/**
 * JSON Schema (draft 2020-12) of test spec format v1: the contract given to the LLM generator and
 * published as `libs/testgen/schema/test-spec.v1.schema.json` (`npm run schema:testspec` writes
 * it; a unit test fails when the file is stale). Mirrors test-spec.model.ts field by field;
 * descriptions are written for whoever (or whatever) writes a spec by hand.
 */

const str = (description?: string, extra: Partial<JsonSchema> = {}): JsonSchema => ({
  type: 'string',
  ...(description === undefined ? {} : { description }),
  ...extra,
});
const nonEmpty = (description?: string): JsonSchema => str(description, { minLength: 1 });
const ref = (name: string): JsonSchema => ({ $ref: `#/$defs/${name}` });
const arrayOf = (items: JsonSchema, extra: Partial<JsonSchema> = {}): JsonSchema => ({
  type: 'array',
  items,
  ...extra,
});
const stringMap = (description: string): JsonSchema => ({
  type: 'object',
  description,
  additionalProperties: { type: 'string' },
});
const object = (
  properties: Record<string, JsonSchema>,
  required: string[],
  extra: Partial<JsonSchema> = {},
): JsonSchema => ({
  type: 'object',
  properties,
  required,
  additionalProperties: false,
  ...extra,
});

const assertionBase = {
  id: nonEmpty('Unique within the spec.'),
  description: nonEmpty('What the assertion checks, in words.'),
  profile: {
    enum: ['performance'],
    description:
      'performance: checked only when a run asks for the performance profile (timings); absent: always checked.',
  },
};
const assertion = (
  kind: string,
  description: string,
  properties: Record<string, JsonSchema>,
  required: string[],
): JsonSchema =>
  object(
    { kind: { const: kind }, ...assertionBase, ...properties },
    ['kind', 'id', 'description', ...required],
    { description },
  );

const requestAttribute = object(
  {
    name: nonEmpty(),
    value: str(),
    role: { enum: ['pinned', 'example'] },
    reason: str(),
  },
  ['name', 'value', 'role'],
);

export const TEST_SPEC_V1_SCHEMA: JsonSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://trace2test.dev/schema/test-spec.v1.schema.json',
  title: 'trace2test test spec v1',
  description:
    'A trace-based end-to-end test: a trigger, the state it needs, and assertions over the spans of the resulting trace.',
  ...object(
    {
      specVersion: { const: 1 },
      id: nonEmpty('Stable id: bhv-…, rule-…, jrn-… for generated specs.'),
      name: nonEmpty('One line, e.g. "POST /orders — calls potato-handler POST /potatoes".'),
      description: str(),
      endpoint: nonEmpty('Endpoint key of the entry span, e.g. "api-gateway|HTTP POST /orders".'),
      covers: ref('Coverage'),
      setup: ref('Setup'),
      trigger: ref('Trigger'),
      variants: arrayOf(ref('TriggerVariant')),
      before: arrayOf(ref('JourneyStep')),
      appliesWhen: arrayOf(ref('ApplicabilityClause'), {
        description:
          'Which recorded traces of the endpoint the spec judges: those whose request satisfies every clause ([]: all of them).',
      }),
      assertions: arrayOf(ref('Assertion'), { minItems: 1 }),
      provenance: ref('Provenance'),
      verification: ref('Verification'),
    },
    [
      'specVersion',
      'id',
      'name',
      'description',
      'endpoint',
      'covers',
      'setup',
      'trigger',
      'assertions',
      'provenance',
    ],
  ),
  $defs: {
    Coverage: object(
      {
        behaviour: nonEmpty('Structural fingerprint of the behaviour.'),
        rule: ref('RuleRef'),
        journey: object(
          {
            entity: nonEmpty('e.g. "table orders".'),
            endpoints: arrayOf(nonEmpty(), { minItems: 2 }),
          },
          ['entity', 'endpoints'],
        ),
      },
      [],
      { minProperties: 1, description: 'What the spec covers: at least one of the three.' },
    ),
    Condition: object(
      {
        all: arrayOf(
          object(
            {
              attribute: nonEmpty(),
              op: { enum: ['=', '!=', '>=', '<'] },
              value: str(),
            },
            ['attribute', 'op', 'value'],
          ),
          { minItems: 1 },
        ),
        at: nonEmpty('Endpoint key of the deciding handler.'),
      },
      ['all'],
      { description: 'A conjunction of attribute tests.' },
    ),
    ApplicabilityClause: object(
      {
        when: ref('Condition'),
        holds: { type: 'boolean', description: 'true: applies when the condition holds.' },
        reason: str(),
      },
      ['when', 'holds', 'reason'],
    ),
    RuleRef: object(
      { endpoint: nonEmpty(), at: nonEmpty(), condition: nonEmpty(), effect: nonEmpty() },
      ['endpoint', 'at', 'condition', 'effect'],
    ),
    Setup: object(
      {
        request: arrayOf(requestAttribute),
        fixtures: arrayOf(
          object(
            {
              name: str('Referenced as {{name.field}} from the trigger.', {
                pattern: '^[A-Za-z_][A-Za-z0-9_.-]*$',
              }),
              values: stringMap('Recorded example values by field.'),
              requires: str(),
            },
            ['name', 'values', 'requires'],
          ),
        ),
        state: arrayOf(
          object(
            {
              entity: nonEmpty(),
              kind: { enum: ['table', 'collection', 'cache-prefix', 'topic', 'external-api'] },
              system: str(),
              operation: str(),
              expect: { enum: ['present', 'absent', 'responds'] },
              requires: str(),
            },
            ['entity', 'kind', 'system', 'operation', 'expect', 'requires'],
          ),
        ),
        notes: arrayOf(str()),
      },
      ['request', 'fixtures', 'state'],
    ),
    Trigger: {
      description: 'What starts the trace. Strings may hold {{placeholders}} (fixtures, captures).',
      oneOf: [
        object(
          {
            type: { const: 'http' },
            service: nonEmpty('Service the request is sent to.'),
            method: { enum: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] },
            pathTemplate: str('Route as the server reports it, e.g. /orders/{id}.', {
              pattern: '^/',
            }),
            path: str('Concrete path, e.g. /orders/{{order.id}}.', { pattern: '^/' }),
            headers: stringMap('Request headers.'),
            body: { description: 'JSON body; omit for none.' },
          },
          ['type', 'service', 'method', 'pathTemplate', 'path', 'headers'],
        ),
        object(
          {
            type: { const: 'grpc' },
            service: nonEmpty(),
            grpcService: nonEmpty('Fully qualified, e.g. checkout.PaymentService.'),
            method: nonEmpty(),
            message: { description: 'The request message as JSON.' },
            metadata: stringMap('gRPC metadata.'),
          },
          ['type', 'service', 'grpcService', 'method', 'message', 'metadata'],
        ),
        object(
          {
            type: { const: 'message' },
            system: nonEmpty('kafka, rabbitmq, …'),
            topic: nonEmpty(),
            key: str(),
            value: { description: 'The message value as JSON.' },
            headers: stringMap('Message headers.'),
          },
          ['type', 'system', 'topic', 'value', 'headers'],
        ),
      ],
    },
    TriggerVariant: object(
      { name: nonEmpty(), trigger: ref('Trigger'), request: arrayOf(requestAttribute) },
      ['name', 'trigger', 'request'],
    ),
    JourneyStep: object(
      {
        name: nonEmpty(),
        endpoint: nonEmpty(),
        behaviour: nonEmpty('Fingerprint of the behaviour the step was derived from.'),
        trigger: ref('Trigger'),
        request: arrayOf(requestAttribute),
        assertions: arrayOf(ref('Assertion')),
        captures: arrayOf(
          object(
            {
              name: nonEmpty(),
              from: { enum: ['response', 'span'] },
              path: str('Dot-separated field of the JSON response body (from: response).'),
              select: ref('SpanSelector'),
              attribute: str('Attribute of the first selected span (from: span).'),
              observed: { type: 'boolean' },
            },
            ['name', 'from', 'observed'],
          ),
        ),
      },
      ['name', 'endpoint', 'trigger', 'request', 'assertions', 'captures'],
    ),
    SpanSelector: object(
      {
        service: nonEmpty(),
        kind: { enum: ['internal', 'server', 'client', 'producer', 'consumer'] },
        name: nonEmpty('Exact span name.'),
        operation: nonEmpty('Span name with ids normalised, e.g. "GET cart:{id}".'),
        semantic: nonEmpty(
          'Semantic key, e.g. "db postgresql INSERT orders", "http POST * /potatoes" (a word * matches any one word).',
        ),
        label: nonEmpty('Structural label service|kind|operation|semantic.'),
        endpoint: nonEmpty('Endpoint key of a server or consumer span.'),
        entry: { type: 'boolean', description: 'true: only the entry span of the trace.' },
        attributes: {
          type: 'object',
          description: 'Attribute filters.',
          additionalProperties: ref('AttributeMatcher'),
        },
      },
      [],
      { description: 'Spans matching every given field; {} selects every span.' },
    ),
    AttributeMatcher: object(
      {
        equals: str(),
        oneOf: arrayOf(str(), { minItems: 1 }),
        regex: str('JavaScript regular expression, anchored by the writer.', { format: 'regex' }),
        type: { enum: ['string', 'int', 'double', 'bool'] },
        range: object({ min: { type: 'number' }, max: { type: 'number' } }, [], {
          minProperties: 1,
        }),
        present: { type: 'boolean' },
      },
      [],
      {
        minProperties: 1,
        description:
          'Constraints on one attribute value (stored as a string); every given one must hold.',
      },
    ),
    StatusMatcher: object(
      {
        equals: { enum: ['unset', 'ok', 'error'] },
        oneOf: arrayOf({ enum: ['unset', 'ok', 'error'] }, { minItems: 1 }),
      },
      [],
      { minProperties: 1 },
    ),
    Assertion: {
      oneOf: [
        assertion('exists', 'At least one selected span.', { select: ref('SpanSelector') }, [
          'select',
        ]),
        assertion('absent', 'No selected span.', { select: ref('SpanSelector') }, ['select']),
        assertion(
          'count',
          'The number of selected spans.',
          {
            select: ref('SpanSelector'),
            count: object(
              {
                equals: { type: 'integer', minimum: 0 },
                min: { type: 'integer', minimum: 0 },
                max: { type: 'integer', minimum: 0 },
              },
              [],
              { minProperties: 1 },
            ),
          },
          ['select', 'count'],
        ),
        assertion(
          'attributes',
          'Attribute and status constraints on the selected spans (fails when none is selected).',
          {
            select: ref('SpanSelector'),
            quantifier: { enum: ['all', 'any'] },
            attributes: { type: 'object', additionalProperties: ref('AttributeMatcher') },
            status: ref('StatusMatcher'),
          },
          ['select', 'attributes'],
        ),
        assertion(
          'relation',
          'Every selected span is childOf / descendantOf / before some target span.',
          {
            select: ref('SpanSelector'),
            relation: { enum: ['childOf', 'descendantOf', 'before'] },
            target: ref('SpanSelector'),
          },
          ['select', 'relation', 'target'],
        ),
        assertion(
          'duration',
          'Every selected span lasts within [minMs, maxMs].',
          {
            select: ref('SpanSelector'),
            maxMs: { type: 'number', minimum: 0 },
            minMs: { type: 'number', minimum: 0 },
          },
          ['select'],
        ),
        assertion(
          'only',
          'Every selected span matches one of the allowed selectors.',
          {
            select: ref('SpanSelector'),
            allowed: arrayOf(ref('SpanSelector'), { minItems: 1 }),
          },
          ['select', 'allowed'],
        ),
        assertion(
          'conditional',
          'then applies when the condition holds, else when it does not.',
          {
            when: ref('Condition'),
            then: arrayOf(ref('Assertion')),
            else: arrayOf(ref('Assertion')),
          },
          ['when', 'then', 'else'],
        ),
      ],
    },
    Provenance: object(
      {
        generator: { enum: ['deterministic', 'llm'] },
        model: nonEmpty(),
        promptVersion: str(),
        evidenceTraceIds: arrayOf(nonEmpty()),
        modelVersion: str(),
      },
      ['generator', 'model', 'evidenceTraceIds', 'modelVersion'],
    ),
    Verification: object(
      {
        status: { enum: ['verified', 'rejected'] },
        reason: str(),
        recordedTraces: { type: 'integer', minimum: 0 },
        mutationsTried: { type: 'integer', minimum: 0 },
        kept: { type: 'integer', minimum: 0 },
        dropped: arrayOf(
          object(
            {
              path: str(),
              assertionId: str(),
              reason: { enum: ['fails-on-recorded', 'cannot-fail', 'never-applies'] },
              detail: str(),
            },
            ['path', 'assertionId', 'reason', 'detail'],
          ),
        ),
        traces: arrayOf(
          object({ traceId: str(), passed: { type: 'boolean' } }, ['traceId', 'passed']),
        ),
      },
      ['status', 'recordedTraces', 'mutationsTried', 'kept', 'dropped', 'traces'],
    ),
  },
};
