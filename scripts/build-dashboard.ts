// scripts/build-dashboard.ts
// Writes grafana/dashboards/checkout-price-guard.json from grafana/dashboard.ts; `--check` fails if the file is stale.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DASHBOARD_FILE, dashboardJson } from '../grafana/dashboard';

/** Writes (or with `check`, compares) the dashboard JSON under `root`; returns a process exit code. */
export function buildDashboard(root: string, check: boolean): number {
  const file = resolve(root, DASHBOARD_FILE);
  const json = dashboardJson();
  if (check) {
    let current = '';
    try {
      current = readFileSync(file, 'utf8');
    } catch {
      // a missing file is stale too
    }
    if (current !== json) {
      console.error(`${DASHBOARD_FILE} is stale: run \`npm run dashboard\` and commit the result`);
      return 1;
    }
    console.log(`${DASHBOARD_FILE} is up to date`);
    return 0;
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, json);
  console.log(`wrote ${DASHBOARD_FILE}`);
  return 0;
}

if (require.main === module) {
  // npm runs scripts from the package root.
  process.exitCode = buildDashboard(process.cwd(), process.argv.includes('--check'));
}
