import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'data/', '.tools/', 'coverage/', 'jest.config.js', 'console/dist/', 'console/src/api/schema.ts', 'screenshots/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // A module's index.ts is its public API: another module imports that, never its models or services.
    files: ['src/modules/*/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^\\.\\./[^./][^/]*/', message: "Import another module through its index.ts ('../name'), not its internal files." }] },
      ],
    },
  },
  {
    // The platform (http, bot, notify, scheduler, worker, lib, scripts) likewise; tests and benchmarks arrange data directly.
    files: ['src/**/*.ts', 'scripts/**/*.ts'],
    ignores: ['src/modules/**', 'scripts/bench/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '(^|/)modules/[^/]+/', message: "Import a module through its index.ts ('modules/name'), not its internal files." }] },
      ],
    },
  },
  {
    // The layers under the modules (access, http, lib) import none of them: the modules fill their ports instead.
    files: ['src/access/**/*.ts', 'src/http/**/*.ts', 'src/lib/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)modules(/|$)',
              message: 'access, http and lib know no module: take what a module provides as a parameter or a port (see src/access).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['miniprogram/**/*.ts', 'test/miniprogram/**/*.ts'],
    languageOptions: { globals: { wx: 'readonly', App: 'readonly', getApp: 'readonly', Component: 'readonly', Page: 'readonly', getCurrentPages: 'readonly' } },
  },
  {
    // Jest loads its runner as CommonJS.
    files: ['test/helpers/split-runner.js'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['test/miniprogram/**/*.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
