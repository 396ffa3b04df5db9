// src/tools/replay-cli.ts
// The `replay` subcommand: backtests a policy on a time-ordered NDJSON file of orders and prints the report.

import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { loadPolicyFile } from '../config/policy-file';
import { type Policy, PolicyError, parsePolicy } from '../core/policy';
import { formatReport, ReplayLineError, replay } from './replay';

const USAGE =
  'usage: checkout-price-guard replay <orders.ndjson> --config <policy.yaml|json> [--json] [--progress-every N]';

/**
 * Runs `replay <orders.ndjson> --config <file> [--json] [--progress-every N]` (argv without the `replay` word).
 * Prints the report on stdout and progress on stderr. Returns the exit code: 0 done, 1 bad input, 2 bad usage.
 */
export async function runReplayCli(argv: readonly string[]): Promise<number> {
  let file: string | undefined;
  let config: string | undefined;
  let json = false;
  let progressEvery = 10_000;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--json') json = true;
    else if (arg === '--config' || arg === '--progress-every') {
      const value = argv[++i];
      if (value === undefined) {
        console.error(`replay: ${arg} needs a value\n${USAGE}`);
        return 2;
      }
      if (arg === '--config') config = value;
      else if (/^[1-9]\d*$/.test(value)) progressEvery = Number(value);
      else {
        console.error(`replay: --progress-every must be a positive whole number, got "${value}"\n${USAGE}`);
        return 2;
      }
    } else if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      return 0;
    } else if (arg.startsWith('-')) {
      console.error(`replay: unknown option "${arg}"\n${USAGE}`);
      return 2;
    } else if (file === undefined) file = arg;
    else {
      console.error(`replay: one orders file only, got "${file}" and "${arg}"\n${USAGE}`);
      return 2;
    }
  }
  if (file === undefined) {
    console.error(`replay: name the orders file\n${USAGE}`);
    return 2;
  }
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
