// test/helpers/global-teardown.js
// After a jest run, passed or failed: its temp root and its builds removed (see test/helpers/global-setup.js).

const { rmSync } = require('node:fs');
const { basename, join } = require('node:path');
const { BUILDS } = require('./global-setup');

module.exports = async () => {
  const root = process.env.CPG_TEST_ROOT;
  if (!root) return;
  rmSync(root, { recursive: true, force: true });
  rmSync(join(BUILDS, basename(root)), { recursive: true, force: true });
};
