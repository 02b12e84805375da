import type { TestSpec } from '../src';

/** A complete, valid spec by hand (the README's example), for validator and emitter specs. */
export function exampleSpec(): TestSpec {
  return {
    specVersion: 1,
    id: 'rule-api-gateway-post-orders-potato-1a2b3c4d',
    name: 'POST /orders — calls potato-handler POST /potatoes only if user.likes_potatoes = true',
    description: 'The potato handler is called only for users who like potatoes.',
    endpoint: 'api-gateway|HTTP POST /orders',
    covers: {
      rule: {
        endpoint: 'api-gateway|HTTP POST /orders',
        at: 'order-service|HTTP POST /orders',
        condition: 'user.likes_potatoes = true',
        effect: 'calls potato-handler POST /potatoes',
      },
    },
    setup: {
      request: [
        { name: 'user.id', value: '42', role: 'example' },
        {
          name: 'user.likes_potatoes',
          value: 'true',
          role: 'pinned',
          reason: 'rule: user.likes_potatoes = true',
        },
      ],
      fixtures: [
        {
          name: 'user',
          values: { id: '42', likes_potatoes: 'true' },
          requires: 'a user with likes_potatoes = true',
        },
      ],
      state: [],
    },
    trigger: {
      type: 'http',
      service: 'api-gateway',
      method: 'POST',
      pathTemplate: '/orders',
      path: '/orders',
      headers: { 'content-type': 'application/json' },
      body: { user: { id: '{{user.id}}', likes_potatoes: true } },
    },
    variants: [
      {
        name: 'not (user.likes_potatoes = true)',
        trigger: {
          type: 'http',
          service: 'api-gateway',
          method: 'POST',
          pathTemplate: '/orders',
          path: '/orders',
          headers: { 'content-type': 'application/json' },
          body: { user: { id: '{{user.id}}', likes_potatoes: false } },
        },
        request: [
          { name: 'user.id', value: '42', role: 'example' },
          { name: 'user.likes_potatoes', value: 'false', role: 'pinned' },
        ],
      },
    ],
    assertions: [
      {
        id: 'a1',
        kind: 'conditional',
        description: 'calls potato-handler POST /potatoes only if user.likes_potatoes = true',
        when: {
          all: [{ attribute: 'user.likes_potatoes', op: '=', value: 'true' }],
          at: 'order-service|HTTP POST /orders',
        },
        then: [
          {
            id: 'a2',
            kind: 'exists',
            description: 'calls potato-handler POST /potatoes',
            select: { kind: 'server', endpoint: 'potato-handler|HTTP POST /potatoes' },
          },
        ],
        else: [
          {
            id: 'a3',
            kind: 'absent',
            description: 'no call to potato-handler',
            select: { kind: 'server', endpoint: 'potato-handler|HTTP POST /potatoes' },
          },
        ],
      },
      {
        id: 'a4',
        kind: 'attributes',
        description: 'the gateway answers 200',
        select: { entry: true },
        attributes: { 'http.response.status_code': { equals: '200' }, 'user.id': { type: 'int' } },
        status: { oneOf: ['unset', 'ok'] },
      },
      {
        id: 'a5',
        kind: 'duration',
        description: 'within 250 ms',
        select: { entry: true },
        maxMs: 250,
      },
    ],
    provenance: {
      generator: 'llm',
      model: 'gpt-4o-mini',
      promptVersion: 'testgen-prompt/1',
      evidenceTraceIds: ['4bf92f3577b34da6a3ce929d0e0e4736'],
      modelVersion: 'fa78e67cd8fd7448',
    },
  };
}
