// test/service/admin-rules.test.ts
// The admin API adds or changes a custom rule at run time: checked like the policy's own, audited, in force at once,
// shared through Redis by every instance.

import Redis from 'ioredis';
import request from 'supertest';
import { parseConfig } from '../../src/config/service';
import { parsePolicy } from '../../src/core/policy';
import { createService, type Service } from '../../src/service/service';
import { MemoryOverlayStore } from '../../src/state/memory/overlay';
import { type OverlayStore, validateRule } from '../../src/state/overlay';
import { RedisOverlayStore } from '../../src/state/redis/overlay';
import { line, order } from '../helpers/orders';
import { type RedisInstance, startRedis } from '../helpers/redis';

const ADMIN = 'rules-admin-token-0123456789abcdef';
const auth = { Authorization: `Bearer ${ADMIN}` };

const bulk = {
  scope: 'line',
  when: 'line.category == "PHONES" && line.quantity > 3',
  message: '{line.quantity} units of {line.sku}',
};
const phones = () => order({ lines: [line('iphone-16', 15_000_000, 0, 5, 'phones')] });

function serviceWith(policy: object = {}, overlay: OverlayStore = new MemoryOverlayStore()): Service {
  const config = parseConfig({ service: { logLevel: 'silent' }, policy }, undefined, {
    PRICE_GUARD_ADMIN_TOKEN: ADMIN,
  });
  return createService(config, { overlay });
}

describe('custom rules through the admin API', () => {
  let service: Service;
  beforeEach(async () => {
    service = serviceWith({
      customRules: [{ id: 'big_order', when: 'order.units > 100', message: '{order.units} units' }],
    });
    await service.whenReady();
  });
  afterEach(() => service.close());

  const evaluate = () => request(service.app).post('/v1/evaluate').send(phones());

  it('adds a rule that holds the next order, audited with who and what', async () => {
    expect((await evaluate()).body.decision).toBe('allow');
    const put = await request(service.app).put('/v1/admin/rules/phone_bulk').set(auth).send(bulk);
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ rule: { id: 'phone_bulk', scope: 'line' }, replaced: null });
    expect(put.body.cost).toBeGreaterThan(0);
    const held = await evaluate();
    expect(held.body.decision).toBe('hold');
    expect(held.body.reasons).toEqual([
      expect.objectContaining({ rule: 'phone_bulk', line: 0, message: '5 units of IPHONE-16' }),
    ]);
    const trail = await service.store.auditTrail({ limit: 10 });
    expect(trail.find((entry) => entry.action === 'rule_set')).toMatchObject({
      action: 'rule_set',
      actor: expect.any(String),
      rule: 'phone_bulk',
      note: 'added (line, policy mode): line.category == "PHONES" && line.quantity > 3',
    });
    const policy = await request(service.app).get('/v1/admin/policy').set(auth);
    expect(policy.body.customRules).toEqual([
      expect.objectContaining({ id: 'big_order', source: 'file' }),
      expect.objectContaining({ id: 'phone_bulk', source: 'runtime' }),
    ]);
  });

  it("changes a rule of the policy file (say, to shadow mode), and removing the change restores the file's", async () => {
    const shadow = await request(service.app)
      .put('/v1/admin/rules/big_order')
      .set(auth)
      .send({ when: 'order.units > 3', message: '{order.units} units', mode: 'shadow' });
    expect(shadow.body.replaced).toBe('file');
    const decided = await evaluate();
    expect(decided.body).toMatchObject({ decision: 'allow' });
    expect(decided.body.reasons).toEqual([expect.objectContaining({ rule: 'big_order', mode: 'shadow' })]);
    const changed = (await service.store.auditTrail({ limit: 10 })).find(
      (entry) => entry.action === 'rule_set',
    );
    expect(changed?.note).toBe('changed (order, shadow): order.units > 3 (was: order.units > 100)');
    expect((await request(service.app).delete('/v1/admin/rules/big_order').set(auth)).status).toBe(204);
    expect((await evaluate()).body.reasons).toEqual([]);
    const missing = await request(service.app).delete('/v1/admin/rules/big_order').set(auth);
    expect(missing.status).toBe(404);
    expect(missing.body.message).toContain('a rule of the policy file is changed with PUT');
    const trail = await service.store.auditTrail({ limit: 10 });
    expect(trail.map((entry) => entry.action).filter((action) => action.startsWith('rule_'))).toEqual([
      'rule_removed',
      'rule_set',
    ]);
  });

  it('refuses a rule exactly as the policy refuses it: field, position, did-you-mean; nothing changes', async () => {
    const cases: Array<[string, object, { path: string; message: string }]> = [
      [
        'phone_bulk',
        { ...bulk, when: 'line.quantty > 3' },
        { path: 'when', message: 'line has no field "quantty" (did you mean "quantity"?) at column 6' },
      ],
      [
        'phone_bulk',
        { ...bulk, when: 'order.total > orders.total', scope: 'order', message: 'x' },
        {
          path: 'when',
          message: 'unknown name "orders": a rule reads order, now (did you mean "order"?) at column 15',
        },
      ],
      [
        'below_floor',
        bulk,
        { path: 'id', message: '"below_floor" is a built-in rule: a custom rule needs an id of its own' },
      ],
      [
        'Bad Id',
        bulk,
        { path: 'id', message: expect.stringContaining('must be lower case letters') as unknown as string },
      ],
      [
        'phone_bulk',
        { ...bulk, id: 'other' },
        { path: 'id', message: 'must be the id in the path ("phone_bulk"), or left out' },
      ],
      [
        'phone_bulk',
        { ...bulk, whem: 'true' },
        { path: 'whem', message: 'is not a known field; did you mean "when"?' },
      ],
      [
        'phone_bulk',
        { ...bulk, message: 'Total {order.totl}' },
        {
          path: 'message',
          message: '{order.totl} is not a value of order; did you mean {order.total}? at column 7',
        },
      ],
    ];
    for (const [id, body, problem] of cases) {
      const response = await request(service.app)
        .put(`/v1/admin/rules/${encodeURIComponent(id)}`)
        .set(auth)
        .send(body);
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ error: 'invalid_value', problems: [problem] });
    }
    const notJson = await request(service.app).put('/v1/admin/rules/phone_bulk').set(auth).send([bulk]);
    expect(notJson.status).toBe(400);
    expect(
      (await service.store.auditTrail({ limit: 10 })).filter((entry) => entry.action === 'rule_set'),
    ).toEqual([]);
    expect((await evaluate()).body.decision).toBe('allow');
  });

  it('refuses a rule that would take the policy past its cost limit, naming it', () => {
    const heavy = {
      scope: 'line',
      when: 'line.sku in order.codes || line.category in order.segments || line.sku in order.segments',
      message: 'x',
    };
    const inForce = parsePolicy({
      customRules: Array.from({ length: 19 }, (_, index) => ({ ...heavy, id: `h${index}` })),
    }).customRules;
    expect(() => validateRule('h19', heavy, inForce)).toThrow(
      /custom rule "h19":\n {2}- customRules: the enabled rules may take [\d,]+ steps together/,
    );
    expect(() => validateRule('h0', { ...heavy, enabled: false }, inForce)).not.toThrow();
  });

  it('needs the admin role', async () => {
    expect((await request(service.app).put('/v1/admin/rules/phone_bulk').send(bulk)).status).toBe(401);
  });
});

describe('custom rules set at run time with Redis', () => {
  let redis: RedisInstance;
  let client: Redis;
  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
  });
  afterAll(async () => {
    await client.quit();
    await redis.stop();
  });

  it('are in force on every instance, and a stored rule that no longer checks is left out', async () => {
    const prefix = `cpg-rules-${Date.now()}`;
    const first = serviceWith({}, new RedisOverlayStore(client, prefix, false));
    const second = serviceWith({}, new RedisOverlayStore(client, prefix, false));
    try {
      await Promise.all([first.whenReady(), second.whenReady()]);
      expect((await request(first.app).put('/v1/admin/rules/phone_bulk').set(auth).send(bulk)).status).toBe(
        200,
      );
      await second.refreshOverlay();
      const held = await request(second.app).post('/v1/evaluate').send(phones());
      expect(held.body.reasons).toEqual([expect.objectContaining({ rule: 'phone_bulk' })]);
      // A rule written by hand (or by an older version) that does not check is rejected on read, not applied.
      await client.hset(
        `{${prefix}:policy-overlay}:rules`,
        'broken',
        JSON.stringify({ when: 'order.x', message: 'm' }),
      );
      await client.incr(`{${prefix}:policy-overlay}:version`);
      const read = await new RedisOverlayStore(client, prefix, false).readChecked();
      expect(read.rejected).toEqual(['broken']);
      expect(Object.keys(read.overlay.rules)).toEqual(['phone_bulk']);
      expect((await request(second.app).delete('/v1/admin/rules/phone_bulk').set(auth)).status).toBe(204);
      await first.refreshOverlay();
      expect((await request(first.app).post('/v1/evaluate').send(phones())).body.reasons).toEqual([]);
    } finally {
      await first.close();
      await second.close();
    }
  });
});
