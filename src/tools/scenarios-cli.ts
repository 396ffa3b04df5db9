// src/tools/scenarios-cli.ts
// The `scenarios` command: writes the seeded synthetic incident streams (src/tools/scenarios.ts) as NDJSON files.

import {
  type CommandSpec,
  commandHelp,
  EX_USAGE,
  type ParsedArgs,
  parseCommandLine,
  synopsis,
  UsageError,
} from '../cli-options';
import { type ScenarioOptions, writeScenarios } from './scenarios';

/** The `scenarios` command's options: the parser and the help both read this table. */
export const SCENARIOS_COMMAND: CommandSpec = {
  name: 'scenarios',
  summary:
    'Write seeded, labelled synthetic order streams (normal days, the incidents, an 11.11 surge) to DIR, one ' +
    'NDJSON file per scenario, ready for replay (docs/replay.md).',
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

const PROGRAM = 'checkout-price-guard';

/** A whole number option value, or a usage message. */
function wholeNumber(name: string, value: string | boolean | undefined): number | undefined | string {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^\d+$/.test(value))
    return `--${name} must be a whole number, got "${value}"`;
  return Number(value);
}

/** `scenarios [--out DIR] [--seed N] [--orders-per-day N]`: writes the streams; returns the exit code. */
export function runScenariosCli(argv: readonly string[]): number {
  let args: ParsedArgs;
  try {
    args = parseCommandLine(SCENARIOS_COMMAND, argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`scenarios: ${error.message}\nusage: ${synopsis(PROGRAM, SCENARIOS_COMMAND)}`);
    return EX_USAGE;
  }
  if (args.values.help) {
    process.stdout.write(commandHelp(PROGRAM, SCENARIOS_COMMAND));
    return 0;
  }
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
