// jest.config.js
// Jest runs the TypeScript tests through ts-jest; slow suites that need real services live in test/ too.
// Nothing needs to be running: suites start their own servers on free ports (test/helpers/redis.ts, owned.ts);
// the environment releases what a file started when it ends, and each run has its own temp root.
// CPG_EXPRESS=4 runs the suites against Express 4 (the `express4` alias devDependency) instead of Express 5.

const express = process.env.CPG_EXPRESS ?? '5';
if (express !== '4' && express !== '5') {
  throw new Error(`CPG_EXPRESS must be 4 or 5, got ${JSON.stringify(express)}`);
}

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: '<rootDir>/test/helpers/environment.js',
  globalSetup: '<rootDir>/test/helpers/global-setup.js',
  globalTeardown: '<rootDir>/test/helpers/global-teardown.js',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: { warnOnly: false } }],
    // The CEL library ships ES modules only: Node 20 requires them natively, Jest's module system needs CommonJS.
    '/node_modules/@marcbachmann/cel-js/.+\\.js$': [
      'ts-jest',
      { tsconfig: { allowJs: true, module: 'commonjs', target: 'ES2022' }, isolatedModules: true },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!@marcbachmann/cel-js/)'],
  collectCoverageFrom: ['src/**/*.ts'],
  testTimeout: 30000,
  // Every `require('express')`, ours and the tests', resolves to Express 4 (the library supports ^4.21 || ^5).
  moduleNameMapper: express === '4' ? { '^express$': 'express4' } : {},
};
