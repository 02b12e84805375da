import { load } from 'js-yaml';
import { exampleEvidence } from '../../test/example-evidence.fixture';
import { exampleSpec } from '../../test/test-spec.example';
import { checkTracetestFile, parseAssertion } from '../../test/tracetest.grammar';
import type {
  Assertion,
  JourneyStep,
  StatusMatcher,
  StatusName,
  TestSpec,
} from '../spec/test-spec.model';
import { synthesizeTests } from '../synthesize/tests.synthesizer';
import { emitTracetestYaml } from './tracetest-yaml.emitter';

/** The example spec with other assertions (and journey steps), for the mapping of each construct. */
function specWith(assertions: Assertion[], before?: JourneyStep[]): TestSpec {
  return { ...exampleSpec(), variants: [], assertions, ...(before ? { before } : {}) };
}

/** The assertion lines and comments of a one-assertion spec's first test spec. */
function emitted(assertion: Assertion): { assertions: string[]; content: string } {
  const [file] = emitTracetestYaml(specWith([assertion]));
  const doc = load(file.content) as any;
  return { assertions: doc.spec.specs[0].assertions, content: file.content };
}

describe(emitTracetestYaml.name, () => {
  const files = emitTracetestYaml(exampleSpec());
  const docs = files.map((f) => load(f.content) as any);

  it('writes one Tracetest test per trigger: the spec, then each variant', () => {
    expect(files.map((f) => f.fileName)).toEqual([
      'rule-api-gateway-post-orders-potato-1a2b3c4d.tracetest.yaml',
      'rule-api-gateway-post-orders-potato-1a2b3c4d.variant-1.tracetest.yaml',
    ]);
    for (const doc of docs) expect(doc.type).toBe('Test');
    expect(docs[0].spec.trigger).toEqual({
      type: 'http',
      httpRequest: {
        method: 'POST',
        url: '${var:T2T_TARGET_URL}/orders',
        headers: [{ key: 'content-type', value: 'application/json' }],
        body: '{"user":{"id":"${var:USER_ID}","likes_potatoes":true}}',
      },
    });
  });

  it('maps selectors and assertions; a conditional becomes the branch each trigger takes', () => {
    const [main, variant] = docs.map((d) => d.spec.specs);
    const potato = 'span[service.name="potato-handler" kind="server" http.route="/potatoes"]';
    expect(main[0]).toEqual({
      selector: potato,
      name: 'a2: calls potato-handler POST /potatoes',
      assertions: ['attr:tracetest.selected_spans.count >= 1'],
    });
    expect(variant[0]).toEqual({
      selector: potato,
      name: 'a3: no call to potato-handler',
      assertions: ['attr:tracetest.selected_spans.count = 0'],
    });
    expect(main[1]).toEqual({
      selector: 'span[kind="server"]:first',
      name: 'a4: the gateway answers 200',
      assertions: [
        'attr:http.response.status_code = "200"',
        'attr:user.id | type = "number"',
        'attr:tracetest.span.status_code != "STATUS_CODE_ERROR"',
      ],
    });
    expect(main[2].assertions).toEqual(['attr:tracetest.span.duration <= 250ms']);
  });

  it('keeps what Tracetest cannot express as comments', () => {
    const [main] = files.map((f) => f.content);
    expect(main).toContain(
      '# a1: this request makes "user.likes_potatoes = true" hold: only the then branch is emitted',
    );
    expect(main).toContain('# endpoint potato-handler|HTTP POST /potatoes');
    expect(main).toContain('# fixture user: a user with likes_potatoes = true\n#   USER_ID=42');
  });

  it('emits synthesized specs that parse, journeys with outputs for the next step', () => {
    const { model, evidence } = exampleEvidence('potato');
    for (const spec of synthesizeTests(model, evidence)) {
      for (const file of emitTracetestYaml(spec)) {
        const doc = load(file.content) as any;
        expect(doc.spec.specs.length).toBeGreaterThan(0);
        for (const s of doc.spec.specs) expect(typeof s.selector).toBe('string');
      }
    }
    const journey = synthesizeTests(model, evidence).find((s) => s.before !== undefined)!;
    const [step, read] = emitTracetestYaml(journey).map((f) => load(f.content) as any);
    expect(step.spec.outputs).toEqual([
      {
        name: 'ORDER_ID',
        selector: 'span[tracetest.span.type="general" name="Tracetest trigger"]',
        value: "attr:tracetest.response.body | json_path '$.id'",
      },
    ]);
    expect(read.spec.trigger.httpRequest.url).toBe('${var:T2T_TARGET_URL}/orders/${var:ORDER_ID}');
  });

  it.each<[StatusName[], string]>([
    [['unset'], 'attr:tracetest.span.status_code = "STATUS_CODE_UNSET"'],
    [['ok'], 'attr:tracetest.span.status_code = "STATUS_CODE_OK"'],
    [['error'], 'attr:tracetest.span.status_code = "STATUS_CODE_ERROR"'],
    [['unset', 'ok'], 'attr:tracetest.span.status_code != "STATUS_CODE_ERROR"'],
    [['ok', 'error'], 'attr:tracetest.span.status_code != "STATUS_CODE_UNSET"'],
    [['error', 'unset'], 'attr:tracetest.span.status_code != "STATUS_CODE_OK"'],
    [
      ['error', 'ok', 'unset'],
      '["STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"] contains attr:tracetest.span.status_code',
    ],
  ])("status one of %j: Tracetest's status names, same meaning", (oneOf, line) => {
    const status = (matcher: StatusMatcher) =>
      emitted({
        id: 's',
        kind: 'attributes',
        description: 'd',
        select: { kind: 'server' },
        attributes: {},
        status: matcher,
      }).assertions;
    expect(status({ oneOf })).toEqual([line]);
    if (oneOf.length === 1) expect(status({ equals: oneOf[0] })).toEqual([line]);
  });

  it('writes attribute values verbatim with quotes escaped, and only what Tracetest can read', () => {
    const { assertions, content } = emitted({
      id: 'v',
      kind: 'attributes',
      description: 'values',
      select: { kind: 'client' },
      attributes: {
        'db.statement': { equals: '{"find": "orders"}' },
        'file.path': { equals: 'C:\\temp\\x' },
        'text.multiline': { equals: 'a\nb' },
        'template.body': { equals: 'Hello ${name}' },
        'quoted.path': { oneOf: ['a\\"b', 'c'] },
        'http.request.method': { oneOf: ['GET', 'HEAD'] },
        'retry.count': { type: 'int', range: { min: 0, max: 3 } },
        'balance.delta': { range: { min: -5, max: 2.5 } },
        'latency.ratio': { type: 'double', range: { min: 0, max: 1 } },
        'feature.enabled': { type: 'bool' },
        'user.name': { regex: '^[a-z]+$' },
        'http/route': { equals: '/x' },
        'cache.hit': { present: false },
      },
    });
    expect(assertions).toEqual([
      'attr:db.statement = "{\\"find\\": \\"orders\\"}"',
      'attr:file.path = "C:\\temp\\x"',
      'attr:text.multiline = "a\nb"',
      'attr:template.body != ""',
      'attr:quoted.path != ""',
      '["GET", "HEAD"] contains attr:http.request.method',
      'attr:retry.count | type = "number"',
      'attr:retry.count >= 0',
      'attr:retry.count <= 3',
      'attr:balance.delta != ""',
      'attr:latency.ratio | type = "number"',
      'attr:feature.enabled != ""',
      'attr:user.name != ""',
    ]);
    // Tracetest reads back exactly the recorded value.
    const readBack = (line: string) =>
      (parseAssertion(line).right.terms[0] as { value: string }).value;
    expect(assertions.slice(0, 3).map(readBack)).toEqual([
      '{"find": "orders"}',
      'C:\\temp\\x',
      'a\nb',
    ]);
    expect(content).toContain('# template.body = "Hello ${name}": no exact Tracetest string');
    expect(content).toContain(
      '# balance.delta >= -5: Tracetest compares non-negative integers only',
    );
    expect(content).toContain(
      '# balance.delta <= 2.5: Tracetest compares non-negative integers only',
    );
    expect(content).toContain(
      '# latency.ratio >= 0: Tracetest compares non-negative integers only',
    );
    expect(content).toContain('# http/route = "/x": the name cannot be written as attr:<name>');
    expect(content).toContain('# cache.hit must be absent');
  });

  it('leaves out of selectors the attribute names Tracetest cannot parse there', () => {
    const [file] = emitTracetestYaml(
      specWith([
        {
          id: 'n',
          kind: 'exists',
          description: 'names',
          select: {
            service: 'web',
            operation: 'GET /orders/{id}',
            attributes: {
              'http.request.header.x-tenant': { equals: 'acme' },
              'tenant.tier': { equals: 'gold' },
            },
          },
        },
      ]),
    );
    const doc = load(file.content) as any;
    expect(doc.spec.specs[0].selector).toBe(
      'span[service.name="web" name contains "GET /orders/" tenant.tier="gold"]',
    );
    expect(file.content).toContain(
      '# http.request.header.x-tenant = "acme": the name cannot be written in a selector',
    );
  });

  it('writes durations with a unit Tracetest reads, in whole units', () => {
    const duration = (maxMs: number, minMs?: number) =>
      emitted({
        id: 'd',
        kind: 'duration',
        description: 'd',
        select: { entry: true },
        maxMs,
        minMs,
      }).assertions;
    expect(duration(250, 3)).toEqual([
      'attr:tracetest.span.duration <= 250ms',
      'attr:tracetest.span.duration >= 3ms',
    ]);
    expect(duration(12.5)).toEqual(['attr:tracetest.span.duration <= 12500us']);
    expect(duration(0.0000004)).toEqual(['attr:tracetest.span.duration <= 0us']);
  });

  it('reads span captures from the span, and notes the ones Tracetest cannot name', () => {
    const step: JourneyStep = {
      name: 'create an order',
      endpoint: 'api-gateway|HTTP POST /orders',
      trigger: exampleSpec().trigger,
      request: [],
      assertions: [{ id: 'j1', kind: 'exists', description: 'd', select: { entry: true } }],
      captures: [
        {
          name: 'order.id',
          from: 'span',
          select: { service: 'orders', kind: 'server' },
          attribute: 'order.id',
          observed: true,
        },
        {
          name: 'trace.link',
          from: 'span',
          select: { kind: 'server' },
          attribute: 'link/id',
          observed: true,
        },
      ],
    };
    const [first] = emitTracetestYaml(specWith(exampleSpec().assertions, [step]));
    expect((load(first.content) as any).spec.outputs).toEqual([
      {
        name: 'ORDER_ID',
        selector: 'span[service.name="orders" kind="server"]',
        value: 'attr:order.id',
      },
    ]);
    expect(first.content).toContain(
      '# TRACE_LINK: attribute "link/id" cannot be written as attr:<name>',
    );
  });

  it("writes only selectors, assertions and outputs Tracetest's grammar accepts", () => {
    const { model, evidence } = exampleEvidence('potato');
    const specs = [exampleSpec(), ...synthesizeTests(model, evidence)];
    const every: Assertion[] = [
      { id: 'e', kind: 'exists', description: 'd', select: {} },
      {
        id: 'c',
        kind: 'count',
        description: 'd',
        select: { name: 'GET cart:{id}' },
        count: { equals: 2, min: 1, max: 3 },
      },
      {
        id: 'r1',
        kind: 'relation',
        description: 'd',
        select: { kind: 'client' },
        relation: 'childOf',
        target: { entry: true },
      },
      {
        id: 'r2',
        kind: 'relation',
        description: 'd',
        select: { kind: 'client' },
        relation: 'before',
        target: { kind: 'server' },
      },
      {
        id: 'o',
        kind: 'only',
        description: 'd',
        select: { service: 'web' },
        allowed: [{ kind: 'client' }],
      },
      {
        id: 'l',
        kind: 'exists',
        description: 'd',
        select: { label: 'web|client|GET cart:{id}|cache', semantic: 'cache redis GET cart:*' },
      },
      {
        id: 'm',
        kind: 'absent',
        description: 'd',
        select: {
          endpoint: 'payments|CONSUME orders.created',
          semantic: 'msg kafka process orders',
        },
      },
      {
        id: 'g',
        kind: 'exists',
        description: 'd',
        select: { endpoint: 'web|RPC checkout.Cart/Get', semantic: 'rpc grpc checkout.Cart/Get' },
      },
      {
        id: 'a',
        kind: 'attributes',
        description: 'd',
        select: { kind: 'server' },
        quantifier: 'any',
        attributes: { 'x.y': { oneOf: ['1', '2'], type: 'int', range: { min: 1, max: 2 } } },
        status: { oneOf: ['ok'] },
      },
    ];
    specs.push(specWith(every));
    let files = 0;
    const counts = { selectors: 0, assertions: 0, outputs: 0 };
    for (const spec of specs)
      for (const file of emitTracetestYaml(spec)) {
        const check = checkTracetestFile(file.content);
        expect({ file: file.fileName, problems: check.problems }).toEqual({
          file: file.fileName,
          problems: [],
        });
        files++;
        counts.selectors += check.selectors;
        counts.assertions += check.assertions;
        counts.outputs += check.outputs;
      }
    expect(files).toBeGreaterThan(specs.length);
    expect(counts.outputs).toBeGreaterThan(0);
    expect(counts.assertions).toBeGreaterThan(counts.selectors);
  });
});
