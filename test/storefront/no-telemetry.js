// test/storefront/no-telemetry.js
// Runs before each storefront suite: Vendure's start-up telemetry off, so the tests reach nothing outside the machine.

process.env.VENDURE_DISABLE_TELEMETRY = 'true';
