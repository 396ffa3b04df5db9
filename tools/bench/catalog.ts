// tools/bench/catalog.ts
// `npm run bench:catalog`: uploads a 1,000,000-row catalog to the service on a private redis-server while orders
// flow, against the same load without the upload; the time for a second instance to be ready; the memory of 1M SKUs.

import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildReport } from './catalog-child';
import { percentile, startRedis } from './fixtures';

const ROWS = Number(process.env.BENCH_CATALOG_ROWS ?? 1_000_000);
/** Orders in flight at once (a closed loop: each connection sends its next order when the last is answered). */
const CONCURRENCY = Number(process.env.BENCH_CATALOG_CONCURRENCY ?? 8);
const BASELINE_SECONDS = Number(process.env.BENCH_CATALOG_BASELINE_SECONDS ?? 10);
const ADMIN = 'bench-catalog-admin-token-0123456789abcdef';
const OUTPUT = process.env.BENCH_OUTPUT ?? join(__dirname, '..', '..', 'bench', 'catalog.md');
const CHILD = join(__dirname, 'catalog-child.js');

/** The declared price of SKU-n (the orders pay exactly that, so they are allowed). */
const priceOf = (n: number) => 50_000 + (n % 200) * 1_000;

function csv(rows: number): Buffer {
  const parts: string[] = ['sku,currency,listPrice\n'];
  for (let index = 0; index < rows; index++) parts.push(`SKU-${index},IDR,${priceOf(index)}\n`);
  return Buffer.from(parts.join(''));
}

function orderBody(id: number): string {
  const n = (id * 7919) % ROWS;
  const unitPrice = priceOf(n);
  return JSON.stringify({
    orderId: `bench-${process.pid}-${id}`,
    currency: 'IDR',
    lines: [{ sku: `SKU-${n}`, quantity: 1, unitPrice, discount: 0 }],
    vouchers: [],
    shipping: 0,
    total: unitPrice,
  });
}

interface Sample {
  at: number;
  ms: number;
  status: number;
}

const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY * 2 });

function post(port: number, path: string, body: Buffer | string, headers: Record<string, string>) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

let nextOrder = 0;

/** Sends orders from CONCURRENCY loops until `until()` is true; every answer's latency. */
async function load(port: number, until: () => boolean): Promise<Sample[]> {
  const samples: Sample[] = [];
  const loop = async () => {
    while (!until()) {
      const at = performance.now();
      let status = 0;
      try {
        status = (
          await post(port, '/v1/evaluate', orderBody(nextOrder++), { 'content-type': 'application/json' })
        ).status;
      } catch {
        status = -1;
      }
      samples.push({ at, ms: performance.now() - at, status });
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, loop));
  return samples;
}

/** Uploads the catalog with PUT, streamed in 64 KiB writes; the answer and the wall time. */
async function upload(port: number, body: Buffer): Promise<{ status: number; body: string; ms: number }> {
  const started = performance.now();
  const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/v1/admin/catalog',
        method: 'PUT',
        headers: {
          'content-type': 'text/csv',
          'content-length': String(body.length),
          authorization: `Bearer ${ADMIN}`,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    void (async () => {
      for (let offset = 0; offset < body.length; offset += 65_536) {
        if (!req.write(body.subarray(offset, offset + 65_536))) await once(req, 'drain');
      }
      req.end();
    })();
  });
  return { ...answer, ms: performance.now() - started };
}

interface Child {
  child: ChildProcess;
  ready: Extract<ChildReport, { kind: 'ready' }>;
  forkToReadyMs: number;
}

async function startService(configPath: string, redisUrl: string): Promise<Child> {
  const started = performance.now();
  const child = fork(CHILD, ['service', configPath], {
    env: { ...process.env, REDIS_URL: redisUrl, PRICE_GUARD_ADMIN_TOKEN: ADMIN },
    execArgv: ['--expose-gc'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const [ready] = (await once(child, 'message')) as [Extract<ChildReport, { kind: 'ready' }>];
  return { child, ready, forkToReadyMs: performance.now() - started };
}

async function rssOf(child: ChildProcess): Promise<number> {
  child.send('rss');
  const [report] = (await once(child, 'message')) as [Extract<ChildReport, { kind: 'rss' }>];
  return report.rss;
}

async function stop(child: ChildProcess): Promise<void> {
  child.send('stop');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await once(child, 'exit');
  clearTimeout(timer);
}

async function memory(mode: string): Promise<Extract<ChildReport, { kind: 'memory' }>> {
  const child = fork(CHILD, [mode, String(ROWS)], {
    execArgv: ['--expose-gc'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const [report] = (await once(child, 'message')) as [Extract<ChildReport, { kind: 'memory' }>];
  await once(child, 'exit');
  return report;
}

function summary(samples: readonly Sample[]) {
  const sorted = samples.map((sample) => sample.ms).sort((a, b) => a - b);
  return {
    orders: samples.length,
    failed: samples.filter((sample) => sample.status !== 200).length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? 0,
  };
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const ms = (value: number) => `${value.toFixed(1)} ms`;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'cpg-bench-catalog-'));
  const configPath = join(dir, 'config.json');
  writeFileSync(configPath, JSON.stringify({ service: { logLevel: 'warn' } }));
  const redis = await startRedis();
  const children: ChildProcess[] = [];
  try {
    const body = csv(ROWS);
    const first = await startService(configPath, redis.url);
    children.push(first.child);
    const port = first.ready.port;
    const rssEmpty = await rssOf(first.child);
    // Warm-up, then the load alone.
    const warm = performance.now();
    await load(port, () => performance.now() - warm > 2_000);
    const baseStart = performance.now();
    const baseline = summary(await load(port, () => performance.now() - baseStart > BASELINE_SECONDS * 1000));

    // The same load with the upload in the middle of it.
    let done = false;
    const during = load(port, () => done);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const uploadStart = performance.now();
    const answer = await upload(port, body);
    const uploadEnd = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    done = true;
    const samples = await during;
    const inUpload = summary(samples.filter((sample) => sample.at >= uploadStart && sample.at <= uploadEnd));
    const whole = summary(samples);
    if (answer.status !== 200) throw new Error(`the upload was answered ${answer.status}: ${answer.body}`);
    const rssFirst = await rssOf(first.child);

    // A second instance starting with the 1M-SKU catalog in force.
    const second = await startService(configPath, redis.url);
    children.push(second.child);
    const rssSecond = await rssOf(second.child);

    const [none, object, table] = [
      await memory('memory-none'),
      await memory('memory-object'),
      await memory('memory-table'),
    ];

    const lines = [
      '# Catalog upload benchmark',
      '',
      `${ROWS.toLocaleString('en')} rows (${mb(body.length)} of CSV) uploaded with PUT /v1/admin/catalog to the service ` +
        `(one process, RedisStore and the Redis overlay on a private redis-server) while ${CONCURRENCY} clients send ` +
        'orders in a closed loop, each order naming a SKU of the catalog.',
      '',
      '| run | orders | failed | p50 | p99 | max |',
      '|---|---:|---:|---:|---:|---:|',
      `| orders alone (${BASELINE_SECONDS} s) | ${baseline.orders} | ${baseline.failed} | ${ms(baseline.p50)} | ${ms(baseline.p99)} | ${ms(baseline.max)} |`,
      `| orders during the upload | ${inUpload.orders} | ${inUpload.failed} | ${ms(inUpload.p50)} | ${ms(inUpload.p99)} | ${ms(inUpload.max)} |`,
      `| the whole upload run (1 s either side) | ${whole.orders} | ${whole.failed} | ${ms(whole.p50)} | ${ms(whole.p99)} | ${ms(whole.max)} |`,
      '',
      `- upload: answered ${answer.status} after ${(answer.ms / 1000).toFixed(1)} s, ` +
        `${Math.round(ROWS / (answer.ms / 1000)).toLocaleString('en')} rows/s (read, checked, written to a new ` +
        'version, switched in, and read back by the uploading instance before it answered)',
      `- second instance: ready ${(second.ready.readyMs / 1000).toFixed(1)} s after runService() was called, ` +
        `${(second.forkToReadyMs / 1000).toFixed(1)} s after its process was forked`,
      `- RSS of the service: ${mb(rssEmpty)} with no catalog, ${mb(rssFirst)} after the upload (uploading ` +
        `instance), ${mb(rssSecond)} for the second instance with the catalog loaded`,
      `- ${ROWS.toLocaleString('en')} SKUs held alone in a process (after GC): as the plain object of earlier ` +
        `releases, RSS ${mb(object.rss - none.rss)} above an empty process (heap ${mb(object.heapUsed - none.heapUsed)}); ` +
        `as the compact table, ${mb(table.tableBytes ?? 0)} of typed arrays (exact; RSS ${mb(table.rss - none.rss)} ` +
        "above an empty process, the builder's arrays included). In the service, the second instance holds the " +
        `catalog in ${mb(rssSecond - rssEmpty)} more RSS than an instance without one.`,
      '',
    ];
    const report = lines.join('\n');
    mkdirSync(join(OUTPUT, '..'), { recursive: true });
    writeFileSync(OUTPUT, report);
    console.log(report);
    console.log(`written to ${OUTPUT}`);
  } finally {
    for (const child of children) await stop(child).catch(() => child.kill('SIGKILL'));
    agent.destroy();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
