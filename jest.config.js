/**
 * Three projects: the server against a real MongoDB-protocol database, the mini-program in jsdom, and the staff
 * console in real Chromium against the service on the real database.
 */
// Transpile only (tsconfig has isolatedModules); `npm run typecheck` does the type checking.
const tsJest = ['ts-jest', { diagnostics: false }];

module.exports = {
  // Set-up hooks start an app and a database per file: on a busy machine they need more than Jest's 5 s.
  testTimeout: 30_000,
  projects: [
    {
      displayName: 'server',
      testEnvironment: 'node',
      roots: ['<rootDir>/test'],
      testMatch: ['<rootDir>/test/{unit,integration,bot}/**/*.test.ts'],
      transform: { '^.+\\.ts$': tsJest },
      globalSetup: '<rootDir>/test/helpers/global-setup.ts',
      globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
      setupFiles: ['<rootDir>/test/helpers/env.ts'],
    },
    {
      displayName: 'miniprogram',
      testEnvironment: 'jsdom',
      roots: ['<rootDir>/test/miniprogram'],
      testMatch: ['<rootDir>/test/miniprogram/**/*.test.ts'],
      transform: { '^.+\\.ts$': tsJest },
    },
    {
      displayName: 'console',
      testEnvironment: 'node',
      roots: ['<rootDir>/test/console'],
      testMatch: ['<rootDir>/test/console/**/*.test.ts'],
      transform: { '^.+\\.ts$': tsJest },
      globalSetup: '<rootDir>/test/console/global-setup.ts',
      globalTeardown: '<rootDir>/test/console/global-teardown.ts',
      setupFiles: ['<rootDir>/test/helpers/env.ts'],
    },
  ],
};
