// test/service/workers.test.ts
// `serve --workers N`: several processes on one port and one Redis, one metrics endpoint for all of them, a dead
// worker replaced, every worker drained on SIGTERM; refused on the embedded store.

import { line, order } from '../helpers/orders';
import { type RedisInstance, startRedis } from '../helpers/redis';
import {
  buildService,
  http,
  runFailing,
  type ServiceProcess,
  startService,
} from '../helpers/service-process';

let cli: string;
let redis: RedisInstance;
let service: ServiceProcess | undefined;

beforeAll(async () => {
  cli = buildService();
  redis = await startRedis();
});
afterEach(async () => {
  await service?.stop();
  service = undefined;
});
afterAll(async () => {
  await redis.stop();
});

const start = (workers: string) =>
  startService(cli, {
    args: ['--workers', workers],
    env: { REDIS_URL: redis.url, REDIS_PREFIX: `workers${Date.now()}`, LOG_LEVEL: 'info' },
  });

/** Waits until `count` workers have logged that they judge orders. */
async function allReady(running: ServiceProcess, count: number): Promise<number[]> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const ready = running.logs
      .filter((entry) => /ready to judge orders/.test(entry.msg))
      .map((entry) => entry.worker as number);
    if (new Set(ready).size >= count) return [...new Set(ready)];
    if (Date.now() > deadline) throw new Error(`only workers ${ready.join(', ')} became ready`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The value of an unlabelled-by-us series in Prometheus text, summed over its label sets. */
function sumOf(text: string, name: string): number {
  return text
    .split('\n')
    .filter((row) => row.startsWith(`${name}{`) || row.startsWith(`${name} `))
    .reduce((sum, row) => sum + Number(row.slice(row.lastIndexOf(' ') + 1)), 0);
}

test('two workers share the port and the Redis state; /metrics answers for both', async () => {
  service = await start('2');
  expect((await allReady(service, 2)).sort()).toEqual([1, 2]);

  // Twenty orders on fresh connections: the primary spreads them over both workers.
  for (let index = 0; index < 20; index++) {
    const answer = await http(service.url, 'POST', '/v1/evaluate', {
      body: order({ orderId: `w-${index}`, lines: [line('TOTE', 4_700_000)] }),
    });
    expect(answer.status).toBe(200);
  }
  // One order id, reused with other content: refused by whichever worker takes it, since the binding is in Redis.
  const first = await http(service.url, 'POST', '/v1/evaluate', {
    body: order({ orderId: 'shared-id', lines: [line('TOTE', 4_700_000)] }),
  });
  expect(first.body.decision).toBe('allow');
  for (let attempt = 0; attempt < 6; attempt++) {
    const reused = await http(service.url, 'POST', '/v1/evaluate', {
      body: order({ orderId: 'shared-id', lines: [line('TOTE', 4_700)] }),
    });
    expect(reused.status).toBe(409);
  }

  // Each scrape, whichever worker takes it, counts the orders of both workers.
  for (let scrape = 0; scrape < 4; scrape++) {
    const metrics = await http(service.url, 'GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(sumOf(metrics.text, 'checkout_price_guard_orders_evaluated_total')).toBe(21);
    expect(sumOf(metrics.text, 'checkout_price_guard_order_id_reused_total')).toBe(6);
  }
});

test('a worker that dies is replaced, and SIGTERM drains every worker with exit code 0', async () => {
  service = await start('2');
  await allReady(service, 2);
  const pids = service.logs
    .filter((entry) => /ready to judge orders/.test(entry.msg))
    .map((entry) => entry.pid as number);
  process.kill(pids[0]!, 'SIGKILL');
  await service.waitForLog((entry) => /a worker died/.test(entry.msg), 10_000);
  await allReady(service, 3); // a third worker id: the replacement
  const answer = await http(service.url, 'POST', '/v1/evaluate', {
    body: order({ orderId: 'after-restart', lines: [line('TOTE', 4_700_000)] }),
  });
  expect(answer.body.decision).toBe('allow');

  const running = service;
  service = undefined;
  expect(await running.stop()).toBe(0);
  expect(running.logs.filter((entry) => /store flushed; bye/.test(entry.msg))).toHaveLength(2);
}, 30_000);

test('several workers are refused on the embedded store, naming the reason', async () => {
  const refused = await runFailing(cli, ['--workers', '2'], { REDIS_URL: '' });
  expect(refused.code).toBe(78);
  expect(refused.stderr).toMatch(
    /--workers: must be 1 without REDIS_URL: the embedded store lives in one process/,
  );
  const bad = await runFailing(cli, ['--workers', 'many']);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/--workers must be a number of processes from 1 to 256, or "auto"/);
  const env = await runFailing(cli, [], { WORKERS: '3', REDIS_URL: '' });
  expect(env.code).toBe(78);
  expect(env.stderr).toMatch(/env\.WORKERS: must be 1 without REDIS_URL/);
});
