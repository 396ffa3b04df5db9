// tools/bench/report.ts
// The benchmark's report: docs/benchmarks.md from the measurements of one run (text only, no I/O).

import { cpus, totalmem } from 'node:os';
import { medianOf } from './fixtures';
import type {
  CpuPoint,
  CustomRulesPoint,
  guardLatency,
  HeapPoint,
  ListPoint,
  MemoryPoint,
  scaleCurve,
} from './micro';
import { CONFIG_NOTES, CONFIGS } from './server';

/** One measured run of one configuration. */
export interface Run {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  /** Requests completed in the run. */
  total: number;
  /** The server's CPU time (user + system) per request, in µs; measured around the run by the server itself. */
  cpuPerRequest: number;
}

/** How the run was made, for the report's header. */
export interface BenchSettings {
  rounds: number;
  duration: number;
  warmUp: number;
  connections: number;
  budgetMs: number;
}

export const fixed = (value: number, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
export const grouped = (value: number) => Math.round(value).toLocaleString('en-US');

/** Everything one run measured. */
export interface Results {
  /** Runs by configuration: this build's (`CONFIGS`), then any `baseline …` ones, in the order measured. */
  runs: Record<string, Run[]>;
  fixedRuns: Record<'bare' | 'guard-redis', Array<Omit<Run, 'cpuPerRequest'>>>;
  workers: Record<'1' | '2', Array<Omit<Run, 'cpuPerRequest'>>>;
  rate: number;
  latency: Awaited<ReturnType<typeof guardLatency>>;
  guardCpu: CpuPoint[];
  scale: Awaited<ReturnType<typeof scaleCurve>>;
  /** evaluate() without and with 20 custom rules, same run. */
  customRules: CustomRulesPoint[];
  heap: HeapPoint[];
  memory: MemoryPoint[];
  list: ListPoint[];
  skipped: number[];
  seconds: number;
  redisVersion: string;
  /** 1-minute load average at the start and the end of the run. */
  load: [number, number];
  /** What `BENCH_BASELINE` named, when set. */
  baseline?: string;
}

/** The report in Markdown. */
export function render(results: Results, settings: BenchSettings): string {
  const {
    rounds: ROUNDS,
    duration: DURATION,
    warmUp: WARM_UP,
    connections: CONNECTIONS,
    budgetMs: BUDGET_MS,
  } = settings;
  const { runs, fixedRuns } = results;
  const cpu = cpus();
  const out: string[] = [];
  out.push(
    '# Benchmarks',
    '',
    '<!-- Written by `npm run bench` (src/tools/bench/run.ts); rerun it to refresh the numbers. -->',
    '',
    `Command: \`npm run bench\` (${ROUNDS} rounds of ${DURATION} s per configuration after ${WARM_UP} s of warm-up, ${CONNECTIONS} connections, a 3-line IDR order with a fresh order id per request; BENCH_ROUNDS, BENCH_DURATION, BENCH_WARMUP and BENCH_BUDGET_SECONDS change them; BENCH_BASELINE=DIR adds another built checkout's configurations to the same rounds). Took ${fixed(results.seconds, 0)} s.`,
    '',
    `Machine: ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${fixed(totalmem() / 2 ** 30, 1)} GiB RAM, Node ${process.version}, redis-server ${results.redisVersion} (private, no persistence, on localhost), ${new Date().toISOString().slice(0, 10)}. 1-minute load average ${fixed(results.load[0], 1)} at the start and ${fixed(results.load[1], 1)} at the end. The machine is shared and noisy: read the ratios, which are paired per round, rather than the absolute numbers.`,
    '',
    `Each run is a fresh forked server process of one configuration, warmed up, then measured; autocannon drives it from the benchmark process. The configurations are interleaved in every round (the order rotates), so they share the noise of the moment. The server's CPU time per request (user + system, \`process.cpuUsage()\` around the measured run) is far steadier than req/s on a shared machine, where the load generator competes for the same cores.`,
    '',
    '## CPU per request and throughput (saturating load)',
    '',
    '| configuration | server CPU µs/request (median) | CPU ratio to bare (median of per-round ratios) | min-max | req/s (median) | req/s ratio to bare | p50 ms | p99 ms | errors + non-2xx |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  );
  const bare = runs.bare!;
  for (const [label, measured] of Object.entries(runs)) {
    const cpuRatios = measured.map((run, round) => run.cpuPerRequest / bare[round]!.cpuPerRequest);
    const ratios = measured.map((run, round) => run.requestsPerSecond / bare[round]!.requestsPerSecond);
    out.push(
      `| ${label} | ${fixed(medianOf(measured.map((r) => r.cpuPerRequest)), 0)} | ${fixed(medianOf(cpuRatios))} | ${fixed(Math.min(...cpuRatios))}-${fixed(Math.max(...cpuRatios))} | ${grouped(medianOf(measured.map((r) => r.requestsPerSecond)))} | ${fixed(medianOf(ratios))} | ${fixed(medianOf(measured.map((r) => r.p50)), 1)} | ${fixed(medianOf(measured.map((r) => r.p99)), 1)} | ${measured.reduce((sum, r) => sum + r.errors + r.non2xx, 0)} |`,
    );
  }
  out.push('', 'Configurations:', '');
  for (const config of CONFIGS) out.push(`- \`${config}\`: ${CONFIG_NOTES[config]}.`);
  if (Object.keys(runs).some((label) => label.startsWith('baseline '))) {
    out.push(
      `- \`baseline …\`: the same configuration on the baseline build given in \`BENCH_BASELINE\` (${results.baseline ?? 'another checkout'}), in the same rounds.`,
    );
  }
  out.push(
    '',
    'Every order is the same 3-line IDR order with a fresh `orderId` and the voucher `BENCH10`, declared in the policy with an `expectedPerHour` far above the load (a busy public code), so `guard-redis` measures the allowed path: the order id binding (batched: one script call for the orders of one event-loop turn) and cached facts, with counters and samples written behind. `guard-redis-held` measures a leak: every order is held, and each hold is stored before it is answered (the holds of one turn in one script call).',
    '',
    '## The service on 1 and 2 workers (`serve --workers N`, on Redis)',
    '',
    '| workers | req/s (median of 3) | ratio to 1 worker (median of per-round ratios) | p99 ms |',
    '|---:|---:|---:|---:|',
  );
  for (const workers of ['1', '2'] as const) {
    const list = results.workers[workers];
    const ratios = list.map(
      (run, round) => run.requestsPerSecond / results.workers['1'][round]!.requestsPerSecond,
    );
    out.push(
      `| ${workers} | ${grouped(medianOf(list.map((r) => r.requestsPerSecond)))} | ${fixed(medianOf(ratios))} | ${fixed(medianOf(list.map((r) => r.p99)), 1)} |`,
    );
  }
  out.push(
    '',
    `POST /v1/evaluate on the service with REDIS_URL, ${CONNECTIONS} connections. On this ${cpu.length}-core machine the load generator and redis-server share the cores with the workers, so a second worker cannot double the throughput here. Each worker is a separate process with its own Redis connection and write-behind buffers and shares nothing in memory with the others (no lock between them), so the design scales with cores and with machines; see docs/redis.md.`,
    '',
    `## Fixed offered load: ${grouped(results.rate)} req/s (half of bare's median maximum)`,
    '',
    '| configuration | p50 ms (median) | p99 ms (median of 3) | achieved req/s |',
    '|---|---:|---:|---:|',
  );
  for (const config of ['bare', 'guard-redis'] as const) {
    const list = fixedRuns[config];
    out.push(
      `| ${config} | ${fixed(medianOf(list.map((r) => r.p50)), 1)} | ${fixed(medianOf(list.map((r) => r.p99)), 1)} | ${grouped(medianOf(list.map((r) => r.requestsPerSecond)))} |`,
    );
  }
  const p99Gap = medianOf(fixedRuns['guard-redis'].map((run, i) => run.p99 - fixedRuns.bare[i]!.p99));
  out.push(
    '',
    `Paired p99 difference, guard-redis minus bare: ${fixed(p99Gap, 1)} ms (median of 3 pairs; autocannon reports whole milliseconds).`,
  );
  out.push(
    '',
    "## The guard's own latency (in process, 50,000 orders after 2,000 warm-up)",
    '',
    '| what | p50 µs | p99 µs | p99.9 µs |',
    '|---|---:|---:|---:|',
  );
  for (const [name, p] of Object.entries(results.latency)) {
    out.push(`| ${name} | ${fixed(p.p50, 1)} | ${fixed(p.p99, 1)} | ${fixed(p.p999, 1)} |`);
  }
  out.push(
    '',
    "## The guard's own CPU per order (in process, 10,000 orders after 5,000 warm-up, 50 in flight, median of 3 interleaved rounds)",
    '',
    "`Guard.check` without HTTP: parse, digest, order id binding, facts, evaluation, and the commit or the stored hold. This process's CPU time (user + system) only: Redis works in its own process. Over HTTP the same work is also shaped by how the answers leave (see `bare-batched` above).",
    '',
    '| store | orders | CPU µs/order |',
    '|---|---|---:|',
  );
  for (const point of results.guardCpu) {
    out.push(`| ${point.store} | ${point.outcome} | ${fixed(point.cpuPerOrder, 1)} |`);
  }
  const first = results.scale[0]!;
  out.push(
    '',
    '## Evaluation cost by order size (in process, every line with price history)',
    '',
    '| lines | evaluate() ns/order | ratio to 1 line | evaluate() p99 µs (single calls) | Guard.check ns/order (parse + facts + evaluate + commit) | ratio to 1 line |',
    '|---:|---:|---:|---:|---:|---:|',
  );
  for (const point of results.scale) {
    out.push(
      `| ${point.lines} | ${grouped(point.evaluateNsPerOrder)} | ${fixed(point.evaluateNsPerOrder / first.evaluateNsPerOrder, 1)} | ${fixed(point.evaluateP99Us, 1)} | ${grouped(point.checkNsPerOrder)} | ${fixed(point.checkNsPerOrder / first.checkNsPerOrder, 1)} |`,
    );
  }
  out.push(
    '',
    '## Custom rules (in process, evaluate() without and with 20 custom rules, same order, same run)',
    '',
    "12 rules judged per order and 8 per line (`BENCH_CUSTOM_RULES` in tools/bench/fixtures.ts: the five of docs/policy.md and others like them), none holding the order, so each runs to its end; every line has price history. Each expression is compiled once, when the policy is read, to plain JavaScript over the order (exact integers, the CEL library deciding only what that cannot: an unknown fact, an overflow); the last columns judge the same 20 rules by the CEL library alone. The three policies alternate over 7 rounds; each figure is the median of its rounds. CPU is this process's user + system time (its garbage collector and compiler threads included), which the machine's other load does not inflate.",
    '',
    '| lines | no custom rules ns/order | 20 custom rules ns/order | added µs/order | ratio | added CPU µs/order | CEL library alone: added µs/order | added CPU µs/order |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const point of results.customRules) {
    const { cpuNs } = point;
    out.push(
      `| ${point.lines} | ${grouped(point.withoutNs)} | ${grouped(point.withNs)} | ${fixed((point.withNs - point.withoutNs) / 1000)} | ${fixed(point.withNs / point.withoutNs, 1)} | ${fixed((cpuNs.with - cpuNs.without) / 1000)} | ${fixed((point.libraryNs - point.withoutNs) / 1000)} | ${fixed((cpuNs.library - cpuNs.without) / 1000)} |`,
    );
  }
  if (results.heap.length > 0) {
    out.push(
      '',
      `## Heap per checked order (in process, ${grouped(results.heap[0]!.orders)} allowed 3-line orders, after a forced GC)`,
      '',
      'What stays in the Node heap per order. The RedisStore keeps no facts per order (a retry is recognised by its order id binding in Redis) and remembers only the last 10,000 order ids; the MemoryStore, being the state itself, keeps every order id of its idempotency window (`maxSeenOrders`, default 1,000,000) with its content digest and verdict, and the facts of an order only until its verdict is recorded.',
      '',
      '| store | bytes retained per order |',
      '|---|---:|',
    );
    for (const point of results.heap) out.push(`| ${point.store} | ${grouped(point.bytesPerOrder)} |`);
  }
  out.push(
    '',
    '## Redis memory as history grows (RedisStore through the guard; 3 price samples per SKU, 3 uses per voucher)',
    '',
    '| SKUs | vouchers | used_memory delta | bytes per SKU (incl. its share of vouchers) | keys |',
    '|---:|---:|---:|---:|---:|',
  );
  for (const point of results.memory) {
    out.push(
      `| ${grouped(point.skus)} | ${grouped(point.vouchers)} | ${fixed(point.usedMemoryDeltaBytes / 2 ** 20, 1)} MiB | ${grouped(point.usedMemoryDeltaBytes / point.skus)} | ${grouped(point.keys)} |`,
    );
  }
  out.push(
    '',
    '## Review-list latency as held orders accumulate (RedisStore `listHolds`, first page of 50, 200 calls each)',
    '',
    '| held orders | load time s | filtered p50 ms | filtered p99 ms | unfiltered p50 ms | unfiltered p99 ms |',
    '|---:|---:|---:|---:|---:|---:|',
  );
  for (const point of results.list) {
    out.push(
      `| ${grouped(point.holds)} | ${fixed(point.loadSeconds, 1)} | ${fixed(point.filtered.p50 / 1000)} | ${fixed(point.filtered.p99 / 1000)} | ${fixed(point.unfiltered.p50 / 1000)} | ${fixed(point.unfiltered.p99 / 1000)} |`,
    );
  }
  out.push(
    '',
    'The filter is `{ status: "pending", rule: "total_mismatch" }`, which matches one held order in ten.',
  );
  if (results.skipped.length > 0) {
    out.push(
      '',
      `Not measured within the ${fixed(BUDGET_MS / 60_000, 1)}-minute budget: ${results.skipped.map(grouped).join(', ')} held orders (loading them through \`store.hold\` at the measured rate would not finish in time; set BENCH_BUDGET_SECONDS to allow it).`,
    );
  }
  return `${out.join('\n')}\n`;
}
