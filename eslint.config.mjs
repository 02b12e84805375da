// @ts-check
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'packages/*/dist/**',
      'node_modules/**',
      'data/**',
      'demo-output/**',
      'coverage/**',
      '.kafka/**',
      '**/*.js',
      '**/*.mjs',
      '**/*.cjs',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  prettier,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // A promise nobody awaits loses its error: in a consumer that means data loss without a trace.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message: 'Read the environment once via @t2t/config (readProcessEnv) at boot.',
        },
      ],
    },
  },
  {
    // The Kafka client stays behind the messaging port (`MessagingClient` in libs/messaging):
    // stages, tests, benches and scripts import @t2t/messaging, so the client can be replaced in
    // one place. dependency-cruiser checks the same for apps and libs (npm run depcheck).
    files: ['**/*.ts'],
    ignores: ['libs/messaging/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'kafkajs',
              message:
                'Use the messaging port from @t2t/messaging; kafkajs stays in libs/messaging.',
            },
          ],
          patterns: [
            {
              group: ['kafkajs/*', '@confluentinc/*'],
              message:
                'Use the messaging port from @t2t/messaging; Kafka clients stay in libs/messaging.',
            },
          ],
        },
      ],
    },
  },
  {
    files: [
      'libs/config/src/process-env.ts',
      '**/*.spec.ts',
      '**/*.int-spec.ts',
      '**/test/**/*.ts',
      'scripts/**/*.ts',
      '**/bench/**/*.ts',
    ],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    files: ['**/*.spec.ts', '**/*.int-spec.ts', '**/test/**/*.ts'],
    rules: {
      // Tests walk parsed YAML/JSON and HTTP bodies; their assertions are the type check.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
);
