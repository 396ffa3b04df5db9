// test/service/process.test.ts
// The real service process against real Redis: every endpoint over HTTP, SIGHUP reload, runtime floors shared
// between instances, and SIGTERM mid-load losing no accepted evaluation and no acknowledged hold.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import type { GuardStore } from '../../src/ports/store';
import { createStoreFromEnv } from '../../src/state/from-env';
import { line, order } from '../helpers/orders';
import { type RedisInstance, startRedis, stopAll } from '../helpers/redis';
import {
  buildService,
  type HttpResponse,
  http,
  type ServiceProcess,
  startService,
} from '../helpers/service-process';

const PREFIX = 'cpgsvc';
const ADMIN = 'admin-token-for-tests-0123456789abcdef';
const PRICING = 'pricing-team-token-0123456789abcdef';
const ANA = 'ana-reviewer-token-0123456789abcdef';

let cli: string;
let dir: string;
let configPath: string;
let service: ServiceProcess;
let store: GuardStore;
let redis: RedisInstance;
const extra: ServiceProcess[] = [];
// A Standard Webhooks secret: "whsec_" and the base64 of 32 bytes.
const HOOK_SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
let hooks: Server;
let hookUrl: string;
const received: Array<{ headers: Record<string, unknown>; body: Record<string, unknown> }> = [];

const env = () => ({
  REDIS_URL: redis.url,
  REDIS_PREFIX: PREFIX,
  LOG_LEVEL: 'debug',
  PRICE_GUARD_CONFIG: configPath,
  PRICE_GUARD_ADMIN_TOKEN: ADMIN,
  PRICE_GUARD_REVIEW_TOKENS: `pricing:admin:${PRICING},ana:reviewer:${ANA}`,
  HOOK_SECRET,
});

function writeConfig(policy: string): void {
  writeFileSync(
    configPath,
    `service:\n  bodyLimit: 2kb\n  overlayRefreshMs: 200\n  shutdownTimeoutMs: 8000\n` +
      `review:\n  webhooks:\n    - url: ${hookUrl}\n      secretEnv: HOOK_SECRET\npolicy:\n${policy}`,
  );
}

const evaluate = (body: unknown, headers: Record<string, string> = {}) =>
  http(service.url, 'POST', '/v1/evaluate', { body, headers });

beforeAll(async () => {
  cli = buildService();
  dir = mkdtempSync(join(tmpdir(), 'cpg-service-'));
  hooks = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk) => {
      text += chunk;
    });
    req.on('end', () => {
      received.push({ headers: req.headers, body: JSON.parse(text) });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => hooks.listen(0, '127.0.0.1', resolve));
  hookUrl = `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/hooks`;
  configPath = join(dir, 'config.yaml');
  writeConfig('  floors:\n    TOTE:\n      IDR: 2000000\n');
  redis = await startRedis();
  store = createStoreFromEnv({ REDIS_URL: redis.url, REDIS_PREFIX: PREFIX });
  await store.init?.();
  service = await startService(cli, { env: env() });
}, 60_000);

afterAll(async () => {
  for (const other of [service, ...extra]) await other?.stop();
  await store?.shutdown?.();
  await new Promise((resolve) => hooks?.close(resolve));
  await stopAll();
  rmSync(dir, { recursive: true, force: true });
});

describe('endpoints', () => {
  test('it runs on Redis, not on the embedded store', () => {
    expect(service.logs.some((entry) => /EMBEDDED IN-MEMORY/.test(entry.msg))).toBe(false);
  });

  test('/healthz and /readyz', async () => {
    expect(await http(service.url, 'GET', '/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });
    const ready = await http(service.url, 'GET', '/readyz');
    expect(ready).toMatchObject({
      status: 200,
      body: { status: 'ready', store: 'redis', config: configPath },
    });
  });

  test('an allowed order: 200 with the decision, logged with its request id', async () => {
    const input = order({ lines: [line('TOTE', 4_700_000)] });
    const response = await evaluate(input, { 'x-request-id': 'req-allow-1' });
    expect(response.status).toBe(200);
    expect(response.headers['x-request-id']).toBe('req-allow-1');
    expect(response.body).toEqual({
      decision: 'allow',
      amounts: { currency: 'IDR', exponent: 0 },
      orderId: input.orderId,
      reasons: [],
      mode: 'enforce',
      wouldDecide: 'allow',
      // A new SKU without history or a declared price: the decision says what it could not check.
      abstentions: [expect.objectContaining({ rule: 'below_recent_price', sku: 'TOTE' })],
      exceptions: [],
    });
    const logged = await service.waitForLog(
      (entry) => entry.reqId === 'req-allow-1' && entry.msg === 'request',
    );
    expect(logged).toMatchObject({ method: 'POST', path: '/v1/evaluate', status: 200, decision: 'allow' });
    expect(typeof logged.durationMs).toBe('number');
  });

  test('a held order: 200 with reasons and reviewId, stored in Redis; a retry is idempotent', async () => {
    const input = order({ lines: [line('TOTE', 4_700_000, 4_700_000), line('CARD', 1_250_000)] });
    const first = await evaluate(input);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ decision: 'hold', orderId: input.orderId, reviewId: input.orderId });
    expect(first.body.reasons.map((reason: { rule: string }) => reason.rule)).toContain('below_floor');
    expect(first.body.message).toMatch(/double-checking its price/);
    const again = await evaluate(input);
    // The first decision again, marked as a repeat of it.
    expect(again.body).toEqual({ ...first.body, repeatOf: { decidedAt: expect.any(Number) } });
    const held = await store.getHold(input.orderId);
    expect(held).toMatchObject({ status: 'pending', version: 1 });
    const trail = await store.auditTrail({ orderId: input.orderId, limit: 10 });
    expect(trail.filter((entry) => entry.action === 'held')).toHaveLength(1);
  });

  test('400 with the problem list, for a malformed order and for bad JSON', async () => {
    const response = await evaluate({ orderId: 'x', currency: 'IDR', lines: [], total: 1.5 });
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('invalid_order');
    expect(response.body.problems).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: 'total' })]),
    );
    const broken = await http(service.url, 'POST', '/v1/evaluate', { raw: '{"orderId":' });
    expect(broken.status).toBe(400);
    expect(broken.body).toMatchObject({ error: 'invalid_json', problems: [{ path: '' }] });
  });

  test('413 with a JSON body for an order above the body limit', async () => {
    const big = order({ lines: Array.from({ length: 60 }, (_, index) => line(`SKU-${index}`, 1000)) });
    const response = await evaluate(big);
    expect(response.status).toBe(413);
    expect(response.body).toMatchObject({ error: 'payload_too_large', limit: 2048 });
  });

  test('the demo storefront mounts the middleware: 201 placed, or 202 held', async () => {
    const ok = await http(service.url, 'POST', '/checkout', {
      body: order({ lines: [line('TOTE', 4_700_000)] }),
    });
    expect(ok).toMatchObject({ status: 201, body: { status: 'placed', guard: 'allow' } });
    const glitch = order({ lines: [line('TOTE', 4_700_000, 4_700_000)] });
    const held = await http(service.url, 'POST', '/checkout', {
      body: glitch,
      headers: { 'accept-language': 'id-ID' },
    });
    expect(held).toMatchObject({
      status: 202,
      body: { status: 'held', reviewId: glitch.orderId, language: 'id' },
    });
    expect(await store.getHold(glitch.orderId)).toBeDefined();
  });

  test('/metrics serves the guard metrics in Prometheus text format', async () => {
    const response = await http(service.url, 'GET', '/metrics');
    expect(response.status).toBe(200);
    expect(response.text).toMatch(/checkout_price_guard_orders_evaluated_total\{[^}]*\} [1-9]/);
    expect(response.text).toMatch(/checkout_price_guard_review_queue_holds\{status="pending"\} [1-9]/);
  });

  test('an unknown route is a JSON 404', async () => {
    expect(await http(service.url, 'GET', '/nope')).toMatchObject({
      status: 404,
      body: { error: 'not_found' },
    });
  });
});

describe('review API at /review', () => {
  test('a reviewer lists and releases a hold; the storefront gets a signed webhook', async () => {
    const glitch = order({ lines: [line('TOTE', 4_700_000, 4_600_000)] });
    expect((await evaluate(glitch)).body.decision).toBe('hold');
    const auth = { authorization: `Bearer ${ANA}` };
    const page = await http(service.url, 'GET', '/review/', { headers: auth });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    const list = await http(service.url, 'GET', '/review/api/holds?status=pending&sku=TOTE', {
      headers: auth,
    });
    expect(list.status).toBe(200);
    expect(JSON.stringify(list.body)).toContain(glitch.orderId);
    const approve = await http(service.url, 'POST', `/review/api/holds/${glitch.orderId}/approve`, {
      body: { note: 'price confirmed with the brand' },
      headers: auth,
    });
    expect(approve.status).toBe(200);
    expect(await store.getHold(glitch.orderId)).toMatchObject({
      status: 'approved',
      resolution: { by: 'ana' },
    });
    const deadline = Date.now() + 10_000;
    while (
      !received.some((hook) => JSON.stringify(hook.body).includes(glitch.orderId)) &&
      Date.now() < deadline
    ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const hook = received.find((entry) => JSON.stringify(entry.body).includes(glitch.orderId));
    expect(hook?.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(hook?.headers['webhook-id']).toBe(hook?.body.id);
    expect((await http(service.url, 'GET', '/review/api/holds')).status).toBe(401);
  });
});

describe('admin: runtime floors and caps', () => {
  const admin = (method: string, path: string, body?: unknown, token = ADMIN): Promise<HttpResponse> =>
    http(service.url, method, `/v1/admin${path}`, {
      ...(body === undefined ? {} : { body }),
      headers: { authorization: `Bearer ${token}` },
    });

  test('requires an admin token', async () => {
    const none = await http(service.url, 'GET', '/v1/admin/policy');
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
    expect((await admin('GET', '/policy', undefined, ANA)).status).toBe(403); // a reviewer, not an admin
    expect((await admin('GET', '/policy', undefined, 'wrong')).status).toBe(401);
    // The rate limit counts in Redis, under the store's prefix: every instance draws from one budget.
    const client = new Redis(redis.url);
    try {
      expect(await client.exists(`{${PREFIX}:rl:token:ana}`)).toBe(1);
      expect(await client.pttl(`{${PREFIX}:rl:token:ana}`)).toBeGreaterThan(0);
    } finally {
      await client.quit();
    }
  });

  test('rejects a bad floor or cap naming the field', async () => {
    const negative = await admin('PUT', '/floors/CARD', { currency: 'IDR', floor: -1 });
    expect(negative).toMatchObject({
      status: 400,
      body: {
        problems: [{ path: 'floor', message: 'must be a non-negative integer amount in minor units' }],
      },
    });
    const currency = await admin('PUT', '/floors/CARD', { currency: 'XYZ', floor: 1 });
    expect(currency).toMatchObject({ status: 400, body: { problems: [{ path: 'currency' }] } });
    const cap = await admin('PUT', '/caps/CARD', { capBp: 12_000 });
    expect(cap).toMatchObject({ status: 400, body: { problems: [{ path: 'capBp' }] } });
  });

  test('a floor set on one instance holds orders on another within the refresh interval; removing it lets them through', async () => {
    const second = await startService(cli, { env: env() });
    extra.push(second);
    const cheapCard = () => order({ lines: [line('CARD', 900_000)] });
    expect((await http(second.url, 'POST', '/v1/evaluate', { body: cheapCard() })).body.decision).toBe(
      'allow',
    );

    const set = await admin('PUT', '/floors/CARD', { currency: 'IDR', floor: 1_000_000 }, PRICING);
    expect(set).toMatchObject({ status: 200, body: { sku: 'CARD', currency: 'IDR', floor: 1_000_000 } });
    // The instance that took the write applies it before answering.
    expect((await evaluate(cheapCard())).body.decision).toBe('hold');
    await second.waitForLog((entry) => entry.msg === 'runtime floors, caps and catalog applied');
    const remote = await http(second.url, 'POST', '/v1/evaluate', { body: cheapCard() });
    expect(remote.body).toMatchObject({
      decision: 'hold',
      reasons: [expect.objectContaining({ rule: 'below_floor' })],
    });

    const policy = await admin('GET', '/policy');
    expect(policy.body.overlay).toEqual({ floors: { CARD: { IDR: 1_000_000 } }, caps: {}, rules: {} });
    expect(policy.body.floors).toEqual({ TOTE: { IDR: 2_000_000 }, CARD: { IDR: 1_000_000 } });

    expect((await admin('DELETE', '/floors/CARD', undefined, PRICING)).status).toBe(204);
    expect((await admin('DELETE', '/floors/CARD')).status).toBe(404);
    expect((await evaluate(cheapCard())).body.decision).toBe('allow');

    const trail = await store.auditTrail({ limit: 50 });
    const changes = trail.filter((entry) => entry.action === 'floor_set' || entry.action === 'floor_removed');
    expect(changes.map((entry) => [entry.action, entry.actor, entry.sku])).toEqual([
      ['floor_removed', 'pricing', 'CARD'],
      ['floor_set', 'pricing', 'CARD'],
    ]);
    await second.stop();
  });

  test('a SKU cap', async () => {
    const discounted = () => order({ lines: [line('SHOE', 1_000_000, 600_000)] });
    expect((await evaluate(discounted())).body.decision).toBe('allow');
    expect((await admin('PUT', '/caps/SHOE', { capBp: 5000 })).status).toBe(200);
    const held = await evaluate(discounted());
    expect(held.body).toMatchObject({
      decision: 'hold',
      reasons: [expect.objectContaining({ rule: 'discount_cap' })],
    });
    expect((await admin('DELETE', '/caps/SHOE')).status).toBe(204);
    expect((await evaluate(discounted())).body.decision).toBe('allow');
  });
});

describe('reload on SIGHUP', () => {
  test('a valid file swaps the policy; a bad file is logged and the old policy stays', async () => {
    const bag = () => order({ lines: [line('BAG', 300_000)] });
    expect((await evaluate(bag())).body.decision).toBe('allow');

    writeConfig('  floors:\n    TOTE:\n      IDR: 2000000\n    BAG:\n      IDR: 500000\n');
    const reloads = service.logs.filter((entry) => entry.msg === 'config reloaded').length;
    service.child.kill('SIGHUP');
    await service.waitForLog(
      (entry) =>
        entry.msg === 'config reloaded' && service.logs.filter((e) => e.msg === entry.msg).length > reloads,
    );
    expect((await evaluate(bag())).body.decision).toBe('hold');

    writeConfig('  floors:\n    BAG:\n      IDR: -1\n');
    service.child.kill('SIGHUP');
    const rejected = await service.waitForLog((entry) => /config reload rejected/.test(entry.msg));
    expect(rejected.level).toBe(50);
    expect(rejected.problems).toEqual([{ path: 'policy.floors.BAG.IDR', message: 'must not be negative' }]);
    // Still the previous policy: BAG is held and TOTE's floor is still in force.
    expect((await evaluate(bag())).body.decision).toBe('hold');
    expect((await evaluate(order({ lines: [line('TOTE', 1_000_000)] }))).body.decision).toBe('hold');
    expect((await http(service.url, 'GET', '/readyz')).status).toBe(200);
  });
});

describe('when Redis hangs', () => {
  test('a hold that cannot be stored is a 503 with Retry-After; allowed orders still get 200; readyz is 503', async () => {
    const privateRedis = await startRedis();
    const degraded = await startService(cli, {
      env: { REDIS_URL: privateRedis.url, REDIS_PREFIX: 'degraded' },
    });
    extra.push(degraded);
    const send = (body: unknown) => http(degraded.url, 'POST', '/v1/evaluate', { body });
    expect((await http(degraded.url, 'GET', '/readyz')).status).toBe(200);
    privateRedis.pause();
    try {
      const glitch = order({ lines: [line('TOTE', 4_700_000, 4_700_000)] });
      const unavailable = await send(glitch);
      expect(unavailable.status).toBe(503);
      expect(unavailable.headers['retry-after']).toBe('2');
      expect(unavailable.body).toMatchObject({ error: 'guard_unavailable', orderId: glitch.orderId });
      const fine = await send(order({ lines: [line('TOTE', 4_700_000)] }));
      expect(fine.status).toBe(200);
      expect(fine.body.decision).toBe('allow');
      const ready = await http(degraded.url, 'GET', '/readyz');
      expect(ready).toMatchObject({ status: 503, body: { status: 'store_unavailable' } });
    } finally {
      privateRedis.resume();
    }
    // Once Redis answers again, the retried order is held and acknowledged.
    const retried = order({ lines: [line('TOTE', 4_700_000, 4_700_000)], orderId: 'retry-after-outage' });
    let answer = await send(retried);
    for (let attempt = 0; attempt < 20 && answer.status === 503; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      answer = await send(retried);
    }
    expect(answer.body).toMatchObject({ decision: 'hold', reviewId: 'retry-after-outage' });
    expect(await degraded.stop()).toBe(0);
  }, 30_000);
});

describe('graceful shutdown', () => {
  test('SIGTERM mid-load: every accepted request gets a complete response and every acknowledged hold is in Redis', async () => {
    type Outcome = { id: string; orderId: string; response?: HttpResponse; error?: NodeJS.ErrnoException };
    const outcomes: Outcome[] = [];
    let sent = 0;
    let refused = false;
    const worker = async () => {
      while (!refused) {
        sent += 1;
        const id = `load-${sent}`;
        // Every third order is a glitch that must be held.
        const input =
          sent % 3 === 0
            ? order({ lines: [line('TOTE', 4_700_000, 4_700_000)] })
            : order({ lines: [line('TOTE', 4_700_000)] });
        const outcome: Outcome = { id, orderId: input.orderId };
        outcomes.push(outcome);
        try {
          outcome.response = await evaluate(input, { 'x-request-id': id });
        } catch (error) {
          outcome.error = error as NodeJS.ErrnoException;
          if (outcome.error.code === 'ECONNREFUSED') refused = true;
        }
      }
    };
    const workers = Array.from({ length: 24 }, worker);
    await new Promise((resolve) => setTimeout(resolve, 400));
    const inFlightAtSignal = sent - outcomes.filter((o) => o.response || o.error).length;
    service.child.kill('SIGTERM');
    await Promise.all(workers);
    expect(await service.exited).toBe(0);

    const logged = new Map(
      service.logs.filter((entry) => entry.msg === 'request').map((entry) => [entry.reqId as string, entry]),
    );
    const received = new Set(
      service.logs.filter((entry) => entry.msg === 'request received').map((entry) => entry.reqId as string),
    );
    const answered = outcomes.filter((o) => o.response);
    expect(answered.length).toBeGreaterThan(10);
    // Everything the service received, it answered.
    for (const id of received)
      if (id.startsWith('load-')) expect(logged.get(id)).toMatchObject({ status: 200 });
    expect(inFlightAtSignal).toBeGreaterThan(0);
    for (const outcome of outcomes) {
      if (outcome.response) {
        // A complete response with a decision; nothing was cut off or refused once accepted.
        expect(outcome.response.status).toBe(200);
        expect(['allow', 'hold']).toContain(outcome.response.body.decision);
        expect(logged.get(outcome.id)).toMatchObject({ status: 200 });
        expect(received.has(outcome.id)).toBe(true);
      } else {
        // Never accepted: the connection was refused or reset before the app saw the request.
        expect(['ECONNREFUSED', 'ECONNRESET']).toContain(outcome.error?.code);
        expect(received.has(outcome.id)).toBe(false);
      }
    }
    expect(service.logs.some((entry) => entry.msg === 'in-flight evaluations finished')).toBe(true);
    const held = answered.filter((o) => o.response!.body.decision === 'hold');
    expect(held.length).toBeGreaterThan(0);
    for (const outcome of held) {
      expect(await store.getHold(outcome.orderId)).toMatchObject({
        orderId: outcome.orderId,
        status: 'pending',
      });
    }
  }, 30_000);
});
