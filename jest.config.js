/**
 * Two projects: `unit` (*.spec.ts beside the code, no external processes) and `integration`
 * (*.int-spec.ts under apps/<app>/test and libs/<lib>/test, against the real Kafka broker and the
 * embedded ClickHouse engine). The integration project's global setup starts one broker per run.
 */
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];

const moduleNameMapper = {
  // The published runner, as emitted Jest files import it, is its source here.
  '^@trace2test/runner$': '<rootDir>/packages/runner/src',
  '^@trace2test/runner/jest$': '<rootDir>/packages/runner/src/jest',
  '^@t2t/test-support$': '<rootDir>/test/support',
  '^@t2t/([a-z-]+)$': '<rootDir>/libs/$1/src',
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform: { '^.+\\.ts$': swc },
      moduleNameMapper,
      testMatch: ['<rootDir>/{apps,libs,test,scripts}/**/*.spec.ts'],
      testPathIgnorePatterns: ['/node_modules/', '/dist/', '/fixtures/'],
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      transform: { '^.+\\.ts$': swc },
      moduleNameMapper,
      testMatch: ['<rootDir>/{apps,libs,test}/**/*.int-spec.ts'],
      testPathIgnorePatterns: ['/node_modules/', '/dist/', '/fixtures/'],
      globalSetup: '<rootDir>/test/kafka/global-setup.ts',
      setupFiles: ['<rootDir>/test/support/quiet-logs.ts'],
      globalTeardown: '<rootDir>/test/kafka/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/support/integration-timeout.ts'],
      slowTestThreshold: 30,
    },
  ],
};
