// src/tools/replay-cli.ts
// The `replay` subcommand: backtests a policy on a time-ordered NDJSON file of orders and prints the report.

import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { type CommandSpec, EX_USAGE, parseOrExit } from '../cli-options';
import { loadPolicyFile } from '../config/policy-file';
import { type Policy, PolicyError, parsePolicy } from '../core/policy';
import { formatReport, ReplayLineError, replay } from './replay';

/**
 * The `replay` command's options: the parser and the help both read this table, so a new option is one entry
 * here plus its use in runReplayCli.
 */
export const REPLAY_COMMAND: CommandSpec = {
  name: 'replay',
  summary:
    'Backtest a policy: run a time-ordered NDJSON file of orders through the guard in shadow mode on a fresh ' +
    'store with a simulated clock, and report holds, money held, precision and recall (docs/replay.md).',
  positionals: [{ name: 'FILE', required: true }],
  options: {
    config: {
      type: 'string',
      value: 'FILE',
      description: 'the policy (JSON or YAML); without it the built-in defaults, and a note says so',
    },
    json: { type: 'boolean', description: 'print the report as JSON instead of text' },
    'progress-every': {
      type: 'string',
      value: 'N',
      description: 'report progress on stderr every N orders (default 10000)',
    },
  },
};

const PROGRAM = 'checkout-price-guard';

/**
 * Runs `replay FILE [--config FILE] [--json] [--progress-every N]` (argv without the `replay` word).
 * Prints the report on stdout and progress on stderr. Returns the exit code: 0 done, 1 bad input, 2 bad usage.
 */
export async function runReplayCli(argv: readonly string[]): Promise<number> {
  const args = parseOrExit(PROGRAM, REPLAY_COMMAND, argv);
  if (typeof args === 'number') return args;
  const file = args.positionals[0]!;
  const config = args.values.config as string | undefined;
  const json = args.values.json === true;
  const every = args.values['progress-every'] as string | undefined;
  if (every !== undefined && !/^[1-9]\d*$/.test(every)) {
    console.error(`replay: --progress-every must be a positive whole number, got "${every}"`);
    return EX_USAGE;
  }
  const progressEvery = every === undefined ? 10_000 : Number(every);
  let policy: Policy;
  try {
    if (config === undefined) {
      console.error(
        'replay: no --config given; replaying with the default policy (no campaigns, no voucher terms)',
      );
      policy = parsePolicy({});
    } else policy = loadPolicyFile(config);
  } catch (error) {
    console.error(`replay: ${error instanceof PolicyError ? error.message : String(error)}`);
    return 1;
  }

  const stream = createReadStream(file, { encoding: 'utf8' });
  const opened = new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', reject);
  });
  try {
    await opened;
  } catch (error) {
    console.error(`replay: cannot read ${file}: ${(error as Error).message}`);
    return 1;
  }
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  const started = Date.now();
  try {
    const report = await replay(lines, {
      policy,
      progressEvery,
      onProgress: (orders) => {
        const seconds = (Date.now() - started) / 1000;
        console.error(`replay: ${orders.toLocaleString('en-US')} orders (${Math.round(orders / seconds)}/s)`);
      },
    });
    process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
    return 0;
  } catch (error) {
    if (error instanceof ReplayLineError) {
      console.error(`replay: ${file}: ${error.message}`);
      return 1;
    }
    throw error;
  } finally {
    lines.close();
    stream.destroy();
  }
}

if (require.main === module) {
  runReplayCli(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
