// tools/scenarios/cli.ts
// `npm run scenarios`: writes the seeded synthetic incident streams (tools/scenarios/) as NDJSON files.

import { type CommandSpec, EX_USAGE, parseOrExit } from '../../src/cli/options';
import { type ScenarioOptions, writeScenarios } from '.';

/** The `scenarios` command's options: the parser and the help both read this table. */
export const SCENARIOS_COMMAND: CommandSpec = {
  name: 'scenarios',
  summary:
    'Write seeded, labelled synthetic order streams (normal days, the incidents, an 11.11 surge, and the general ' +
    'stream of overcharges, markdowns, stacked discounts, gradual leaks and new SKUs beside legitimate hard cases) ' +
    'to DIR, one NDJSON file per scenario, ready for replay (docs/replay.md).',
  positionals: [],
  options: {
    out: { type: 'string', value: 'DIR', description: 'where to write the files (default scenarios)' },
    seed: {
      type: 'string',
      value: 'N',
      description: 'seed of the generator; the same seed gives the same files',
    },
    'orders-per-day': {
      type: 'string',
      value: 'N',
      description: 'orders on a normal day (default 3000; 11.11 has ten times as many)',
    },
  },
};

const PROGRAM = 'npm run';

/** A whole number option value, or a usage message. */
function wholeNumber(name: string, value: string | boolean | undefined): number | undefined | string {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^\d+$/.test(value))
    return `--${name} must be a whole number, got "${value}"`;
  return Number(value);
}

/** `scenarios [--out DIR] [--seed N] [--orders-per-day N]`: writes the streams; returns the exit code. */
export function runScenariosCli(argv: readonly string[]): number {
  const args = parseOrExit(PROGRAM, SCENARIOS_COMMAND, argv);
  if (typeof args === 'number') return args;
  const options: ScenarioOptions = {};
  for (const [flag, key] of [
    ['seed', 'seed'],
    ['orders-per-day', 'ordersPerDay'],
  ] as const) {
    const value = wholeNumber(flag, args.values[flag]);
    if (typeof value === 'string') {
      console.error(`scenarios: ${value}`);
      return EX_USAGE;
    }
    if (value !== undefined) options[key] = value;
  }
  const out = (args.values.out as string | undefined) ?? 'scenarios';
  for (const { file, orders } of writeScenarios(out, options)) console.log(`${file}: ${orders} orders`);
  return 0;
}

if (require.main === module) process.exitCode = runScenariosCli(process.argv.slice(2));
