// tools/bench/run.ts
// `npm run bench`: HTTP load from this process at a fresh forked server per configuration and round, interleaved,
// with the server's CPU time per request; the service on 1 and 2 workers; in-process measurements. Writes
// docs/benchmarks.md.

import { type ChildProcess, execFileSync, fork, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import autocannon from 'autocannon';
import { BENCH_POLICY, bodyTemplate, medianOf, type PrivateRedis, startRedis } from './fixtures';
import {
  customRulesCost,
  guardCpu,
  guardLatency,
  heapPerOrder,
  type MemoryPoint,
  redisMemory,
  reviewList,
  scaleCurve,
} from './micro';
import { fixed, grouped, type Run, render } from './report';
import { type BenchConfig, CONFIGS } from './server';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const DURATION = Number(process.env.BENCH_DURATION ?? 5);
/** Seconds of load on a fresh server before the measured run (JIT, caches, Redis scripts loaded). */
const WARM_UP = Number(process.env.BENCH_WARMUP ?? 2);
const CONNECTIONS = 50;
/** The whole run must end within this budget (the issue asks for under 10 minutes). */
const BUDGET_MS = Number(process.env.BENCH_BUDGET_SECONDS ?? 540) * 1000;
/** Everything from this line on in the report is written by hand and kept when the bench rewrites the file. */
const NOTES_MARKER = '<!-- notes: kept by npm run bench -->';
/**
 * Where the report goes: .build/bench/benchmarks.md (untracked) unless BENCH_OUTPUT names a file, as
 * `BENCH_OUTPUT=docs/benchmarks.md npm run bench` does to publish a run.
 */
const OUTPUT = process.env.BENCH_OUTPUT ?? join(__dirname, '..', '..', 'bench', 'benchmarks.md');

interface Server {
  child: ChildProcess;
  port: number;
}

/** One measured configuration: this build's, or a baseline build's (`BENCH_BASELINE`). */
interface Entry {
  label: string;
  config: BenchConfig;
  script: string;
  execArgv: string[];
}

const OWN_SERVER = join(__dirname, 'server.js');

/** This build's server in one configuration. */
function own(config: BenchConfig): Entry {
  return { label: config, config, script: OWN_SERVER, execArgv: [] };
}

/**
 * `BENCH_BASELINE=DIR`: another checkout of this project, built (`npm run build:tools`), e.g. the last release. Its
 * guard and rate-limiter configurations run in the same rounds as this build's, labelled `baseline …`, so a change
 * is measured against its baseline in one run. A baseline too old to report its CPU time gets it from cpu-hook.js.
 */
function baselineEntries(): Entry[] {
  const dir = process.env.BENCH_BASELINE;
  if (!dir) return [];
  const script = [
    join(dir, '.build', 'tools', 'bench', 'server.js'),
    join(dir, 'dist', 'tools', 'bench', 'server.js'),
    join(dir, 'dist', 'bench', 'server.js'),
  ].find((path) => existsSync(path));
  if (script === undefined)
    throw new Error(`BENCH_BASELINE=${dir}: no built bench server in it (run npm run build:tools there)`);
  const configs: BenchConfig[] = ['rate-limit-redis', 'guard-memory', 'guard-redis', 'guard-redis-held'];
  return configs.map((config) => ({
    label: `baseline ${config}`,
    config,
    script,
    execArgv: ['-r', join(__dirname, 'cpu-hook.js')],
  }));
}

/** The baseline as the report names it: its commit when it is a git checkout (never the local path). */
function describeBaseline(dir: string): string {
  try {
    return `commit ${execFileSync('git', ['-C', dir, 'rev-parse', '--short', 'HEAD']).toString().trim()}`;
  } catch {
    return 'another checkout';
  }
}

function startServer(entry: Entry, redisUrl: string): Promise<Server> {
  const child = fork(entry.script, [entry.config, redisUrl], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: [...process.execArgv, ...entry.execArgv],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (message: { ready?: number }) => {
      if (message.ready) resolve({ child, port: message.ready });
    });
    child.once('exit', (code) => reject(new Error(`bench server ${entry.label} exited with ${code}`)));
  });
}

/** A service process (`serve --workers N`), as a storefront runs it, on the private Redis. */
async function startService(
  workers: number,
  redisUrl: string,
  config: string,
): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(
    process.execPath,
    [
      join(__dirname, '..', '..', 'src', 'cli.js'),
      'serve',
      '--config',
      config,
      '--port',
      '0',
      '--workers',
      String(workers),
    ],
    {
      env: { ...process.env, REDIS_URL: redisUrl, REDIS_PREFIX: `benchsvc${sequence++}`, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let ready = 0;
  let port = 0;
  let buffered = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      let newline = buffered.indexOf('\n');
      while (newline >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        newline = buffered.indexOf('\n');
        // Every worker logs once that it listens, and once that it is ready to judge orders.
        if (line.includes('"port"') && line.includes('listening'))
          port = (JSON.parse(line) as { port: number }).port;
        if (line.includes('ready to judge orders') && ++ready === workers) resolve({ child, port });
      }
    });
    child.once('exit', (code) => reject(new Error(`service with ${workers} workers exited with ${code}`)));
  });
}

/** Throughput of the service on 1 and on 2 workers, interleaved over 3 rounds, a fresh service each run. */
async function workerRuns(redisUrl: string): Promise<Record<'1' | '2', Array<Omit<Run, 'cpuPerRequest'>>>> {
  const dir = mkdtempSync(join(tmpdir(), 'cpg-bench-'));
  const config = join(dir, 'service.json');
  writeFileSync(config, JSON.stringify({ service: { logLevel: 'info' }, policy: BENCH_POLICY }));
  const runs: Record<'1' | '2', Array<Omit<Run, 'cpuPerRequest'>>> = { '1': [], '2': [] };
  try {
    for (let round = 0; round < 3; round++) {
      for (const workers of round % 2 === 0 ? ([1, 2] as const) : ([2, 1] as const)) {
        const service = await startService(workers, redisUrl, config);
        try {
          await load(service.port, WARM_UP, undefined, '/v1/evaluate');
          runs[String(workers) as '1' | '2'].push(
            await load(service.port, DURATION, undefined, '/v1/evaluate'),
          );
        } finally {
          await stopServer(service);
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return runs;
}

/** Asks the server process something over IPC and waits for the answer's `key`. */
function ask<T>(child: ChildProcess, message: object, key: string): Promise<T> {
  return new Promise((resolve) => {
    const listener = (reply: Record<string, unknown>) => {
      if (reply[key] === undefined) return;
      child.off('message', listener);
      resolve(reply[key] as T);
    };
    child.on('message', listener);
    child.send(message);
  });
}

function stopServer(server: { child: ChildProcess }): Promise<void> {
  return new Promise((resolve) => {
    if (server.child.exitCode !== null) {
      resolve();
      return;
    }
    server.child.once('exit', () => resolve());
    server.child.kill('SIGTERM');
  });
}

/** One measured run: a fresh server, warmed up, then DURATION seconds of load with its CPU time counted. */
async function measure(entry: Entry, redisUrl: string): Promise<Run> {
  const server = await startServer(entry, redisUrl);
  try {
    await load(server.port, WARM_UP);
    await ask(server.child, { cpu: 'start' }, 'cpuStarted');
    const run = await load(server.port, DURATION);
    const cpuMicros = await ask<number>(server.child, { cpu: 'stop' }, 'cpuMicros');
    return { ...run, cpuPerRequest: cpuMicros / Math.max(1, run.total) };
  } finally {
    await stopServer(server);
  }
}

let sequence = 0;
async function load(
  port: number,
  seconds: number,
  overallRate?: number,
  path = '/order',
): Promise<Omit<Run, 'cpuPerRequest'>> {
  const { prefix, suffix } = bodyTemplate();
  const tag = `${process.pid}-${sequence++}`;
  let counter = 0;
  const result = await autocannon({
    url: `http://127.0.0.1:${port}${path}`,
    connections: CONNECTIONS,
    duration: seconds,
    ...(overallRate ? { overallRate } : {}),
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        // A fresh order id per request: the guard must not answer a retry from its order id binding.
        setupRequest: (request) => ({ ...request, body: `${prefix}${tag}-${counter++}${suffix}` }),
      },
    ],
  });
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    total: result.requests.total,
  };
}

async function main(): Promise<void> {
  const begun = Date.now();
  const loadBefore = loadavg()[0]!;
  const deadline = begun + BUDGET_MS;
  const log = (message: string) =>
    console.error(`[bench ${((Date.now() - begun) / 1000).toFixed(0)}s] ${message}`);
  let redis: PrivateRedis | undefined;
  try {
    redis = await startRedis();
    log(`private redis-server on port ${redis.port}`);

    const entries: Entry[] = CONFIGS.map(own);
    for (const entry of baselineEntries()) {
      // A baseline older than one of the configurations refuses it: measure the ones it has.
      try {
        await stopServer(await startServer(entry, redis.url));
        entries.push(entry);
      } catch {
        log(`${entry.label}: not in the baseline build, skipped`);
      }
    }
    const runs: Record<string, Run[]> = Object.fromEntries(entries.map((entry) => [entry.label, []]));
    for (let round = 0; round < ROUNDS; round++) {
      // Rotate the order each round so no configuration always runs first or last.
      const order = entries.map((_, i) => entries[(i + round) % entries.length]!);
      for (const entry of order) runs[entry.label]!.push(await measure(entry, redis.url));
      log(
        `round ${round + 1}/${ROUNDS}: ${entries.map(({ label }) => `${label} ${grouped(runs[label]![round]!.requestsPerSecond)} req/s ${fixed(runs[label]![round]!.cpuPerRequest, 0)} µs`).join(', ')}`,
      );
    }

    const bareMax = medianOf(runs.bare!.map((run) => run.requestsPerSecond));
    const rate = Math.round(bareMax / 2);
    const fixedRuns: Record<'bare' | 'guard-redis', Array<Omit<Run, 'cpuPerRequest'>>> = {
      bare: [],
      'guard-redis': [],
    };
    for (let round = 0; round < 3; round++) {
      const order = round % 2 === 0 ? (['bare', 'guard-redis'] as const) : (['guard-redis', 'bare'] as const);
      for (const config of order) {
        const server = await startServer(own(config), redis.url);
        try {
          await load(server.port, WARM_UP);
          fixedRuns[config].push(await load(server.port, DURATION, rate));
        } finally {
          await stopServer(server);
        }
      }
    }
    log(`fixed load of ${rate} req/s done`);
    const workers = await workerRuns(redis.url);
    log('workers done');

    const latency = await guardLatency(50_000, redis.url);
    log('guard latency done');
    const guardCpuPoints = await guardCpu(10_000, redis.url);
    log('guard CPU per order done');
    const scale = await scaleCurve();
    log('scale curve done');
    const customRules = await customRulesCost();
    log('custom rules done');
    const heap = await heapPerOrder(20_000, redis.url);
    log(heap.length > 0 ? 'heap per order done' : 'heap per order skipped (run node with --expose-gc)');
    const memory: MemoryPoint[] = await redisMemory(redis.url, [10_000, 50_000, 100_000]);
    log('redis memory done');
    const list = await reviewList(redis.url, [1_000, 10_000, 100_000, 1_000_000], deadline - 20_000);
    log(`review list done (skipped: ${list.skipped.join(', ') || 'none'})`);

    const redisVersion =
      /v=(\S+)/.exec(execFileSync('redis-server', ['--version']).toString())?.[1] ??
      execFileSync('redis-server', ['--version']).toString().trim();
    const markdown = render(
      {
        runs,
        fixedRuns,
        workers,
        rate,
        latency,
        guardCpu: guardCpuPoints,
        scale,
        customRules,
        heap,
        memory,
        list: list.points,
        skipped: list.skipped,
        seconds: (Date.now() - begun) / 1000,
        redisVersion,
        load: [loadBefore, loadavg()[0]!],
        ...(process.env.BENCH_BASELINE ? { baseline: describeBaseline(process.env.BENCH_BASELINE) } : {}),
      },
      { rounds: ROUNDS, duration: DURATION, warmUp: WARM_UP, connections: CONNECTIONS, budgetMs: BUDGET_MS },
    );
    // Hand-written analysis below the marker survives a rerun.
    const previous = existsSync(OUTPUT) ? readFileSync(OUTPUT, 'utf8') : '';
    const notes = previous.includes(NOTES_MARKER) ? previous.slice(previous.indexOf(NOTES_MARKER)) : '';
    mkdirSync(dirname(OUTPUT), { recursive: true });
    writeFileSync(OUTPUT, notes ? `${markdown}\n${notes}` : markdown);
    process.stdout.write(markdown);
    log(`wrote ${OUTPUT}`);
  } finally {
    await redis?.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
