// scripts/docker-lint.js
// Static checks of the Docker files: Dockerfile diagnostics (dockerfile-utils) + policy, compose host paths exist.
//
// Also reads the Prometheus and Alertmanager configs compose mounts: every host a Prometheus static target
// names (scrape targets, alertmanagers) must be a compose service, and every Alertmanager route must name a
// defined receiver.
//
// Also checks that the code shipped in the image imports only production dependencies: the runtime stage
// installs `npm ci --omit=dev`, so a value import of a devDependency from src/ crashes the container at start.
//
// Usage: node scripts/docker-lint.js [--dockerfile PATH] [--compose PATH]
// Exits 1 with one line per problem (file, location, the offending path or instruction), 0 when clean.
// Needs only dockerfile-utils and yaml from node_modules; no Docker engine, no network.
// The checks live in scripts/docker-lint/ (Dockerfile, compose and mounted configs, runtime imports); this file
// reads the arguments and reports.

const path = require('node:path');
const { lintCompose } = require('./docker-lint/compose');
const { lintDockerfile } = require('./docker-lint/dockerfile');
const { ROOT, rel } = require('./docker-lint/paths');
const { lintRuntimeImports } = require('./docker-lint/runtime-imports');

function parseArgs(argv) {
  const opts = { dockerfile: path.join(ROOT, 'Dockerfile'), compose: path.join(ROOT, 'docker-compose.yml') };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if ((arg === '--dockerfile' || arg === '--compose') && argv[i + 1]) {
      opts[arg.slice(2)] = path.resolve(argv[i + 1]);
      i += 1;
    } else {
      throw new Error(`unknown argument ${arg} (usage: docker-lint.js [--dockerfile PATH] [--compose PATH])`);
    }
  }
  return opts;
}

function main() {
  const started = Date.now();
  const opts = parseArgs(process.argv.slice(2));
  const problems = [];
  const count = lintDockerfile(opts.dockerfile, problems);
  const { services, paths, configs = 0 } = lintCompose(opts.compose, problems);
  const sources = lintRuntimeImports(problems);
  if (problems.length) {
    for (const p of problems) console.error(`docker-lint: ${p}`);
    console.error(`docker-lint: FAIL, ${problems.length} problem(s)`);
    process.exitCode = 1;
    return;
  }
  console.log(
    `docker-lint: OK (${rel(opts.dockerfile)}: ${count} instructions; ${rel(opts.compose)}: ` +
      `${services} services, ${paths} host paths exist, ${configs} mounted Prometheus/Alertmanager configs fit; ` +
      `${sources} source files import production deps only) ` +
      `in ${Date.now() - started} ms`,
  );
}

try {
  main();
} catch (err) {
  console.error(`docker-lint: ${err.message}`);
  process.exitCode = 2;
}
