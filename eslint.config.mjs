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
    files: ['miniprogram/**/*.ts', 'test/miniprogram/**/*.ts'],
    languageOptions: { globals: { wx: 'readonly', App: 'readonly', getApp: 'readonly', Component: 'readonly', Page: 'readonly', getCurrentPages: 'readonly' } },
  },
  {
    files: ['test/miniprogram/**/*.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
