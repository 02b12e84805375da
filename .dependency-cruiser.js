/**
 * Architecture rules, checked in CI (`npm run depcheck`, part of `npm test`).
 *
 * The pure core (domain, otlp, wire, fingerprint, model, testgen, examples) is plain TypeScript: no
 * framework, no broker, no database, no LLM client and no file or network IO. Apps wire it to IO.
 * This keeps the algorithms testable with literals and reusable from the CLI, the benchmarks and
 * every app.
 */
const PURE = '(^|/)libs/(domain|otlp|wire|fingerprint|model|testgen|examples)/src/';
const IO_PACKAGES = [
  '^@nestjs/',
  '^kafkajs',
  '^@confluentinc/',
  '^@clickhouse/',
  '^chdb',
  '^langchain',
  '^@langchain/',
  '^@apollo/',
  '^graphql',
  '^express',
];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'pure-lib-imports-io-package',
      comment:
        'Pure libs may not import Nest, Kafka, ClickHouse, LangChain, GraphQL or HTTP frameworks.',
      severity: 'error',
      from: { path: PURE, pathNot: '\\.(spec|int-spec)\\.ts$' },
      to: { path: `node_modules/(${IO_PACKAGES.map((p) => p.replace('^', '')).join('|')})` },
    },
    {
      name: 'pure-lib-imports-io-lib',
      comment: 'Pure libs may not import the IO libs (storage, messaging, platform) or apps.',
      severity: 'error',
      from: { path: PURE, pathNot: '\\.(spec|int-spec)\\.ts$' },
      to: { path: '(^|/)(libs/(storage|messaging|platform)|apps)/' },
    },
    {
      name: 'pure-lib-does-io',
      comment: 'Pure libs do no file, network or process IO (tests may read golden files).',
      severity: 'error',
      from: { path: PURE, pathNot: '\\.(spec|int-spec)\\.ts$' },
      to: {
        dependencyTypes: ['core'],
        path: '^(node:)?(fs|fs/promises|net|http|https|http2|dgram|child_process|cluster|worker_threads)$',
      },
    },
    {
      name: 'domain-imports-nothing',
      comment: 'libs/domain holds types and tiny helpers only; it depends on nothing.',
      severity: 'error',
      from: { path: '(^|/)libs/domain/src/', pathNot: '\\.spec\\.ts$' },
      to: { pathNot: '(^|/)libs/domain/src/' },
    },
    {
      name: 'kafka-client-outside-messaging',
      comment:
        'The Kafka client stays behind the messaging port: apps and libs use @t2t/messaging (MessagingClient), so the client can be replaced in libs/messaging alone.',
      severity: 'error',
      from: { path: '(^|/)(apps|libs)/', pathNot: '(^|/)libs/messaging/' },
      to: { path: 'node_modules/(kafkajs|@confluentinc/)' },
    },
    {
      name: 'lib-imports-app',
      comment: 'Libraries are reusable; they never depend on a deployable app.',
      severity: 'error',
      from: { path: '(^|/)libs/' },
      to: { path: '(^|/)apps/' },
    },
    {
      name: 'app-imports-other-app',
      comment: 'Apps share code through libs, never by importing each other.',
      severity: 'error',
      // apps/server is the composition root: it starts any service, or all of them in one process.
      from: { path: '(^|/)apps/([^/]+)/', pathNot: '(^|/)apps/server/' },
      to: { path: '(^|/)apps/', pathNot: '(^|/)apps/$2/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|data)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['require', 'node', 'default', 'types'],
      extensions: ['.ts', '.tsx', '.js', '.json', '.d.ts'],
    },
  },
};
