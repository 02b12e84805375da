import type { Trigger } from './test-spec.model';
import {
  placeholdersIn,
  resolveTrigger,
  typedValue,
  UnresolvedPlaceholderError,
} from './trigger.resolver';

const trigger: Trigger = {
  type: 'http',
  service: 'api-gateway',
  method: 'POST',
  pathTemplate: '/users/{id}/orders',
  path: '/users/{{user.id}}/orders',
  headers: { 'x-cart': 'cart-{{cart.id}}' },
  body: {
    user: { id: '{{user.id}}', vip: '{{user.vip}}' },
    note: 'for {{user.id}}',
    items: [1, '{{cart.items}}'],
  },
};

describe(resolveTrigger.name, () => {
  it('lists every placeholder', () => {
    expect(placeholdersIn(trigger)).toEqual(['cart.id', 'cart.items', 'user.id', 'user.vip']);
  });

  it('fills text in paths and headers, typed values where a JSON string is one placeholder', () => {
    const resolved = resolveTrigger(trigger, {
      'user.id': '42',
      'user.vip': 'true',
      'cart.id': 'c-1',
      'cart.items': '3',
    });
    expect(resolved).toEqual({
      ...trigger,
      path: '/users/42/orders',
      headers: { 'x-cart': 'cart-c-1' },
      body: { user: { id: 42, vip: true }, note: 'for 42', items: [1, 3] },
    });
    expect(trigger.path).toBe('/users/{{user.id}}/orders');
  });

  it('names every missing variable', () => {
    expect(() => resolveTrigger(trigger, { 'user.id': '1' })).toThrow(
      new UnresolvedPlaceholderError('unresolved placeholders: cart.id, cart.items, user.vip'),
    );
  });

  it('types stored strings as a request would carry them', () => {
    expect([
      typedValue('true'),
      typedValue('17'),
      typedValue('-2.5'),
      typedValue('007'),
      typedValue('9007199254740993'),
    ]).toEqual([true, 17, -2.5, '007', '9007199254740993']);
  });
});
