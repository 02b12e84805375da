import type { TestSpec } from '@t2t/testgen';

/** A spec as the LLM writes it: everything but the generator-owned fields. */
export type LlmSpecDraft = Omit<TestSpec, 'provenance' | 'verification'>;

/**
 * The prompt's one worked example. It describes a system that is not in any example dataset (a
 * shop's checkout) so the model learns the format and the habits (selectors copied from trace
 * lines, a rule as a conditional assertion with a variant, setup derived from the request) without
 * being handed an answer to copy. It shows the hardest kind of spec, a rule's; behaviour specs are
 * the same without `when`. A unit test keeps it valid against the current schema.
 */
export const FEW_SHOT_EXAMPLE: LlmSpecDraft = {
  specVersion: 1,
  id: 'llm-rule-checkout-fraud-check',
  name: 'POST /carts/{id}/checkout — calls fraud-service POST /checks only if cart.total >= 500',
  description: 'Large carts are checked for fraud before the order is written; small ones are not.',
  endpoint: 'shop|HTTP POST /carts/{id}/checkout',
  covers: {
    rule: {
      endpoint: 'shop|HTTP POST /carts/{id}/checkout',
      at: 'shop|HTTP POST /carts/{id}/checkout',
      condition: 'cart.total >= 500',
      effect: 'calls fraud-service POST /checks',
    },
  },
  setup: {
    request: [
      { name: 'cart.id', value: '7731', role: 'example' },
      { name: 'cart.total', value: '640', role: 'pinned', reason: 'rule: cart.total >= 500' },
    ],
    fixtures: [
      {
        name: 'cart',
        values: { id: '7731', total: '640' },
        requires: 'a cart whose total is at least 500',
      },
    ],
    state: [
      {
        entity: 'carts',
        kind: 'table',
        system: 'postgresql',
        operation: 'SELECT',
        expect: 'present',
        requires: 'the cart row exists',
      },
    ],
  },
  trigger: {
    type: 'http',
    service: 'shop',
    method: 'POST',
    pathTemplate: '/carts/{id}/checkout',
    path: '/carts/{{cart.id}}/checkout',
    headers: { 'content-type': 'application/json' },
  },
  variants: [
    {
      name: 'not (cart.total >= 500)',
      trigger: {
        type: 'http',
        service: 'shop',
        method: 'POST',
        pathTemplate: '/carts/{id}/checkout',
        path: '/carts/{{cart.id}}/checkout',
        headers: { 'content-type': 'application/json' },
      },
      request: [{ name: 'cart.total', value: '120', role: 'pinned' }],
    },
  ],
  assertions: [
    {
      id: 'a1',
      kind: 'conditional',
      description: 'fraud-service is called only for carts of 500 or more',
      when: {
        all: [{ attribute: 'cart.total', op: '>=', value: '500' }],
        at: 'shop|HTTP POST /carts/{id}/checkout',
      },
      then: [
        {
          id: 'a2',
          kind: 'exists',
          description: 'fraud-service handles POST /checks',
          select: { kind: 'server', endpoint: 'fraud-service|HTTP POST /checks' },
        },
      ],
      else: [
        {
          id: 'a3',
          kind: 'absent',
          description: 'no fraud check',
          select: { kind: 'server', endpoint: 'fraud-service|HTTP POST /checks' },
        },
      ],
    },
    {
      id: 'a4',
      kind: 'exists',
      description: 'the order row is inserted',
      select: { semantic: 'db postgresql INSERT orders' },
    },
    {
      id: 'a5',
      kind: 'attributes',
      description: 'checkout answers 201',
      select: { entry: true },
      attributes: { 'http.response.status_code': { equals: '201' } },
    },
  ],
};
