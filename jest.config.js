// jest.config.js
// Jest runs the TypeScript tests through ts-jest; slow suites that need real services live in test/ too.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: { warnOnly: false } }] },
  setupFilesAfterEnv: ['<rootDir>/test/helpers/setup.ts'],
  collectCoverageFrom: ['src/**/*.ts'],
  testTimeout: 30000,
};
