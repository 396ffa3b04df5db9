// test/state/outbox.test.ts
// The webhook outbox as a store concern, on the MemoryStore and on a private redis-server: events recorded with
// holds, decisions and trips, routed by subscription, leased, retried, and (Redis) shared by several instances.

import { Redis } from 'ioredis';
import { parsePolicy } from '../../src/core/policy';
import { Guard } from '../../src/engine/guard';
import type {
  EventOutbox,
  GuardStore,
  OutboxClaim,
  OutboxClaimRequest,
  OutboxRoute,
  OutboxStore,
} from '../../src/ports/store';
import { eventId, heldEvent } from '../../src/state/events';
import { MemoryStore } from '../../src/state/memory/store';
import { RedisKeys } from '../../src/state/redis/keys';
import { RedisStore } from '../../src/state/redis/store';
import { line, order } from '../helpers/orders';
import { type RedisInstance, startRedis, stopAll } from '../helpers/redis';
import { burst, normalDay, stackedSegment, stackedSurge, type Use } from '../helpers/surge';

type Store = GuardStore & OutboxStore;

interface Subject {
  /** A fresh, empty store. */
  make(): Promise<Store>;
  /** Another instance over the same shared state, when the store is shared. */
  twin?(of: Store): Promise<Store>;
}

let server: RedisInstance | undefined;
const clients: Redis[] = [];
let prefixes = 0;

const redisStore = async (prefix: string): Promise<Store> => {
  server ??= await startRedis();
  const client = new Redis(server.url, { commandTimeout: 2000, maxRetriesPerRequest: 1 });
  clients.push(client);
  const store = new RedisStore({ client, prefix, flushIntervalMs: 50 });
  await store.init();
  return store;
};

const prefixOf = new WeakMap<Store, string>();
const subjects: Array<[string, Subject]> = [
  ['MemoryStore', { make: async () => new MemoryStore() }],
  [
    'RedisStore',
    {
      async make() {
        const prefix = `outbox${++prefixes}`;
        const store = await redisStore(prefix);
        prefixOf.set(store, prefix);
        return store;
      },
      async twin(of) {
        return redisStore(prefixOf.get(of)!);
      },
    },
  ],
];

afterAll(async () => {
  await Promise.all(clients.map((client) => client.quit()));
  await stopAll();
});

const ALL: OutboxRoute = {
  id: 'ep_all',
  events: ['order.held', 'order.released', 'order.cancelled', 'voucher.tripped'],
};
const DECISIONS: OutboxRoute = { id: 'ep_decisions', events: ['order.released', 'order.cancelled'] };
const request = (routes: OutboxRoute[], overrides: Partial<OutboxClaimRequest> = {}): OutboxClaimRequest => ({
  routes,
  limit: 100,
  leaseMs: 60_000,
  maxPending: 1_000,
  ...overrides,
});

const glitch = (orderId: string) => order({ orderId, lines: [line('MJ-TOTE', 4_700_000, 4_700_000)] });

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met in time; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Claims until nothing more is due now, collecting everything claimed. */
async function claimAll(outbox: EventOutbox, routes: OutboxRoute[]): Promise<OutboxClaim['deliveries']> {
  const all: OutboxClaim['deliveries'] = [];
  for (;;) {
    const claim = await outbox.claim(request(routes));
    all.push(...claim.deliveries);
    if (claim.deliveries.length === 0 && claim.nextDueInMs !== 0) return all;
  }
}

describe.each(subjects)('webhook outbox: %s', (_name, subject) => {
  let store: Store;
  let guard: Guard;
  beforeEach(async () => {
    store = await subject.make();
    guard = new Guard({ policy: parsePolicy({}), store });
  });
  afterEach(async () => {
    await store.shutdown?.();
  });

  test('records nothing before a worker has claimed; then held and decision events, routed by subscription', async () => {
    expect((await guard.check(glitch('before'))).kind).toBe('held');
    expect(await claimAll(store.outbox, [ALL, DECISIONS])).toEqual([]);

    const result = await guard.check(glitch('after'));
    expect(result.kind).toBe('held');
    const held = await claimAll(store.outbox, [ALL, DECISIONS]);
    expect(held.map((d) => [d.endpointId, JSON.parse(d.body).type, JSON.parse(d.body).orderId])).toEqual([
      ['ep_all', 'order.held', 'after'],
    ]);
    const event = JSON.parse(held[0]!.body);
    expect(event).toEqual(heldEvent((await store.getHold('after'))!));
    expect(event).toMatchObject({
      currency: 'IDR',
      total: 0,
      listValue: 4_700_000,
      rules: ['zero_total', 'discount_cap'],
    });
    expect(held[0]).toMatchObject({ eventId: event.id, attempt: 1 });

    const decided = await store.transition({
      orderId: 'after',
      to: 'rejected',
      actor: 'dewi',
      note: 'glitch',
      now: 7,
    });
    expect(decided.ok).toBe(true);
    const deliveries = await claimAll(store.outbox, [ALL, DECISIONS]);
    expect(deliveries.map((d) => d.endpointId).sort()).toEqual(['ep_all', 'ep_decisions']);
    expect(new Set(deliveries.map((d) => d.eventId)).size).toBe(1);
    expect(JSON.parse(deliveries[0]!.body)).toMatchObject({
      id: eventId('order.cancelled', 'after', 7),
      type: 'order.cancelled',
      orderId: 'after',
      actor: 'dewi',
      note: 'glitch',
      at: 7,
      timestamp: new Date(7).toISOString(),
    });
    // The first hold, made before recording began, never got an event; deciding it now does.
    await store.transition({ orderId: 'before', to: 'approved', actor: 'dewi', note: '', now: 8 });
    const late = await claimAll(store.outbox, [ALL, DECISIONS]);
    expect(late.map((d) => JSON.parse(d.body).type)).toEqual(['order.released', 'order.released']);
    // A refused decision records nothing.
    await store.transition({ orderId: 'before', to: 'rejected', actor: 'dewi', note: 'again', now: 9 });
    expect(await claimAll(store.outbox, [ALL, DECISIONS])).toEqual([]);
    expect(await store.outbox.size([ALL, DECISIONS])).toBe(5); // 1 held + 2 cancelled + 2 released, leased, not settled
  });

  test('a lease keeps a delivery from a second claim until it ends; a settle from a lost lease is refused', async () => {
    await store.outbox.claim(request([ALL]));
    await guard.check(glitch('lease'));
    const [first] = (await store.outbox.claim(request([ALL], { leaseMs: 300 }))).deliveries;
    expect(first).toMatchObject({ attempt: 1 });
    expect((await store.outbox.claim(request([ALL], { leaseMs: 300 }))).deliveries).toEqual([]);
    // The worker "died": after the lease another claim gets it again, as attempt 2, with the same id and body.
    const again = await until(
      () => store.outbox.claim(request([ALL], { leaseMs: 300 })),
      (claim) => claim.deliveries.length > 0,
    );
    expect(again.deliveries[0]).toEqual({ ...first, attempt: 2 });
    expect(await store.outbox.settle(first!, {})).toBe(false);
    expect(await store.outbox.size([ALL])).toBe(1);
    expect(await store.outbox.settle(again.deliveries[0]!, {})).toBe(true);
    expect(await store.outbox.size([ALL])).toBe(0);
    expect(await store.outbox.settle(again.deliveries[0]!, {})).toBe(false);
  });

  test('a retry is due again after its delay, and the claim says when', async () => {
    await store.outbox.claim(request([ALL]));
    await guard.check(glitch('retry'));
    const [delivery] = (await store.outbox.claim(request([ALL]))).deliveries;
    expect(await store.outbox.settle(delivery!, { retryInMs: 400 })).toBe(true);
    const waiting = await store.outbox.claim(request([ALL]));
    expect(waiting.deliveries).toEqual([]);
    expect(waiting.pending).toBe(1);
    expect(waiting.nextDueInMs).toBeGreaterThan(200);
    expect(waiting.nextDueInMs).toBeLessThanOrEqual(400);
    const due = await until(
      () => store.outbox.claim(request([ALL])),
      (claim) => claim.deliveries.length > 0,
    );
    expect(due.deliveries[0]).toMatchObject({ eventId: delivery!.eventId, attempt: 2 });
  });

  test('beyond maxPending an event is dropped and counted, and a hold is still stored', async () => {
    await store.outbox.claim(request([ALL], { maxPending: 2 }));
    for (const id of ['cap-1', 'cap-2', 'cap-3']) expect((await guard.check(glitch(id))).kind).toBe('held');
    const claim = await store.outbox.claim(request([ALL], { maxPending: 2, limit: 0 }));
    expect(claim).toMatchObject({ pending: 2, dropped: 1 });
    expect(await store.getHold('cap-3')).toMatchObject({ status: 'pending' });
  });

  test('voucher.tripped is recorded once, when the code trips, with an id from the code and trip time', async () => {
    const policy = parsePolicy({ vouchers: { LEAK: { velocity: { maxPerWindow: 2 } } } });
    guard = new Guard({ policy, store, clock: () => 1_800_000_000_000 });
    await store.outbox.claim(request([DECISIONS, ALL]));
    for (let index = 0; index < 5; index++) {
      await guard.check(
        order({
          orderId: `leak-${index}`,
          lines: [line('S', 1000)],
          vouchers: [{ code: 'LEAK', discount: 10 }],
        }),
      );
      if (store instanceof RedisStore) await store.flush();
    }
    const types = async () =>
      (await claimAll(store.outbox, [DECISIONS, ALL])).map((d) => [d.endpointId, JSON.parse(d.body)]);
    const seen: Array<[string, { type: string; voucher?: string; id: string; at: number }]> = [];
    await until(
      async () => {
        seen.push(...((await types()) as typeof seen));
        return seen;
      },
      (all) => all.some(([, event]) => event.type === 'voucher.tripped'),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    seen.push(...((await types()) as typeof seen));
    const trips = seen.filter(([, event]) => event.type === 'voucher.tripped');
    expect(trips).toHaveLength(1);
    expect(trips[0]![0]).toBe('ep_all');
    // The trip time is the guard's clock at the tripping order, in both stores.
    expect(trips[0]![1]).toMatchObject({
      voucher: 'LEAK',
      at: 1_800_000_000_000,
      id: eventId('voucher.tripped', 'LEAK', 1_800_000_000_000),
    });
  });

  test('voucher.tripped of a scoped trip names the segment it holds; a widening to every use is sent again', async () => {
    const T0 = 1_800_000_000_000;
    let now = T0;
    guard = new Guard({
      policy: parsePolicy({ vouchers: { DAILY: {}, EXTRA: {} } }),
      store,
      clock: () => now,
    });
    await store.outbox.claim(request([ALL]));
    const check = async (uses: Use[]) => {
      const kinds: string[] = [];
      for (const use of uses) {
        now = use.at;
        kinds.push((await guard.check(use.input)).kind);
        if (store instanceof RedisStore) await store.flush();
      }
      return kinds;
    };
    await check(normalDay('DAILY', T0));
    const surge = stackedSurge('DAILY', 'EXTRA', T0);
    const trippedAt = surge[(await check(surge)).indexOf('held')]!.at;
    // Abusers dressed as normal use (the code alone, every two seconds): the trip widens to every use.
    const dressed = burst('dressed', ['DAILY'], T0 + 60_000, 30, 2000);
    const widenedAt = dressed[(await check(dressed)).indexOf('held')]!.at;
    expect(widenedAt).toBeGreaterThan(trippedAt);

    const trips: Array<Record<string, unknown>> = [];
    await until(
      async () => {
        for (const delivery of await claimAll(store.outbox, [ALL])) {
          const event = JSON.parse(delivery.body) as Record<string, unknown>;
          // EXTRA, young, trips too (for every use): the events of DAILY are the ones in question.
          if (event.type === 'voucher.tripped' && event.voucher === 'DAILY') trips.push(event);
        }
        return trips;
      },
      (all) => all.length >= 2,
    );
    expect(trips).toEqual([
      {
        id: eventId('voucher.tripped', 'DAILY', trippedAt),
        timestamp: new Date(trippedAt).toISOString(),
        at: trippedAt,
        type: 'voucher.tripped',
        voucher: 'DAILY',
        trippedAt,
        segment: { trait: 'stacked', normal: [''], surge: ['EXTRA'], description: stackedSegment('EXTRA') },
      },
      {
        id: eventId('voucher.tripped', 'DAILY', widenedAt),
        timestamp: new Date(widenedAt).toISOString(),
        at: widenedAt,
        type: 'voucher.tripped',
        voucher: 'DAILY',
        trippedAt,
        widenedFrom: 'segment',
      },
    ]);
  });

  // The embedded store is one process's; only a shared store has several instances.
  (subject.twin ? test : test.skip)(
    'several instances sharing the store claim each delivery exactly once',
    async () => {
      if (!subject.twin) return;
      const instances = [store, await subject.twin(store), await subject.twin(store)];
      try {
        await store.outbox.claim(request([ALL]));
        for (let index = 0; index < 60; index++) await guard.check(glitch(`shared-${index}`));
        const claimed: string[] = [];
        await Promise.all(
          instances.map(async (instance) => {
            for (;;) {
              const claim = await instance.outbox.claim(request([ALL], { limit: 3 }));
              claimed.push(...claim.deliveries.map((d) => d.eventId));
              for (const delivery of claim.deliveries) await instance.outbox.settle(delivery, {});
              if (claim.deliveries.length === 0 && claim.nextDueInMs !== 0) return;
            }
          }),
        );
        expect(claimed).toHaveLength(60);
        expect(new Set(claimed).size).toBe(60);
        expect(await store.outbox.size([ALL])).toBe(0);
      } finally {
        for (const instance of instances.slice(1)) await instance.shutdown?.();
      }
    },
  );
});

describe('webhook outbox on Redis: order.held recorded as a reference to the stored hold', () => {
  test('the checkout path records a small reference; a claim delivers the event byte for byte', async () => {
    const prefix = `outboxref${++prefixes}`;
    const store = await redisStore(prefix);
    const client = clients.at(-1)!;
    const guard = new Guard({ policy: parsePolicy({}), store });
    try {
      await store.outbox.claim(request([ALL]));
      expect((await guard.check(glitch('ref-1'))).kind).toBe('held');
      expect((await guard.check(glitch('ref-2'))).kind).toBe('held');
      const base = new RedisKeys(prefix).queue;
      const recorded = (await client.lrange(`${base}:ob:in`, 0, -1)).map((entry) => JSON.parse(entry));
      const first = (await store.getHold('ref-1'))!;
      expect(recorded).toEqual([
        { id: heldEvent(first).id, type: 'order.held', at: first.heldAt, hold: 'ref-1' },
        expect.objectContaining({ type: 'order.held', hold: 'ref-2' }),
      ]);

      // A hold swept before its event is sent (far past any retry): the event still names the order.
      const second = (await store.getHold('ref-2'))!;
      await client.del(`${base}:h:ref-2`);
      const delivered = await claimAll(store.outbox, [ALL]);
      // Deliveries due at the same moment come in event id order.
      expect(delivered.map((d) => d.body).sort()).toEqual(
        [
          JSON.stringify(heldEvent(first)),
          JSON.stringify({
            id: heldEvent(second).id,
            timestamp: new Date(second.heldAt).toISOString(),
            at: second.heldAt,
            type: 'order.held',
            orderId: 'ref-2',
          }),
        ].sort(),
      );
    } finally {
      await store.shutdown?.();
    }
  });
});
