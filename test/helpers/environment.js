// test/helpers/environment.js
// The jest environment of every suite: Node's, plus the release of what the suite started when its file ends.

/*
 * The helpers register a cleanup for each thing they start (test/helpers/owned.ts: atSuiteEnd, spawnOwned,
 * tempDir). This environment runs the cleanups still registered when the file ends: after the file's own
 * afterAll hooks, whether its tests passed or failed, and also when a beforeAll failed halfway and the afterAll
 * hooks could not. A cleanup that fails fails the file.
 *
 * An unhandled rejection fails the run: jest fails the test or hook it happens in, and one that happens while no
 * test runs (between files, in a cleanup) reaches the listener below, which throws it, and the jest process (or
 * worker) exits with an error.
 */

const { relative } = require('node:path');
const { TestEnvironment } = require('jest-environment-node');

/** Where test/helpers/owned.ts finds the running file's cleanups (a registry symbol: the same in every realm). */
const CLEANUPS = Symbol.for('checkout-price-guard.test.cleanups');

// Once per process, in this realm: a listener created by a test file would keep that file's context alive.
if (!process[CLEANUPS]) {
  process[CLEANUPS] = true;
  process.on('unhandledRejection', (reason) => {
    throw reason instanceof Error ? reason : new Error(`unhandled rejection: ${String(reason)}`);
  });
}

class SuiteEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    this.file = relative(config.projectConfig.rootDir, context.testPath);
    /** @type {Set<() => unknown>} */
    this.cleanups = new Set();
    this.global[CLEANUPS] = this.cleanups;
  }

  async teardown() {
    const failures = [];
    // Last registered first: a server's data directory goes after the server.
    for (const cleanup of [...this.cleanups].reverse()) {
      this.cleanups.delete(cleanup);
      try {
        await cleanup();
      } catch (error) {
        failures.push(error);
      }
    }
    await super.teardown();
    if (failures.length > 0) {
      throw new AggregateError(failures, `${this.file}: ${failures.length} cleanup(s) failed at its end`);
    }
  }
}

module.exports = SuiteEnvironment;
