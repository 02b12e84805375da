import {
  checkTracetestFile,
  parseAssertion,
  parseExpression,
  parseSelector,
  TracetestSyntaxError,
} from './tracetest.grammar';

/**
 * The grammar has to be right before it can judge the emitter: it accepts what Tracetest's
 * documentation shows and refuses what Tracetest would refuse or never match.
 */
describe('Tracetest grammar', () => {
  describe(parseSelector.name, () => {
    it.each([
      ['', 0],
      ['span[tracetest.span.type="http"]', 1],
      ['span[tracetest.span.type="database" service.name="orders-api"]', 1],
      ['span[service.name="a", name="b"]', 1],
      ['span[service.name="a"], span[service.name="b"]', 2],
      ['span[service.name contains "api"]', 1],
      ['span[tracetest.span.type="http"]:first', 1],
      ['span[tracetest.span.type="http"]:last', 1],
      ['span[tracetest.span.type="http"]:nth_child(3)', 1],
      ['span[name="checkout" kind="server"] span[tracetest.span.type="rpc"]', 1],
      ['span[kind="server"]:first span[name contains "GET cart:"]', 1],
      ['span[http.status_code=200 retry=true]', 1],
      ['span[tracetest.span.status_code="STATUS_CODE_ERROR"]', 1],
      ['span[db.statement="{\\"find\\": \\"orders\\"}\\n"]', 1],
    ])('accepts %s', (selector, alternatives) => {
      expect(parseSelector(selector)).toHaveLength(alternatives);
    });

    it('reads filters, pseudo-classes and descendants', () => {
      expect(parseSelector('span[name="a\\"b" kind="client"]:nth_child(2) span[x.y=1]')).toEqual([
        {
          filters: [
            { property: 'name', operator: '=', value: 'a"b' },
            { property: 'kind', operator: '=', value: 'client' },
          ],
          pseudoClass: { name: 'nth_child', n: 2 },
          descendant: { filters: [{ property: 'x.y', operator: '=', value: 1 }] },
        },
      ]);
    });

    it.each([
      ['span[name!="x"]', /= or contains only/],
      ['span[name != "x"]', /= or contains only/],
      ['span[name not-contains "x"]', /= or contains only/],
      ['span[name startsWith "x"]', /= or contains only/],
      ['span[]', /span\[\] is a syntax error/],
      ['span', /expected "\["/],
      ['span[kind="SERVER"]', /kind is one of server, client/],
      ['span[kind="unspecified"]', /kind is one of/],
      ['span[tracetest.span.type="db"]', /tracetest.span.type is one of/],
      ['span[tracetest.span.status_code="Error"]', /STATUS_CODE_ERROR/],
      [
        'span[tracetest.span.statuscode="STATUS_CODE_OK"]',
        /no attribute tracetest.span.statuscode/,
      ],
      ['span[http-route="/x"]', /= or contains only/],
      ['span[name="x"]:first-child', /found "-"|expected the end/],
      ['span[name="x"]:second', /unknown pseudo-class/],
      ['span[name="x"]:nth_child(0)', /counts from 1/],
      ['span[name="x\\q"]', /not a Go string escape/],
      ['span[name="\\ud800"]', /not a character Go accepts/],
      ['span[name="x]', /unterminated/],
      ['span[name="x"] extra', /expected/],
    ])('refuses %s', (selector, reason) => {
      expect(() => parseSelector(selector)).toThrow(TracetestSyntaxError);
      expect(() => parseSelector(selector)).toThrow(reason);
    });
  });

  describe(parseAssertion.name, () => {
    it.each([
      'attr:service.name = "cart-api"',
      'attr:product.stock = attr:product.stock_before - attr:product.bought',
      'attr:error.message = "could not withdraw ${attr:withdraw.amount}, balance too low"',
      'attr:note = "costs ${ 5"',
      `'{ "name": "Ana", "age": 27 }' | json_path '.age' = 27`,
      `'My balance is $48.52' | regex '\\$\\d+(\\.\\d+)?' = '$48.52'`,
      `'Hello Ana, you have 8 meetings' | regex_group 'Hello (\\w+), you have (\\d+)' = '["Ana", 8]'`,
      `'{ "array": [1, 2, 3] }' | json_path '$.array[*]' | get_index 1 = 2`,
      `'{ "array": [1, 2, 3] }' | json_path '$.array[*]' | get_index 'last' = 3`,
      `'{ "array": [1, 2, 3] }' | json_path '$.array[*]' | length = 3`,
      '2s | type = "duration"',
      '[1, 2s, "text"] | type = "array"',
      '["number", "string"] contains attr:my_attribute | type',
      'attr:tracetest.selected_spans.count >= 1',
      'attr:tracetest.selected_spans.count = 0',
      'attr:tracetest.span.duration <= 250ms',
      'attr:tracetest.span.duration < 1.5s',
      'attr:tracetest.span.status_code != "STATUS_CODE_ERROR"',
      'attr:tracetest.span.status_code = "STATUS_CODE_UNSET"',
      '["STATUS_CODE_OK", "STATUS_CODE_UNSET"] contains attr:tracetest.span.status_code',
      'attr:tracetest.span.type = "database"',
      'attr:tracetest.response.status = 200',
      'attr:http.response.status_code = "200"',
      'attr:user.id | type = "number"',
      'attr:user.name != ""',
      'attr:cart.items >= 10',
      'attr:db.statement = "{\\"find\\": \\"orders\\"}"',
      'attr:k8s.pod-name contains "web"',
      'attr:message not-contains "secret"',
      'var:ORDER_ID = env:EXPECTED_ID',
    ])('accepts %s', (assertion) => {
      expect(() => parseAssertion(assertion)).not.toThrow();
    });

    it('reads terms, filters and the comparator', () => {
      expect(parseAssertion(`attr:tracetest.response.body | json_path '$.id' = "a\\"b"`)).toEqual({
        left: {
          terms: [{ kind: 'attribute', name: 'tracetest.response.body', at: 0 }],
          operators: [],
          filters: [
            { name: 'json_path', args: [{ kind: 'string', value: '$.id', at: 41 }], at: 31 },
          ],
        },
        comparator: '=',
        right: { terms: [{ kind: 'string', value: 'a"b', at: 50 }], operators: [], filters: [] },
      });
    });

    it.each([
      // What the emitter wrote before issue 14: Tracetest's status values are the OTLP enum names.
      ['attr:tracetest.span.status_code != "Error"', /one of STATUS_CODE_UNSET, STATUS_CODE_OK/],
      ['attr:tracetest.span.status_code = "Error"', /STATUS_CODE_ERROR/],
      ['["Unset", "Ok"] contains attr:tracetest.span.status_code', /"Unset" is not/],
      ['attr:tracetest.span.status_code contains "Fail"', /"Fail" is not/],
      ['attr:tracetest.span.type = "db"', /tracetest.span.type is one of/],
      ['attr:tracetest.span.kind = "SERVER"', /tracetest.span.kind is one of/],
      ['attr:tracetest.span.statuscode = "STATUS_CODE_OK"', /no attribute/],
      ['attr:tracetest.selected_spans.size >= 1', /no attribute/],
      ['attr:x | type = "integer"', /type filter answers/],
      ['attr:x | count = 1', /unknown filter count/],
      ['attr:x | json_path = "1"', /takes 1 argument/],
      ['attr:x | length 2 = 1', /takes 0 argument/],
      ['attr:x >= 1.5', /integers only/],
      ['attr:x <= "abc"', /integers only/],
      ['attr:x >= -5', /expected a value/],
      ['attr:tracetest.span.duration <= 250', /with a duration/],
      ['attr:x startsWith "a"', /no token starts with|expected a comparator/],
      ['attr:x == "a"', /expected a value/],
      ['attr:x = "a', /no token starts with/],
      ['attr:x = "${attr:}"', /bad interpolation/],
      ['attr:x', /expected a comparator/],
      ['attr:x = 1e5', /expected the end|expected a value/],
      ['attr:x/y = "a"', /expected a value|expected a comparator/],
      ['name = "x"', /expected a value/],
    ])('refuses %s', (assertion, reason) => {
      expect(() => parseAssertion(assertion)).toThrow(TracetestSyntaxError);
      expect(() => parseAssertion(assertion)).toThrow(reason);
    });
  });

  describe(parseExpression.name, () => {
    it('reads an output value', () => {
      expect(parseExpression(`attr:tracetest.response.body | json_path '$[0].id'`).filters).toEqual(
        [{ name: 'json_path', args: [{ kind: 'string', value: '$[0].id', at: 41 }], at: 31 }],
      );
      expect(() => parseExpression('attr:x = 1')).toThrow(/expected the end/);
    });
  });

  describe(checkTracetestFile.name, () => {
    const file = (specs: string, outputs = '') => `type: Test
spec:
  id: t1
  name: a test
  trigger:
    type: http
    httpRequest:
      method: GET
      url: \${var:BASE_URL}/orders/\${var:ORDER_ID}
  specs:
${specs}${outputs}`;

    it('counts and passes a valid file', () => {
      const check = checkTracetestFile(
        file(
          `  - selector: span[kind="server"]:first
    assertions:
      - attr:tracetest.span.status_code != "STATUS_CODE_ERROR"
      - attr:http.response.status_code = "200"
`,
          `  outputs:
    - name: ORDER_ID
      selector: span[tracetest.span.type="general" name="Tracetest trigger"]
      value: attr:tracetest.response.body | json_path '$.id'
`,
        ),
      );
      expect(check).toEqual({ selectors: 1, assertions: 2, outputs: 1, problems: [] });
    });

    it('names every problem with where it is', () => {
      const check = checkTracetestFile(
        file(
          `  - selector: span[kind!="server"]
    assertions:
      - attr:tracetest.span.status_code = "Error"
  - selector: ""
    assertions: []
`,
          `  outputs:
    - name: ORDER-ID
      selector: span[kind="server"]
      value: attr:id = 1
`,
        ),
      );
      expect(check.problems.map((p) => p.slice(0, p.indexOf(':')))).toEqual([
        'spec.specs[0].selector',
        'spec.specs[0].assertions[0]',
        'spec.specs[1].assertions',
        'spec.outputs[0].name',
        'spec.outputs[0].value',
      ]);
    });

    it('checks the document shape and the trigger expressions', () => {
      const check = checkTracetestFile(
        'type: Tests\nspec:\n  id: t\n  trigger:\n    type: http\n    httpRequest:\n      url: ${var:}\n',
      );
      expect(check.problems.map((p) => p.slice(0, p.indexOf(':')))).toEqual([
        'type',
        'spec.name',
        'spec.trigger.httpRequest.url',
        'spec.specs',
      ]);
    });
  });
});
