import { assertionLines } from './assertion.text';

describe(assertionLines.name, () => {
  it('writes each assertion’s description, conditionals as if/otherwise, journey steps first', () => {
    expect(
      assertionLines({
        steps: [{ name: 'create', assertions: [{ kind: 'exists', description: 'orders INSERT' }] }],
        assertions: [
          { kind: 'exists', description: 'potato-shop serves POST /orders' },
          {
            kind: 'conditional',
            when: { all: [{ attribute: 'user.likes_potatoes', op: '=', value: true }] },
            then: [{ kind: 'exists', description: 'calls potato-handler POST /potatoes' }],
            else: [{ kind: 'absent', description: 'no call to potato-handler' }],
          },
          { kind: 'duration', profile: 'performance', description: 'within 13 ms' },
        ],
      }),
    ).toEqual([
      { depth: 0, text: 'step create' },
      { depth: 1, text: 'orders INSERT' },
      { depth: 0, text: 'potato-shop serves POST /orders' },
      { depth: 0, text: 'if user.likes_potatoes = true:' },
      { depth: 1, text: 'calls potato-handler POST /potatoes' },
      { depth: 0, text: 'otherwise:' },
      { depth: 1, text: 'no call to potato-handler' },
      { depth: 0, text: 'within 13 ms', profile: 'performance' },
    ]);
    expect(assertionLines(null)).toEqual([]);
  });
});
