// scripts/docker-lint/paths.js
// The repository root the Docker lint checks, and repo-relative paths for its messages.

const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');

// Repo-relative path for messages; absolute when outside the repo.
const rel = (p) => {
  const r = path.relative(ROOT, p);
  return r.startsWith('..') ? p : r || '.';
};

module.exports = { ROOT, rel };
