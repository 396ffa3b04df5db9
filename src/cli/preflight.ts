// src/cli/preflight.ts
// The `preflight` subcommand: reads a policy (bare, or a service configuration's) and a catalog, prints the report.

import { readFileSync } from 'node:fs';
import { ConfigError, EX_CONFIG, loadPolicyOf } from '../config/service';
import type { Policy } from '../core/policy';
import { timestamp } from '../core/policy/fields';
import {
  CatalogError,
  formatPreflight,
  type PreflightCatalog,
  parseCatalog,
  parseWithin,
  preflight,
  WITHIN_MESSAGE,
} from '../core/preflight';
import { type CommandSpec, EX_USAGE, parseOrExit, synopsis } from './options';

/** The `preflight` command's options: the parser and the help both read this table. */
export const PREFLIGHT_COMMAND: CommandSpec = {
  name: 'preflight',
  summary:
    'Before promotions go live: the lowest price each SKU can be paid under the campaigns active at an instant, ' +
    'and at the start of every campaign and voucher window in the days after it, and every valid stack of voucher ' +
    'codes, checked against its floors and near zero, with warnings on codes ' +
    'without limits or eligibility terms and campaigns their own caps would hold (docs/preflight.md). Exit 0 ' +
    'when there is no error, 1 on errors (on warnings too with --strict), 78 for an invalid configuration or catalog.',
  positionals: [],
  options: {
    config: {
      type: 'string',
      value: 'FILE',
      description:
        'the policy (JSON or YAML): a service configuration with a policy section, or a bare policy file (required)',
    },
    catalog: {
      type: 'string',
      value: 'FILE',
      description:
        'list prices besides the policy catalog: JSON {"SKU": {"IDR": 4700000}}, or CSV (.csv) sku,currency,listPrice[,category]',
    },
    at: {
      type: 'string',
      value: 'TIME',
      description:
        'the instant judged, ISO 8601 with a time zone, e.g. 2026-11-11T00:00:00+07:00 (default: now)',
    },
    within: {
      type: 'string',
      value: 'DURATION',
      description:
        'also judge the start of every campaign and voucher window this long after --at: 7d, 36h, 90m, or 0 for --at alone (default: 7d)',
    },
    json: { type: 'boolean', description: 'print the report as JSON instead of text' },
    strict: { type: 'boolean', description: 'exit 1 on warnings too' },
  },
};

const PROGRAM = 'checkout-price-guard';

/** Reads a catalog file, CSV by its `.csv` extension, JSON otherwise; throws CatalogError. */
export function loadCatalogFile(path: string): PreflightCatalog {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CatalogError(
      [{ path: '', message: `cannot read the file: ${(error as Error).message}` }],
      path,
    );
  }
  const result = parseCatalog(text, /\.csv$/i.test(path) ? 'csv' : 'json');
  if (!result.ok) throw new CatalogError(result.problems, path);
  return result.catalog;
}

/**
 * Runs `preflight --config FILE [--catalog FILE] [--at TIME] [--within DURATION] [--json] [--strict]` (argv without the word
 * `preflight`). Prints the report on stdout. Returns the exit code: 0 no error, 1 errors (or warnings when strict),
 * 2 bad usage, 78 an invalid configuration or catalog.
 */
export function runPreflightCli(argv: readonly string[]): number {
  const args = parseOrExit(PROGRAM, PREFLIGHT_COMMAND, argv);
  if (typeof args === 'number') return args;
  const usage = (message: string) => {
    process.stderr.write(
      `${PROGRAM}: preflight: ${message}\nusage: ${synopsis(PROGRAM, PREFLIGHT_COMMAND)}\n`,
    );
    return EX_USAGE;
  };
  const configPath = args.values.config as string | undefined;
  if (configPath === undefined) return usage('name the policy or service configuration with --config FILE');
  const atText = args.values.at as string | undefined;
  let at = Date.now();
  if (atText !== undefined) {
    const parsed = timestamp.safeParse(atText);
    if (!parsed.success) {
      return usage(
        `--at must be an ISO 8601 timestamp with a time zone, e.g. 2026-11-11T00:00:00+07:00, got "${atText}"`,
      );
    }
    at = parsed.data;
  }
  const withinText = args.values.within as string | undefined;
  const within = withinText === undefined ? undefined : parseWithin(withinText);
  if (withinText !== undefined && within === undefined) {
    return usage(`--within ${WITHIN_MESSAGE}, got "${withinText}"`);
  }
  let policy: Policy;
  let kind: string;
  let catalog: PreflightCatalog | undefined;
  try {
    ({ policy, kind } = loadPolicyOf(configPath));
    const catalogPath = args.values.catalog as string | undefined;
    if (catalogPath !== undefined) catalog = loadCatalogFile(catalogPath);
  } catch (error) {
    if (error instanceof ConfigError || error instanceof CatalogError) {
      process.stderr.write(`${PROGRAM}: preflight: ${error.message}\n`);
      return EX_CONFIG;
    }
    throw error;
  }
  const report = preflight(policy, {
    at,
    ...(catalog ? { catalog } : {}),
    ...(within !== undefined ? { within } : {}),
  });
  if (args.values.json === true) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else process.stdout.write(`${configPath} (${kind})\n${formatPreflight(report)}`);
  if (!report.ok) return 1;
  return args.values.strict === true && report.warnings.length > 0 ? 1 : 0;
}
