// test/storefront/jest.config.js
// `npm run test:storefront`: the end-to-end suites that start a real storefront backend (kept out of `npm test`).

const base = require('../../jest.config.js');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  rootDir: '../..',
  roots: ['<rootDir>/test/storefront'],
  testMatch: ['**/*.e2e.ts'],
  // Vendure sends anonymous usage data to its makers after start-up unless told not to; a test sends nothing out.
  setupFiles: ['<rootDir>/test/storefront/no-telemetry.js'],
  testTimeout: 120_000,
};
