// src/cli/replay.ts
// The `replay` subcommand: backtests a policy on a time-ordered NDJSON file of orders and prints the report.

import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { ConfigError, loadPolicyOf } from '../config/service';
import { type Policy, parsePolicy } from '../core/policy';
import { duration } from '../replay/format';
import {
  formatReport,
  loadMappingFile,
  MappingError,
  ReplayLineError,
  type ReplayOptions,
  replay,
} from '../replay/replay';
import { type CommandSpec, EX_USAGE, parseOrExit } from './options';

/**
 * The `replay` command's options: the parser and the help both read this table, so a new option is one entry
 * here plus its use in runReplayCli.
 */
export const REPLAY_COMMAND: CommandSpec = {
  name: 'replay',
  summary:
    'Backtest a policy: run a time-ordered NDJSON file of orders through the guard on a fresh store with the ' +
    "orders' own clock, and report holds, money held, precision and recall per incident and class; with " +
    '--baseline, the orders two policies decide differently (docs/replay.md).',
  positionals: [{ name: 'FILE', required: true }],
  options: {
    config: {
      type: 'string',
      value: 'FILE',
      description:
        'the policy: a policy file or a service configuration (JSON or YAML); without it the built-in defaults, and a note says so',
    },
    json: { type: 'boolean', description: 'print the report as JSON instead of text' },
    'progress-every': {
      type: 'string',
      value: 'N',
      description:
        'when stderr is not a terminal, report progress there every N orders (default 10000); a terminal gets a live line',
    },
    baseline: {
      type: 'string',
      value: 'FILE',
      description:
        'a second policy judged over the same orders: report which orders change decision, by rule and money',
    },
    examples: {
      type: 'string',
      value: 'N',
      description: 'examples of each changed decision with --baseline (default 10)',
    },
    'skip-invalid': {
      type: 'boolean',
      description: 'count and skip malformed lines instead of stopping at the first',
    },
    map: {
      type: 'string',
      value: 'FILE',
      description:
        "a JSON or YAML mapping from an export's field names and labels to the replay's (docs/replay.md)",
    },
    store: {
      type: 'string',
      value: 'KIND',
      description: 'memory (default) or redis: a fresh key prefix on --redis-url, deleted afterwards',
    },
    'redis-url': {
      type: 'string',
      value: 'URL',
      description: 'Redis for --store redis (default: REDIS_URL)',
    },
    'review-after': {
      type: 'string',
      value: 'MINUTES',
      description:
        'simulate on-call: approve held legit orders and reject held glitch ones this long after each hold',
    },
  },
};

const PROGRAM = 'checkout-price-guard';

/** A whole number option, or a usage message. */
function wholeNumber(name: string, value: unknown, min: number): number | string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^\d+$/.test(value) || Number(value) < min) {
    return `--${name} must be a whole number${min > 0 ? ` of at least ${min}` : ''}, got "${String(value)}"`;
  }
  return Number(value);
}

/**
 * Loads the policy of a bare policy file or a service configuration (or the defaults, with a note); prints the
 * problem and returns undefined when it is invalid.
 */
function policyFrom(file: string | undefined, what: string): Policy | undefined {
  try {
    if (file !== undefined) return loadPolicyOf(file).policy;
    console.error(
      `replay: no ${what} given; replaying with the default policy (no campaigns, no voucher terms)`,
    );
    return parsePolicy({});
  } catch (error) {
    console.error(`replay: ${error instanceof ConfigError ? error.message : String(error)}`);
    return undefined;
  }
}

/** The live progress line of a terminal: orders, share of the file read, rate and time left. */
function progressLine(orders: number, read: number, size: number, started: number): string {
  const seconds = (Date.now() - started) / 1000;
  const share = size > 0 ? Math.min(1, read / size) : 0;
  const eta = share > 0 ? ((1 - share) / share) * seconds * 1000 : undefined;
  const rate = seconds > 0 ? Math.round(orders / seconds) : 0;
  return `replay: ${orders.toLocaleString('en-US')} orders, ${(share * 100).toFixed(1)}% of ${(size / 1e6).toFixed(1)} MB, ${rate.toLocaleString('en-US')}/s, ETA ${duration(eta)}`;
}

/**
 * Runs `replay FILE [options]` (argv without the `replay` word). Prints the report on stdout and progress on
 * stderr. Returns the exit code: 0 done, 1 bad input (a file, a policy, a mapping, a line, Redis), 2 bad usage.
 */
export async function runReplayCli(argv: readonly string[]): Promise<number> {
  const args = parseOrExit(PROGRAM, REPLAY_COMMAND, argv);
  if (typeof args === 'number') return args;
  const file = args.positionals[0]!;
  const values = args.values;
  const usage = (message: string) => {
    console.error(`replay: ${message}`);
    return EX_USAGE;
  };
  const every = wholeNumber('progress-every', values['progress-every'], 1);
  const examples = wholeNumber('examples', values.examples, 0);
  const reviewAfter = wholeNumber('review-after', values['review-after'], 0);
  for (const value of [every, examples, reviewAfter]) if (typeof value === 'string') return usage(value);
  const store = (values.store as string | undefined) ?? 'memory';
  if (store !== 'memory' && store !== 'redis')
    return usage(`--store must be "memory" or "redis", got "${store}"`);
  const redisUrl = (values['redis-url'] as string | undefined) ?? process.env.REDIS_URL;
  if (store === 'redis' && !redisUrl) return usage('--store redis needs --redis-url URL or REDIS_URL');
  if (store === 'memory' && values['redis-url'] !== undefined)
    return usage('--redis-url is for --store redis');
  if (values.baseline === undefined && values.examples !== undefined)
    return usage('--examples is for --baseline');

  const policy = policyFrom(values.config as string | undefined, '--config');
  if (policy === undefined) return 1;
  const options: ReplayOptions = {
    policy,
    skipInvalid: values['skip-invalid'] === true,
    store,
    ...(redisUrl && store === 'redis' ? { redisUrl } : {}),
    ...(typeof reviewAfter === 'number' ? { reviewAfterMinutes: reviewAfter } : {}),
    ...(typeof examples === 'number' ? { diffExamples: examples } : {}),
  };
  if (values.baseline !== undefined) {
    const baseline = policyFrom(values.baseline as string, '--baseline');
    if (baseline === undefined) return 1;
    options.baseline = { policy: baseline, name: values.baseline as string };
  }
  if (values.map !== undefined) {
    try {
      options.toOrder = loadMappingFile(values.map as string);
    } catch (error) {
      console.error(`replay: ${error instanceof MappingError ? error.message : String(error)}`);
      return 1;
    }
  }

  let size = 0;
  try {
    size = statSync(file).size;
  } catch (error) {
    console.error(`replay: cannot read ${file}: ${(error as Error).message}`);
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
  const live = process.stderr.isTTY === true;
  let shown = 0;
  if (live) {
    // A terminal: one line rewritten in place, at most five times a second.
    options.progressEvery = 200;
    options.onProgress = (orders) => {
      if (Date.now() - shown < 200) return;
      shown = Date.now();
      process.stderr.write(`\r${progressLine(orders, stream.bytesRead, size, started)}\u001b[K`);
    };
  } else {
    options.progressEvery = typeof every === 'number' ? every : 10_000;
    options.onProgress = (orders) => {
      const seconds = (Date.now() - started) / 1000;
      console.error(`replay: ${orders.toLocaleString('en-US')} orders (${Math.round(orders / seconds)}/s)`);
    };
  }
  try {
    const report = await replay(lines, options);
    if (live && shown > 0) process.stderr.write('\r\u001b[K');
    process.stdout.write(render(report, values.json === true));
    return 0;
  } catch (error) {
    if (live && shown > 0) process.stderr.write('\n');
    if (error instanceof ReplayLineError) {
      console.error(`replay: ${file}: ${error.message}`);
      return 1;
    }
    if (error instanceof Error && error.message.startsWith('cannot connect to Redis')) {
      console.error(`replay: ${error.message}`);
      return 1;
    }
    throw error;
  } finally {
    lines.close();
    stream.destroy();
  }
}

function render(report: Awaited<ReturnType<typeof replay>>, asJson: boolean): string {
  return asJson ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report);
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
