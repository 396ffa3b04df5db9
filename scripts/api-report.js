#!/usr/bin/env node
// scripts/api-report.js
// The public surface of every package entry, as API reports in api/ (api-extractor): `--check` fails on a change.

const { existsSync, readFileSync } = require('node:fs');
const { join } = require('node:path');
const { Extractor, ExtractorConfig } = require('@microsoft/api-extractor');

const ROOT = join(__dirname, '..');
const check = process.argv.includes('--check');

/** Every entry of the exports map but the root's files: `.` is dist/index.d.ts, `./redis` dist/redis.d.ts. */
function entries() {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  return Object.keys(pkg.exports)
    .filter((key) => !key.includes('*') && key !== './package.json')
    .map((key) => (key === '.' ? 'index' : key.slice(2)));
}

let failed = 0;
for (const name of entries()) {
  const typings = join(ROOT, 'dist', `${name}.d.ts`);
  if (!existsSync(typings)) {
    console.error(`api-report: ${typings} is missing; run npm run build first`);
    process.exit(1);
  }
  const config = ExtractorConfig.prepare({
    configObject: {
      projectFolder: ROOT,
      mainEntryPointFilePath: typings,
      bundledPackages: [],
      compiler: { tsconfigFilePath: join(ROOT, 'tsconfig.build.json') },
      apiReport: {
        enabled: true,
        reportFolder: join(ROOT, 'api'),
        reportTempFolder: join(ROOT, '.build', 'api'),
        reportFileName: `${name}.api.md`,
      },
      docModel: { enabled: false },
      dtsRollup: { enabled: false },
      tsdocMetadata: { enabled: false },
      messages: {
        // The report is the point; TSDoc style and release tags are not enforced (no @public on every export).
        extractorMessageReporting: {
          default: { logLevel: 'warning' },
          'ae-missing-release-tag': { logLevel: 'none' },
          'ae-forgotten-export': { logLevel: 'none' },
          'ae-undocumented': { logLevel: 'none' },
        },
        tsdocMessageReporting: { default: { logLevel: 'none' } },
      },
    },
    configObjectFullPath: join(ROOT, 'api', 'api-extractor.json'),
    packageJsonFullPath: join(ROOT, 'package.json'),
  });
  const result = Extractor.invoke(config, { localBuild: !check, showVerboseMessages: false });
  if (!result.succeeded || (check && result.apiReportChanged)) {
    failed++;
    console.error(
      `api-report: ${name}: the public surface changed; run npm run api and commit api/${name}.api.md`,
    );
  }
}
if (failed > 0) process.exit(1);
console.log(`api-report: ${entries().length} entries ${check ? 'match' : 'written to'} api/`);
