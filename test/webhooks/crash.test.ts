// test/webhooks/crash.test.ts
// The durable outbox: the service is killed with SIGKILL mid-delivery (its receiver hanging or failing), Redis is
// killed too and comes back from its AOF, events are recorded while the service is down, and after a restart every
// event arrives, verified with the Standard Webhooks reference library and deduplicated by webhook-id.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Webhook } from 'standardwebhooks';
import { parsePolicy } from '../../src/core/policy';
import { Guard } from '../../src/engine/guard';
import { eventFor, heldEvent } from '../../src/state/events';
import { RedisStore } from '../../src/state/redis/store';
import { generateWebhookSecret } from '../../src/webhooks/signature';
import { line, order } from '../helpers/orders';
import { type RedisInstance, startRedis, stopAll } from '../helpers/redis';
import { buildService, http, type ServiceProcess, startService } from '../helpers/service-process';

const PREFIX = 'crash';
const SECRET = generateWebhookSecret();
const REVIEWER = 'ana-token-crash-test-0123456789abcdef';

let redis: RedisInstance;
let dir: string;
let cli: string;
let receiver: Server;
let hookUrl: string;
const services: ServiceProcess[] = [];
/** What the receiver does with a request: hang (never answer), fail (503) or take it (204). */
let mode: 'down' | 'up' = 'down';
let requests = 0;
const hanging: ServerResponse[] = [];
/** Event ids taken (answered 204), and how often each arrived. */
const taken = new Map<string, number>();
const unverified: string[] = [];

async function until(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function receive(body: string, headers: IncomingHttpHeaders, res: ServerResponse): void {
  requests += 1;
  if (mode === 'down') {
    // Every other request hangs (the service is killed while waiting); the rest fail.
    if (requests % 2 === 1) hanging.push(res);
    else res.writeHead(503).end();
    return;
  }
  try {
    new Webhook(SECRET).verify(body, headers as Record<string, string>);
  } catch (error) {
    unverified.push(String(error));
    res.writeHead(400).end();
    return;
  }
  const id = String(headers['webhook-id']);
  taken.set(id, (taken.get(id) ?? 0) + 1);
  res.writeHead(204).end();
}

const env = () => ({
  REDIS_URL: redis.url,
  REDIS_PREFIX: PREFIX,
  PRICE_GUARD_CONFIG: join(dir, 'config.yaml'),
  PRICE_GUARD_REVIEW_TOKENS: `ana:reviewer:${REVIEWER}`,
  HOOK_SECRET: SECRET,
  LOG_LEVEL: 'info',
});

beforeAll(async () => {
  cli = buildService();
  dir = mkdtempSync(join(tmpdir(), 'cpg-crash-'));
  redis = await startRedis({ durable: true });
  receiver = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => receive(body, req.headers, res));
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  writeFileSync(
    join(dir, 'config.yaml'),
    `review:\n  webhooks:\n    - url: ${hookUrl}\n      secretEnv: HOOK_SECRET\n` +
      '      events: [order.held, order.released, order.cancelled, voucher.tripped]\n',
  );
}, 60_000);

afterAll(async () => {
  for (const response of hanging) response.destroy();
  for (const service of services) {
    if (service.child.exitCode === null && service.child.signalCode === null) service.child.kill('SIGKILL');
  }
  await new Promise((resolve) => receiver.close(resolve));
  await stopAll();
  rmSync(dir, { recursive: true, force: true });
});

test('SIGKILL mid-delivery, Redis restarted from its AOF: after a restart every event arrives, once by id', async () => {
  const first = await startService(cli, { env: env() });
  services.push(first);
  let ready = 0;
  await until(
    () => {
      void http(first.url, 'GET', '/readyz').then(
        (answer) => {
          ready = answer.status;
        },
        () => undefined,
      );
      return ready === 200;
    },
    10_000,
    'the service ready',
  );
  const glitch = (orderId: string) => order({ orderId, lines: [line('TOTE', 4_700_000, 4_700_000)] });
  // The service's first claim turns recording on (it creates the outbox's config key).
  const probe = new Redis(redis.url);
  let recording = 0;
  const poll = setInterval(() => {
    probe.exists(`{${PREFIX}:q}:ob:cfg`).then(
      (count) => {
        recording = count;
      },
      () => undefined,
    );
  }, 25);
  await until(() => recording === 1, 10_000, 'the outbox recording').finally(() => {
    clearInterval(poll);
    probe.disconnect();
  });
  const ids = Array.from({ length: 20 }, (_, index) => `crash-${index}`);
  for (const orderId of ids) {
    const answer = await http(first.url, 'POST', '/v1/evaluate', { body: glitch(orderId) });
    expect(answer.body).toMatchObject({ decision: 'hold' });
  }
  const bulk = await http(first.url, 'POST', '/review/api/bulk', {
    body: { action: 'reject', filter: { sku: 'TOTE' }, note: 'pricing glitch' },
    headers: { authorization: `Bearer ${REVIEWER}` },
  });
  expect(bulk.status).toBe(200);
  expect(bulk.body).toMatchObject({ changed: ids.length });

  // Mid-delivery: requests are hanging at the receiver (and others failed) when the process is killed.
  await until(() => hanging.length >= 3 && requests >= 6, 20_000, 'deliveries in flight');
  first.child.kill('SIGKILL');
  expect(await first.exited).toBeNull();
  for (const response of hanging.splice(0)) response.destroy();

  // Redis crashes too; with appendfsync always, what it acknowledged (holds, decisions, the outbox) survives.
  await redis.kill();
  await redis.restart();

  // While the service is down, another instance's guard holds orders: their events wait in the outbox.
  const client = new Redis(redis.url, { commandTimeout: 2000, maxRetriesPerRequest: 1 });
  const store = new RedisStore({ client, prefix: PREFIX });
  try {
    await store.init();
    const guard = new Guard({ policy: parsePolicy({}), store });
    const late = ['crash-late-0', 'crash-late-1', 'crash-late-2'];
    for (const orderId of late) expect((await guard.check(glitch(orderId))).kind).toBe('held');

    const expected = new Set<string>();
    for (const orderId of [...ids, ...late]) {
      const held = (await store.getHold(orderId))!;
      expected.add(heldEvent(held).id);
      if (held.status !== 'pending') expected.add(eventFor(held).id);
    }
    expect(expected.size).toBe(ids.length * 2 + late.length);

    mode = 'up';
    const second = await startService(cli, { env: env() });
    services.push(second);
    // In-flight deliveries of the killed process come back when their lease ends (timeoutMs 10 s + 5 s).
    await until(() => [...expected].every((id) => taken.has(id)), 60_000, 'every event delivered');
    expect(unverified).toEqual([]);
    expect([...taken.keys()].sort()).toEqual([...expected].sort());
    // No 2xx was ever lost here, so each event was taken exactly once: leases kept the restarted instance from
    // sending what was already due twice (a lost answer would make a duplicate, which the id deduplicates).
    expect([...taken.values()].every((count) => count === 1)).toBe(true);
    expect(await second.stop()).toBe(0);
  } finally {
    await store.shutdown();
    client.disconnect();
  }
}, 120_000);
