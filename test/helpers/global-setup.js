// test/helpers/global-setup.js
// Before a jest run: a temp root of its own (TMPDIR points at it), and the roots of killed runs removed.

/*
 * Every mkdtemp under os.tmpdir() in the suites, their helpers and the commands they run lands in the run's root
 * (TMPDIR=/tmp/cpg-jest-PID-XXXXXX), and the service the suites start is transpiled once per run beside it in
 * node_modules/.cache/cpg-jest-PID-XXXXXX (test/helpers/service-process.ts). test/helpers/global-teardown.js
 * removes both; a run killed before its teardown leaves them, and the next run removes every root whose jest
 * process (the PID in its name) is gone.
 *
 * REDIS_URL and REDIS_PREFIX of the shell that started jest are dropped for the run: code under test that reads
 * them (the replay command, the store chosen from the environment) must never reach a Redis the run did not
 * start.
 */

const { mkdtempSync, readdirSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const PREFIX = 'cpg-jest-';
/** Where the per-run builds live: under node_modules so that they resolve the checkout's dependencies. */
const BUILDS = join(__dirname, '..', '..', 'node_modules', '.cache');

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/** Removes the roots of runs whose jest process is gone. */
function removeStaleRoots(parent) {
  let names = [];
  try {
    names = readdirSync(parent);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(/^cpg-jest-(\d+)-/.exec(name)?.[1]);
    if (pid > 0 && pid !== process.pid && !alive(pid))
      rmSync(join(parent, name), { recursive: true, force: true });
  }
}

module.exports = async () => {
  const base = tmpdir();
  removeStaleRoots(base);
  removeStaleRoots(BUILDS);
  const root = mkdtempSync(join(base, `${PREFIX}${process.pid}-`));
  process.env.CPG_TEST_ROOT = root;
  process.env.TMPDIR = root;
  delete process.env.REDIS_URL;
  delete process.env.REDIS_PREFIX;
};

module.exports.BUILDS = BUILDS;
