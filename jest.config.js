/**
 * Four projects: the server against a real MongoDB-protocol database, the heavy race tests on that database
 * (`races`: `npx jest --selectProjects races` runs them alone), the mini-program in jsdom, and the staff console in real Chromium
 * against the service on the real database. The split runner runs the mini-program files in a worker alongside
 * the others (see test/helpers/split-runner.js).
 */
// Transpile only (tsconfig has isolatedModules); `npm run typecheck` does the type checking.
const tsJest = ['ts-jest', { diagnostics: false }];
const runner = '<rootDir>/test/helpers/split-runner.js';
/** Many residents racing for seats and queue places: worth their minutes, kept apart so they can be run alone. */
const RACES = ['<rootDir>/test/integration/talks-concurrency.test.ts', '<rootDir>/test/integration/talks-walkers.test.ts'];
const serverDb = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': tsJest },
  globalSetup: '<rootDir>/test/helpers/global-setup.ts',
  globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
  setupFiles: ['<rootDir>/test/helpers/env.ts'],
  runner,
};

module.exports = {
  // Set-up hooks start an app and a database per file: on a busy machine they need more than Jest's 5 s.
  testTimeout: 30_000,
  projects: [
    {
      displayName: 'server',
      roots: ['<rootDir>/test'],
      testMatch: ['<rootDir>/test/{unit,integration,bot}/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', ...RACES],
      ...serverDb,
    },
    { displayName: 'races', roots: ['<rootDir>/test'], testMatch: RACES, ...serverDb },
    {
      displayName: 'miniprogram',
      testEnvironment: 'jsdom',
      roots: ['<rootDir>/test/miniprogram'],
      testMatch: ['<rootDir>/test/miniprogram/**/*.test.ts'],
      transform: { '^.+\\.ts$': tsJest },
      runner,
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
      runner,
    },
  ],
};
