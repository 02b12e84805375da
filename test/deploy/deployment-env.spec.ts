import { composeContainer, dockerfileEnv, interpolate, k8sContainer } from './deployment-env';

describe('dockerfileEnv', () => {
  it('reads ENV of the last stage only', () => {
    const file = [
      'FROM node:24 AS build',
      'ENV BUILD_ONLY=1',
      'FROM node:24-slim',
      'ENV NODE_ENV=production A="two words"',
      'CMD ["node"]',
    ].join('\n');
    expect(dockerfileEnv(file)).toEqual({ NODE_ENV: 'production', A: 'two words' });
  });
});

describe('interpolate (compose)', () => {
  const host = { SET: 'v', EMPTY: '' };
  it.each([
    ['$SET/${SET}', 'v/v'],
    ['${MISSING:-d}', 'd'],
    ['${EMPTY:-d}', 'd'],
    ['${EMPTY-d}', ''],
    ['${SET:-d}', 'v'],
    ['$$SET', '$SET'],
    ['${MISSING}', ''],
  ])('%s -> %s', (value, expected) => expect(interpolate(value, host)).toBe(expected));

  it('fails on a required variable that is missing, with its message', () => {
    expect(() => interpolate('${KEY:?set KEY}', host)).toThrow('KEY is required: set KEY');
  });
});

describe('composeContainer', () => {
  const compose = `
x-env: &env
  A: from-anchor
  B: \${B_HOST:-fallback}
services:
  svc:
    command: ['node', 'main.js']
    environment:
      <<: *env
      C: 3
      PASS:
  listed:
    command: ['node', 'other.js']
    environment: ['X=1', 'PASS']
`;
  it('merges anchors over the image env and interpolates from the host shell', () => {
    expect(composeContainer(compose, 'svc', { IMG: 'i', A: 'image' }, { PASS: 'p' })).toEqual({
      command: ['node', 'main.js'],
      env: { IMG: 'i', A: 'from-anchor', B: 'fallback', C: '3', PASS: 'p' },
    });
  });
  it('reads the list form and leaves out pass-through keys the host lacks', () => {
    expect(composeContainer(compose, 'listed', {}, {}).env).toEqual({ X: '1' });
  });
});

describe('k8sContainer', () => {
  const manifests = `
apiVersion: v1
kind: ConfigMap
metadata: { name: cfg }
data: { A: '1', SHARED: from-config }
---
apiVersion: v1
kind: Secret
metadata: { name: sec }
data: { B: ${Buffer.from('two').toString('base64')} }
stringData: { SHARED: from-secret }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: app }
spec:
  template:
    spec:
      containers:
        - name: app
          command: ['node', 'main.js']
          envFrom:
            - configMapRef: { name: cfg }
            - secretRef: { name: sec }
            - secretRef: { name: absent, optional: true }
          env:
            - { name: LITERAL, value: x }
            - name: KEYED
              valueFrom: { configMapKeyRef: { name: cfg, key: A } }
`;
  it('resolves envFrom in order, then env entries, over the image env', () => {
    expect(k8sContainer(manifests, 'app', { IMG: 'i' })).toEqual({
      command: ['node', 'main.js'],
      env: { IMG: 'i', A: '1', B: 'two', SHARED: 'from-secret', LITERAL: 'x', KEYED: '1' },
    });
  });
  it('fails on a reference to an object the files do not define', () => {
    expect(() =>
      k8sContainer(
        manifests.replace(
          'name: sec }\n            - secretRef',
          'name: nope }\n            - secretRef',
        ),
        'app',
        {},
      ),
    ).toThrow('Secret nope is referenced but not defined');
  });
});
