// src/replay/replay.ts
// Incident replay and backtest: runs a time-ordered NDJSON stream through the guard on the orders' own clock.

import type { Evaluation } from '../core/evaluate';
import { DEFAULT_ORDER_LIMITS, type Order, type OrderLimits } from '../core/order';
import type { Policy } from '../core/policy';
import type { Problem } from '../core/problems';
import { type CheckResult, Guard } from '../engine/guard';
import { ReviewWorkflow } from '../engine/review';
import type { GuardStore } from '../ports/store';
import { MemoryStore } from '../state/memory/store';
import { DiffBuilder, type PolicyDiff } from './diff';
import { parseJsonLine, ReplayLineError, splitLine } from './input';
import { openReplayRedis, REPLAY_IDEMPOTENCY_SECONDS, type ReplayRedis } from './redis';
import { type ReplayReport, ReportBuilder } from './report';
import { SimulatedOnCall } from './review';

// The report, its parts and its text form: what the CLI prints and tests read.
export type { DiffChange, DiffExample, PolicyDiff } from './diff';
export { formatReport } from './format';
export { ReplayLineError } from './input';
export { compileMapping, loadMappingFile, MappingError, type ReplayMapping } from './mapping';
export type {
  ClassReport,
  HeldRef,
  IncidentReport,
  LabelStats,
  LineProblem,
  MoneyHeld,
  ReplayReport,
  ReusedId,
  ReviewSummary,
} from './report';

/** Where a replay keeps the guard's state. */
export type ReplayStore = 'memory' | 'redis';

/** Options of a replay. */
export interface ReplayOptions {
  /** The policy to backtest. */
  policy: Policy;
  /** Order limits. Defaults to DEFAULT_ORDER_LIMITS. */
  limits?: OrderLimits;
  /** Calls `onProgress` every this many orders. Defaults to 10,000. */
  progressEvery?: number;
  /** Receives the orders judged and the lines read so far. Defaults to none. */
  onProgress?: (orders: number, lines: number) => void;
  /** Count and skip malformed lines (and lines out of time order) instead of stopping at the first. Defaults to false. */
  skipInvalid?: boolean;
  /** Turns each parsed row into a replay line (see `compileMapping` for `--map`). Defaults to the row itself. */
  toOrder?: (row: unknown) => unknown;
  /** The store the guard runs on: a fresh `memory` store, or `redis` under a fresh key prefix. Defaults to memory. */
  store?: ReplayStore;
  /** Redis URL for `store: 'redis'` (single node or cluster, as REDIS_URL). Required with it. */
  redisUrl?: string;
  /**
   * A simulated on-call who approves each held legit order and rejects each held glitch order this many minutes
   * after its hold (through the store's decide()). Defaults to none: nothing held is ever decided.
   */
  reviewAfterMinutes?: number;
  /** A second policy judged over the same stream (two guards, two fresh stores, one clock), for `report.diff`. */
  baseline?: { policy: Policy; name: string };
  /** Examples of each kind of changed decision in the diff. Defaults to 10. */
  diffExamples?: number;
}

/** The report, and the policy diff when a baseline was given. */
export type ReplayResult = ReplayReport & { diff?: PolicyDiff };

/** One guard with its own store, reviewer and report. */
interface Lane {
  guard: Guard;
  store: GuardStore;
  redis: ReplayRedis | undefined;
  onCall: SimulatedOnCall | undefined;
  report: ReportBuilder;
}

async function openLane(
  policy: Policy,
  options: ReplayOptions,
  name: string,
  clock: () => number,
): Promise<Lane> {
  let redis: ReplayRedis | undefined;
  if (options.store === 'redis') {
    if (!options.redisUrl)
      throw new Error('replay: store "redis" needs a Redis URL (--redis-url or REDIS_URL)');
    redis = await openReplayRedis(options.redisUrl, name);
  }
  const store: GuardStore =
    redis?.store ?? new MemoryStore({ idempotencySeconds: REPLAY_IDEMPOTENCY_SECONDS });
  const guard = new Guard({
    policy,
    store,
    // Enforcing on a private store: holds go to its review queue, where the simulated on-call can decide them.
    mode: 'enforce',
    limits: options.limits ?? DEFAULT_ORDER_LIMITS,
    // The store answers on the orders' clock; a slow answer must not turn into "facts unavailable".
    storeTimeoutMs: 60_000,
    clock,
  });
  const review = options.reviewAfterMinutes;
  return {
    guard,
    store,
    redis,
    onCall:
      review === undefined ? undefined : new SimulatedOnCall(new ReviewWorkflow(store), review * 60_000),
    report: new ReportBuilder(redis ? 'redis' : 'memory'),
  };
}

async function closeLane(lane: Lane): Promise<void> {
  if (lane.redis) await lane.redis.close();
  else await lane.store.shutdown?.();
}

/** The decision a result repeats (a retry of an order already judged), if it is one. */
function isRepeat(result: CheckResult): boolean {
  return (result.kind === 'allowed' || result.kind === 'held') && result.decision.repeatOf !== undefined;
}

/**
 * Replays orders through a fresh guard (and, with `baseline`, a second one) with the clock at each order's
 * timestamp. Lines must be in time order; blank lines are skipped. Throws a ReplayLineError for a malformed line
 * unless `skipInvalid`.
 */
export async function replay(
  lines: AsyncIterable<string> | Iterable<string>,
  options: ReplayOptions,
): Promise<ReplayResult> {
  let now = 0;
  const clock = () => now;
  const lanes: Lane[] = [];
  // Taken before anything is awaited: a readline interface drops the lines it reads before its iterator exists.
  const source = iterate(lines);
  try {
    lanes.push(await openLane(options.policy, options, 'policy', clock));
    if (options.baseline) lanes.push(await openLane(options.baseline.policy, options, 'baseline', clock));
    return await run(source, options, lanes, (at) => {
      now = at;
    });
  } finally {
    await Promise.all(lanes.map(closeLane));
  }
}

/** The lines as one async iterable whose iterator already exists. */
function iterate(lines: AsyncIterable<string> | Iterable<string>): AsyncIterable<string> {
  if (Symbol.asyncIterator in lines) {
    const iterator = lines[Symbol.asyncIterator]();
    return { [Symbol.asyncIterator]: () => iterator };
  }
  const iterator = lines[Symbol.iterator]();
  return {
    [Symbol.asyncIterator]: () => ({ next: async () => iterator.next() }),
  };
}

async function run(
  lines: AsyncIterable<string>,
  options: ReplayOptions,
  lanes: Lane[],
  setClock: (at: number) => void,
): Promise<ReplayResult> {
  const main = lanes[0]!;
  const diff = options.baseline
    ? new DiffBuilder(options.baseline.name, options.diffExamples ?? 10)
    : undefined;
  const progressEvery = options.progressEvery ?? 10_000;
  let lineNumber = 0;
  let last = Number.NEGATIVE_INFINITY;
  const invalid = (problems: Problem[]) => {
    if (!options.skipInvalid) throw new ReplayLineError(lineNumber, problems);
    main.report.invalid(lineNumber, problems);
  };
  const review = async (lane: Lane, at: number) => {
    setClock(at);
    if ((await lane.onCall?.review(at)) && lane.redis) await lane.redis.afterOrder();
  };

  for await (const text of lines) {
    lineNumber++;
    if (text.trim() === '') continue;
    const json = parseJsonLine(text);
    if (!json.ok) {
      invalid(json.problems);
      continue;
    }
    const split = splitLine(options.toOrder ? options.toOrder(json.value) : json.value);
    if (!split.ok) {
      invalid(split.problems);
      continue;
    }
    const line = split.line;
    if (line.at < last) {
      invalid([
        {
          path: 'timestamp',
          message: `goes back in time (${new Date(line.at).toISOString()} after ${new Date(last).toISOString()}); the file must be sorted by timestamp`,
        },
      ]);
      continue;
    }
    last = line.at;

    const results: CheckResult[] = [];
    for (const lane of lanes) {
      await review(lane, line.at);
      setClock(line.at);
      results.push(await lane.guard.check(line.order));
      await lane.redis?.afterOrder();
    }

    const first = results[0]!;
    if (first.kind === 'invalid') {
      invalid(first.problems);
      continue;
    }
    const judged = results.map((result, index): { order: Order; evaluation: Evaluation } | undefined => {
      const lane = lanes[index]!;
      if (result.kind === 'unavailable') {
        throw new Error(
          `replay: line ${lineNumber}: the store could not keep a hold: ${result.error.message}`,
        );
      }
      if (result.kind === 'invalid') return undefined;
      if (result.kind === 'conflict') {
        lane.report.reused(lineNumber, result.order.orderId, result.boundAt);
        return undefined;
      }
      if (isRepeat(result)) {
        lane.report.repeat();
        return undefined;
      }
      lane.report.record({
        lineNumber,
        at: line.at,
        label: line.label,
        incident: line.incident,
        order: result.order,
        evaluation: result.evaluation,
      });
      if (result.kind === 'held' && result.created) {
        lane.onCall?.held(result.order.orderId, line.at, line.label);
      }
      return { order: result.order, evaluation: result.evaluation };
    });
    const [mine, theirs] = judged;
    if (diff && mine && theirs) {
      diff.record(
        { line: lineNumber, at: line.at, label: line.label, incident: line.incident },
        mine.order,
        mine.evaluation,
        theirs.evaluation,
      );
    }
    if (options.onProgress && judged[0] !== undefined) {
      // Counted on the main report: the orders judged so far.
      const orders = main.report.count();
      if (orders % progressEvery === 0) options.onProgress(orders, lineNumber);
    }
  }

  for (const lane of lanes) {
    // Holds still waiting for the simulated on-call are decided at their due times.
    await review(lane, Number.MAX_SAFE_INTEGER);
    const summary = lane.onCall?.result();
    if (summary) lane.report.review(summary);
  }
  const report: ReplayResult = main.report.finish();
  if (diff) report.diff = diff.finish();
  return report;
}
