// tools/bench/ab.ts
// CPU per order of the middleware and of Guard.check, this build against another build's dist/, in one process.

/*
 * `npm run build:tools && node --expose-gc .build/tools/bench/ab.js BASELINE_DIST [ROUNDS] [ORDERS]`
 *
 * BASELINE_DIST is the dist/ of another checkout of this project, built with `npm run build` (its own
 * node_modules, or a link to these). Both builds judge the same orders on a fresh MemoryStore per round, rounds
 * interleaved (A B, then B A), and the median CPU time per order of each is reported with their ratio: the
 * middleware called as Express calls it (an express.request with a parsed JSON body), and Guard.check alone, for
 * allowed orders and for held ones (the leak day: the code's limit is 0, so every order after the first is held).
 */

import { join, resolve } from 'node:path';
import express from 'express';
import { BENCH_POLICY, BENCH_VOUCHER, benchOrder, medianOf } from './fixtures';

interface Build {
  priceGuard: (options: object) => (req: unknown, res: unknown, next: (error?: unknown) => void) => void;
  Guard: new (options: object) => { check(input: unknown): Promise<{ kind: string }> };
  MemoryStore: new () => object;
  parsePolicy: (input: unknown) => object;
}

const SILENT = { warn() {}, error() {} };
const POLICIES = {
  allowed: BENCH_POLICY,
  held: { vouchers: { [BENCH_VOUCHER]: { velocity: { maxPerWindow: 0 } } } },
} as const;
let sequence = 0;

/** A request as express.json() leaves it: JSON content type, parsed body. */
function request(body: unknown) {
  const req = Object.create(express.request) as Record<string, unknown>;
  req.headers = { 'content-type': 'application/json', 'content-length': '512', 'accept-language': 'id' };
  req.method = 'POST';
  req.body = body;
  return req;
}

/** CPU microseconds per order through the middleware, `count` orders after a warm-up. */
async function middleware(build: Build, count: number, policy: object): Promise<number> {
  const handler = build.priceGuard({ policy, store: new build.MemoryStore(), logger: SILENT });
  const one = () =>
    new Promise<void>((done, fail) => {
      const res = {
        locals: {},
        status() {
          return this;
        },
        set() {
          return this;
        },
        json() {
          done();
          return this;
        },
      };
      handler(request(benchOrder(`ab-${sequence++}`, 3, 11)), res, (error) => (error ? fail(error) : done()));
    });
  for (let index = 0; index < 2_000; index++) await one();
  (globalThis as { gc?: () => void }).gc?.();
  const before = process.cpuUsage();
  for (let index = 0; index < count; index++) await one();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / count;
}

/** CPU microseconds per order through Guard.check alone. */
async function guardCheck(build: Build, count: number, policy: object): Promise<number> {
  const guard = new build.Guard({ policy: build.parsePolicy(policy), store: new build.MemoryStore() });
  for (let index = 0; index < 2_000; index++) await guard.check(benchOrder(`ab-${sequence++}`, 3, 11));
  (globalThis as { gc?: () => void }).gc?.();
  const before = process.cpuUsage();
  for (let index = 0; index < count; index++) await guard.check(benchOrder(`ab-${sequence++}`, 3, 11));
  const used = process.cpuUsage(before);
  return (used.user + used.system) / count;
}

async function main(): Promise<void> {
  const [baselineDir, roundsText = '9', ordersText = '20000'] = process.argv.slice(2);
  if (!baselineDir) {
    process.stderr.write(
      'usage: node --expose-gc .build/tools/bench/ab.js BASELINE_DIST [ROUNDS] [ORDERS]\n',
    );
    process.exit(2);
  }
  const builds: Record<'baseline' | 'this', Build> = {
    baseline: require(join(resolve(baselineDir), 'index.js')) as Build,
    this: require('../../src/index') as Build,
  };
  const rounds = Number(roundsText);
  const orders = Number(ordersText);
  const samples = new Map<string, number[]>();
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? (['baseline', 'this'] as const) : (['this', 'baseline'] as const);
    for (const name of order) {
      for (const [what, measure] of [
        ['middleware', middleware],
        ['Guard.check', guardCheck],
      ] as const) {
        for (const [outcome, policy] of Object.entries(POLICIES)) {
          const key = `${what} ${outcome}`;
          const count = outcome === 'held' ? Math.ceil(orders / 4) : orders;
          samples.set(`${key}\t${name}`, [
            ...(samples.get(`${key}\t${name}`) ?? []),
            await measure(builds[name], count, policy),
          ]);
        }
      }
    }
  }
  process.stdout.write('what\tbaseline µs/order\tthis µs/order\tratio\n');
  for (const what of ['middleware', 'Guard.check'])
    for (const outcome of Object.keys(POLICIES)) {
      const key = `${what} ${outcome}`;
      const baseline = medianOf(samples.get(`${key}\tbaseline`)!);
      const current = medianOf(samples.get(`${key}\tthis`)!);
      process.stdout.write(
        `${key}\t${baseline.toFixed(2)}\t${current.toFixed(2)}\t${(current / baseline).toFixed(3)}\n`,
      );
    }
}

void main();
