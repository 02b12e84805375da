import type { Assertion } from '@t2t/testgen';
import { ORDERS, POTATO_HANDLER, potatoEvidence } from './potato-evidence.fixture';

/**
 * Spec drafts a model could write for POST /orders of potatoSystem, built from what the prompt
 * shows (fingerprints, selectors, the rule), as plain JSON documents without provenance.
 */

const trigger = (likes: boolean) => ({
  type: 'http',
  service: 'api-gateway',
  method: 'POST',
  pathTemplate: '/orders',
  path: '/orders',
  headers: { 'content-type': 'application/json' },
  body: { user: { id: '{{user.id}}', likes_potatoes: likes }, cart: { items: 3 } },
});

const setup = (likes: boolean) => ({
  request: [
    { name: 'user.id', value: '18490', role: 'example' },
    {
      name: 'user.likes_potatoes',
      value: String(likes),
      role: 'pinned',
      reason: 'decides whether potatoes are ordered',
    },
  ],
  fixtures: [
    {
      name: 'user',
      values: { id: '18490' },
      requires: likes ? 'a user who likes potatoes' : 'a user who does not like potatoes',
    },
  ],
  state: [],
});

export const potatoHandlerExists: Assertion = {
  id: 'a1',
  kind: 'exists',
  description: 'potato-handler handles POST /potatoes',
  select: { kind: 'server', endpoint: POTATO_HANDLER },
};

const orderInserted: Assertion = {
  id: 'a2',
  kind: 'exists',
  description: 'the order row is inserted',
  select: { semantic: 'db postgresql INSERT orders' },
};

const answers200: Assertion = {
  id: 'a3',
  kind: 'attributes',
  description: 'the gateway answers 200',
  select: { entry: true },
  attributes: { 'http.response.status_code': { equals: '200' } },
};

/** The behaviour where the user likes potatoes: potato-handler called, order inserted, 200. */
export function likesSpec(extra: Assertion[] = []) {
  return {
    specVersion: 1,
    id: 'llm-orders-likes-potatoes',
    name: 'POST /orders — a potato lover’s order reaches potato-handler',
    description: 'Orders of users who like potatoes are also sent to potato-handler.',
    endpoint: ORDERS,
    covers: { behaviour: potatoEvidence().likes },
    setup: setup(true),
    trigger: trigger(true),
    assertions: [potatoHandlerExists, orderInserted, answers200, ...extra],
  };
}

/** The behaviour where the user does not like potatoes, with the given assertions. */
export function plainSpec(assertions: Assertion[]) {
  return {
    specVersion: 1,
    id: 'llm-orders-no-potatoes',
    name: 'POST /orders — an order without potatoes',
    description: 'Users who do not like potatoes get a plain order.',
    endpoint: ORDERS,
    covers: { behaviour: potatoEvidence().plain },
    setup: setup(false),
    trigger: trigger(false),
    assertions,
  };
}

/** The model's rule as a conditional test; `value` flips what the condition says. */
export function ruleSpec(value: 'true' | 'false' = 'true') {
  const rule = potatoEvidence().systemModel.rules.find((r) => r.endpoint === ORDERS)!;
  return {
    specVersion: 1,
    id: 'llm-orders-potato-rule',
    name: `POST /orders — ${rule.effect} only if user.likes_potatoes = ${value}`,
    description: 'The potato handler is called only for users who like potatoes.',
    endpoint: ORDERS,
    covers: {
      rule: {
        endpoint: rule.endpoint,
        at: rule.at,
        condition: rule.condition,
        effect: rule.effect,
      },
    },
    setup: setup(value === 'true'),
    trigger: trigger(value === 'true'),
    variants: [
      {
        name: `not (user.likes_potatoes = ${value})`,
        trigger: trigger(value !== 'true'),
        request: [{ name: 'user.likes_potatoes', value: String(value !== 'true'), role: 'pinned' }],
      },
    ],
    assertions: [
      {
        id: 'r1',
        kind: 'conditional',
        description: `potato-handler is called only if user.likes_potatoes = ${value}`,
        when: { all: [{ attribute: 'user.likes_potatoes', op: '=', value }], at: rule.at },
        then: [{ ...potatoHandlerExists, id: 'r2' }],
        else: [
          {
            id: 'r3',
            kind: 'absent',
            description: 'potato-handler is not called',
            select: { kind: 'server', endpoint: POTATO_HANDLER },
          },
        ],
      },
    ],
  };
}

/** A fenced answer, as chat models like to write them. */
export function fenced(value: unknown): string {
  return `Here are the tests.\n\n\`\`\`json\n${JSON.stringify(value, null, 2)}\n\`\`\``;
}
