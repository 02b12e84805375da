import { load } from 'js-yaml';
import { exampleEvidence } from '../../test/example-evidence.fixture';
import { exampleSpec } from '../../test/test-spec.example';
import { synthesizeTests } from '../synthesize/tests.synthesizer';
import { emitTracetestYaml } from './tracetest-yaml.emitter';

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
        'attr:tracetest.span.status_code != "Error"',
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
        selector: 'span[kind="server"]:first',
        value: "attr:tracetest.response.body | json_path '$.id'",
      },
    ]);
    expect(read.spec.trigger.httpRequest.url).toBe('${var:T2T_TARGET_URL}/orders/${var:ORDER_ID}');
  });
});
