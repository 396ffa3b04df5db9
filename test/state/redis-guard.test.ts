// test/state/redis-guard.test.ts
// The Guard on a RedisStore against a private redis-server: history, velocity, eligibility, idempotency, sharing, races.

import { Redis } from 'ioredis';
import { type PolicyInput, parsePolicy } from '../../src/core/policy';
import { Guard } from '../../src/engine/guard';
import { ReviewWorkflow } from '../../src/engine/review';
import { RedisStore } from '../../src/state/redis/store';
import { line, order } from '../helpers/orders';
import { type RedisInstance, startRedis } from '../helpers/redis';
import { normalDay, stackedSegment, useOf } from '../helpers/surge';

let server: RedisInstance;
const clients: Redis[] = [];
const stores: RedisStore[] = [];
let prefixes = 0;

beforeAll(async () => {
  server = await startRedis();
});
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.shutdown()));
});
afterAll(async () => {
  await Promise.all(clients.map((client) => client.quit()));
  await server.stop();
});

/** A RedisStore on the private server; `prefix` shares state between stores (instances). */
async function makeStore(prefix: string, voucherRefreshMs?: number): Promise<RedisStore> {
  const client = new Redis(server.url, { commandTimeout: 2000, maxRetriesPerRequest: 1 });
  clients.push(client);
  const store = new RedisStore({ client, prefix, flushIntervalMs: 60_000, voucherRefreshMs });
  await store.init();
  stores.push(store);
  return store;
}

function freshPrefix(): string {
  prefixes += 1;
  return `guard${prefixes}`;
}

function guardOn(store: RedisStore, policy: PolicyInput, clock?: () => number): Guard {
  return new Guard({ policy: parsePolicy(policy), store, storeTimeoutMs: 2000, ...(clock ? { clock } : {}) });
}

test('below_recent_price abstains before warm-up and catches a fat-finger price after it', async () => {
  const store = await makeStore(freshPrefix());
  // Twenty sales within seconds: the per-bucket limit of the window is raised so all of them count.
  const guard = guardOn(store, { history: { minSamples: 20, perBucket: 100 } });
  const tote = (orderId: string, price: number) => order({ orderId, lines: [line('MJ-TOTE', price)] });

  const early = await guard.check(tote('early-fat', 4_700));
  expect(early.kind).toBe('allowed');
  if (early.kind !== 'allowed') return;
  expect(early.decision.abstentions).toEqual([
    expect.objectContaining({
      rule: 'below_recent_price',
      sku: 'MJ-TOTE',
      message: expect.stringContaining('0 recent'),
    }),
  ]);
  for (let index = 0; index < 20; index++) {
    const result = await guard.check(tote(`warm${index}`, 4_700_000 - (index % 3) * 50_000));
    expect(result.kind).toBe('allowed');
  }
  await store.flush();
  const fat = await guard.check(tote('fat', 4_700));
  expect(fat.kind).toBe('held');
  if (fat.kind !== 'held') return;
  expect(fat.decision.reasons).toEqual([
    expect.objectContaining({ rule: 'below_recent_price', sku: 'MJ-TOTE', observed: 4_700 }),
  ]);
  expect(await store.getHold('fat')).toMatchObject({ status: 'pending', rules: ['below_recent_price'] });
  // The fat-finger order did not poison the history: the next one is caught too.
  await store.flush();
  expect((await guard.check(tote('fat2', 4_700))).kind).toBe('held');
});

test('voucher velocity trips on a burst and not on steady use', async () => {
  const store = await makeStore(freshPrefix());
  let now = Date.UTC(2026, 10, 10, 0, 0, 0);
  const guard = guardOn(store, { vouchers: { STEADY: {}, LEAKED: {} } }, () => now);
  const withCode = (orderId: string, code: string) =>
    order({ orderId, lines: [line('SKU', 200_000)], vouchers: [{ code, discount: 100_000 }] });

  // Two uses an hour for a day: normal.
  const steady: string[] = [];
  for (let index = 0; index < 48; index++) {
    steady.push((await guard.check(withCode(`s${index}`, 'STEADY'))).kind);
    await store.flush();
    now += 30 * 60_000;
  }
  expect(steady.every((kind) => kind === 'allowed')).toBe(true);

  // The leak: 40 uses in 4 minutes of a code that saw 2 an hour.
  for (let index = 0; index < 48; index++) {
    await guard.check(withCode(`base${index}`, 'LEAKED'));
    await store.flush();
    now += 30 * 60_000;
  }
  const burst: string[] = [];
  for (let index = 0; index < 40; index++) {
    burst.push((await guard.check(withCode(`b${index}`, 'LEAKED'))).kind);
    now += 6_000;
  }
  const firstHeld = burst.indexOf('held');
  expect(firstHeld).toBeGreaterThan(0);
  expect(burst.slice(firstHeld).every((kind) => kind === 'held')).toBe(true);
  // The trip is sticky in Redis: another instance holds the code too, until on-call clears it.
  const otherStore = await makeStore((store as unknown as { options: { prefix: string } }).options.prefix);
  const other = guardOn(otherStore, { vouchers: { LEAKED: {} } }, () => now);
  expect((await other.check(withCode('other1', 'LEAKED'))).kind).toBe('held');
  expect(await new ReviewWorkflow(store).clearVoucher('LEAKED', 'oncall', now)).toBe(true);
  now += 1000;
  // The other instance sees the clear once its cached state is revalidated (voucherRefreshMs, then a flush).
  await new Promise((resolve) => setTimeout(resolve, 600));
  await otherStore.flush();
  expect((await other.check(withCode('other2', 'LEAKED'))).kind).toBe('allowed');
});

test('voucher_ineligible holds a bank-card code paid with another method', async () => {
  const store = await makeStore(freshPrefix());
  const guard = guardOn(store, { vouchers: { BANKCARD100: { paymentMethods: ['card:bank-a-*'] } } });
  const pay = (orderId: string, paymentMethod: string) =>
    order({
      orderId,
      paymentMethod,
      lines: [line('SKU', 200_000)],
      vouchers: [{ code: 'BANKCARD100', discount: 100_000 }],
    });
  expect((await guard.check(pay('ok', 'card:bank-a-visa'))).kind).toBe('allowed');
  const wrong = await guard.check(pay('wrong', 'ewallet:other'));
  expect(wrong.kind).toBe('held');
  if (wrong.kind === 'held') {
    expect(wrong.decision.reasons).toEqual([
      expect.objectContaining({ rule: 'voucher_ineligible', voucher: 'BANKCARD100' }),
    ]);
  }
});

test('a resubmitted order is held once and counted once, on the same or another instance', async () => {
  const prefix = freshPrefix();
  const [storeA, storeB] = [await makeStore(prefix), await makeStore(prefix)];
  const policy: PolicyInput = { vouchers: { CAP: { maxUses: 100 } } };
  const [guardA, guardB] = [guardOn(storeA, policy), guardOn(storeB, policy)];
  const zero = order({
    orderId: 'retry-1',
    lines: [line('SKU', 100_000)],
    vouchers: [{ code: 'CAP', discount: 0 }],
    total: 0,
  });
  const first = await guardA.check(zero);
  const again = await guardA.check(zero);
  const elsewhere = await guardB.check(zero);
  expect([first.kind, again.kind, elsewhere.kind]).toEqual(['held', 'held', 'held']);
  expect(first.kind === 'held' && first.created).toBe(true);
  expect(again.kind === 'held' && again.created).toBe(false);
  expect(elsewhere.kind === 'held' && elsewhere.created).toBe(false);
  expect((await storeA.queueStats(0)).byStatus.pending).toBe(1);
  await Promise.all([storeA.flush(), storeB.flush()]);
  const probe = await guardA.check(
    order({ orderId: 'probe', lines: [line('SKU', 100_000)], vouchers: [{ code: 'CAP', discount: 0 }] }),
  );
  expect(probe.kind).toBe('allowed');
  if (probe.kind === 'allowed') {
    // retry-1 reserved one use and counted one attempt, whichever instance saw it; probe is the second.
    const facts = await storeA.prepare(probe.order, guardA.policy, Date.now());
    expect(facts.vouchers.get('CAP')).toMatchObject({
      uses: 2,
      windows: expect.arrayContaining([expect.objectContaining({ count: 2 })]),
    });
  }
});

test('two instances sharing one Redis see each other’s prices and voucher counts after a flush', async () => {
  const prefix = freshPrefix();
  const [storeA, storeB] = [await makeStore(prefix), await makeStore(prefix)];
  // A code declared at 600 an hour: a dozen uses in a minute is normal for it.
  const policy: PolicyInput = {
    history: { minSamples: 10 },
    vouchers: { SHARED: { velocity: { expectedPerHour: 600 } } },
  };
  const [guardA, guardB] = [guardOn(storeA, policy), guardOn(storeB, policy)];
  for (let index = 0; index < 5; index++) {
    await guardA.check(
      order({
        orderId: `a${index}`,
        lines: [line('BAG', 1_000_000)],
        vouchers: [{ code: 'SHARED', discount: 1000 }],
      }),
    );
    await guardB.check(
      order({
        orderId: `b${index}`,
        lines: [line('BAG', 1_000_000)],
        vouchers: [{ code: 'SHARED', discount: 1000 }],
      }),
    );
  }
  await Promise.all([storeA.flush(), storeB.flush()]);
  await Promise.all([storeA.flush(), storeB.flush()]); // the second flush refreshes what the other wrote
  await new Promise((resolve) => setTimeout(resolve, 1100)); // past historyRefreshMs: the next read revalidates
  const probe = order({
    orderId: 'probe',
    lines: [line('BAG', 1_000_000)],
    vouchers: [{ code: 'SHARED', discount: 1000 }],
  });
  const parsed = guardA.parse(probe);
  if (!parsed.ok) throw new Error('bad probe');
  await storeA.prepare(parsed.order, guardA.policy, Date.now()); // triggers the background history refresh
  await storeA.flush(); // revalidates the stale voucher state
  await new Promise((resolve) => setTimeout(resolve, 100));
  const facts = await storeA.prepare({ ...parsed.order, orderId: 'probe2' }, guardA.policy, Date.now());
  expect(facts.history.get('IDR:BAG')).toMatchObject({ samples: 10, median: 1_000_000 });
  expect(facts.vouchers.get('SHARED')!.windows.at(-1)!.count).toBe(12);
  // A fat finger on B is caught from the history both instances built.
  expect((await guardB.check(order({ orderId: 'fat', lines: [line('BAG', 1_000)] }))).kind).toBe('held');
});

test('two instances tripping a code at once, each for its own segment, agree on one: the first written', async () => {
  const prefix = freshPrefix();
  // A snapshot read at once is stale at the next flush, which re-reads it: both instances can start level.
  const [storeA, storeB] = [await makeStore(prefix, 0), await makeStore(prefix, 0)];
  const T0 = Date.UTC(2026, 11, 7, 12, 0, 0);
  let now = T0;
  // DAILY's normal use is alone; EXTRA and OTHER are declared busy, so only DAILY trips.
  const busy = { velocity: { expectedPerHour: 1000 } };
  const policy: PolicyInput = { vouchers: { DAILY: {}, EXTRA: busy, OTHER: busy } };
  const [guardA, guardB] = [guardOn(storeA, policy, () => now), guardOn(storeB, policy, () => now)];
  const trips = { id: 'ep_trips', events: ['voucher.tripped' as const] };
  const claim = () => storeA.outbox.claim({ routes: [trips], limit: 100, leaseMs: 60_000, maxPending: 1000 });
  await claim(); // the outbox records once a worker has claimed
  for (const use of normalDay('DAILY', T0)) {
    now = use.at;
    await guardA.check(use.input);
  }
  now = T0;
  expect((await guardA.check(useOf('a-alone', ['DAILY']))).kind).toBe('allowed');
  expect((await guardB.check(useOf('b-alone', ['DAILY']))).kind).toBe('allowed');
  await new Promise((resolve) => setTimeout(resolve, 5));
  await Promise.all([storeA.flush(), storeB.flush()]);

  // The checkout bug, on both instances at once and unflushed: A sees DAILY stacked with EXTRA, B with OTHER.
  let pair: Array<Awaited<ReturnType<Guard['check']>>> = [];
  for (let index = 0; index < 12 && !pair.some((result) => result.kind === 'held'); index++) {
    now = T0 + 1000 + index * 2000;
    pair = await Promise.all([
      guardA.check(useOf(`a-${index}`, ['DAILY', 'EXTRA'])),
      guardB.check(useOf(`b-${index}`, ['DAILY', 'OTHER'])),
    ]);
  }
  // Level counts, the same order: each trips the code, for the segment it saw surge.
  const [tripA, tripB] = pair.map((result) => {
    if (result.kind !== 'held') throw new Error(`a surge use was ${result.kind}`);
    return result.decision.reasons.find((reason) => reason.voucher === 'DAILY')!.message;
  });
  expect(tripA).toContain(`Its new uses ${stackedSegment('EXTRA')} are held`);
  expect(tripB).toContain(`Its new uses ${stackedSegment('OTHER')} are held`);

  // One trip stands, with one segment, for both.
  const [keptA, keptB] = await Promise.all([
    storeA.voucherTrip('DAILY', now),
    storeB.voucherTrip('DAILY', now),
  ]);
  expect(keptA).toEqual(keptB);
  const winner = keptA!.scope!.surge[0]!;
  expect(['EXTRA', 'OTHER']).toContain(winner);
  expect(keptA).toMatchObject({ scope: { trait: 'stacked', normal: [''], surge: [winner] } });
  const listed = await Promise.all([storeA.listTrips(now), storeB.listTrips(now)]);
  expect(listed.map((all) => all.find((one) => one.code === 'DAILY')?.segment)).toEqual([
    stackedSegment(winner),
    stackedSegment(winner),
  ]);
  // Each instance's trip wrote its voucher.tripped before its hold (same connection): one event, the segment kept.
  const events = (await claim()).deliveries.map((delivery) => JSON.parse(delivery.body));
  expect(events.filter((event) => event.voucher === 'DAILY')).toEqual([
    expect.objectContaining({
      trippedAt: keptA!.trippedAt,
      segment: expect.objectContaining({ surge: [winner] }),
    }),
  ]);

  // From now on both judge by it: the code alone goes on; stacked with either code it is held, naming that segment.
  await Promise.all([storeA.flush(), storeB.flush()]);
  now += 1000;
  for (const [name, guard] of [
    ['a', guardA],
    ['b', guardB],
  ] as const) {
    expect((await guard.check(useOf(`${name}-later-alone`, ['DAILY']))).kind).toBe('allowed');
    for (const other of ['EXTRA', 'OTHER']) {
      const held = await guard.check(useOf(`${name}-later-${other}`, ['DAILY', other]));
      expect(held.kind).toBe('held');
      if (held.kind !== 'held') return;
      expect(held.decision.reasons.find((reason) => reason.voucher === 'DAILY')?.message).toContain(
        `tripped for its uses ${stackedSegment(winner)}`,
      );
    }
  }
});

test('50 concurrent submissions across 2 instances reserve exactly maxUses = 10', async () => {
  const prefix = freshPrefix();
  const [storeA, storeB] = [await makeStore(prefix), await makeStore(prefix)];
  // Velocity is set out of the way: 50 uses in a second would (rightly) trip it.
  const policy: PolicyInput = { vouchers: { TEN: { maxUses: 10, velocity: { minRedemptions: 1000 } } } };
  const guards = [guardOn(storeA, policy), guardOn(storeB, policy)];
  const results = await Promise.all(
    Array.from({ length: 50 }, (_, index) =>
      guards[index % 2]!.check(
        order({
          orderId: `race${index}`,
          customerId: `c${index}`,
          lines: [line('SKU', 200_000)],
          vouchers: [{ code: 'TEN', discount: 50_000 }],
        }),
      ),
    ),
  );
  const allowed = results.filter((result) => result.kind === 'allowed');
  const held = results.filter((result) => result.kind === 'held');
  expect(allowed).toHaveLength(10);
  expect(held).toHaveLength(40);
  for (const result of held) {
    if (result.kind === 'held')
      expect(result.decision.reasons.map((reason) => reason.rule)).toEqual(['voucher_budget']);
  }
  const raw = new Redis(server.url);
  clients.push(raw);
  expect(await raw.get(`{${prefix}:v:TEN}:u`)).toBe('10');
  expect(await raw.hlen(`{${prefix}:v:TEN}:r`)).toBe(10);
});

test('decided holds are deleted after their retention, with their index entries; pending holds stay', async () => {
  const client = new Redis(server.url, { commandTimeout: 2000 });
  clients.push(client);
  const prefix = freshPrefix();
  const store = new RedisStore({ client, prefix, flushIntervalMs: 60_000, decidedRetentionSeconds: 60 });
  stores.push(store);
  await store.init();
  const guard = guardOn(store, {});
  for (const orderId of ['keep', 'approve', 'reject']) {
    expect((await guard.check(order({ orderId, lines: [line('GONE', 1000)], total: 0 }))).kind).toBe('held');
  }
  const now = Date.now();
  await store.transition({ orderId: 'approve', to: 'approved', actor: 'a', note: '', now });
  await store.transition({ orderId: 'reject', to: 'rejected', actor: 'a', note: '', now });
  expect(await store.sweep(now + 59_000)).toBe(0);
  expect(await store.sweep(now + 61_000)).toBe(2);
  expect(await store.getHold('approve')).toBeUndefined();
  expect((await store.listHolds({ sku: 'GONE' }, 10)).items.map((held) => held.orderId)).toEqual(['keep']);
  expect(await store.queueStats(now)).toMatchObject({ byStatus: { pending: 1, approved: 0, rejected: 0 } });
  const leftovers = await client.keys(`{${prefix}:q}:*`);
  expect(leftovers.filter((key) => key.includes('approve') || key.includes('reject'))).toEqual([]);
  expect(await client.zcard(`{${prefix}:q}:rule:zero_total`)).toBe(1);
  // The money-scored twins of the indexes lose the swept holds too.
  for (const index of ['m:all', 'm:rule:zero_total', 'm:s:pending']) {
    expect(await client.zrange(`{${prefix}:q}:${index}`, 0, -1)).toEqual(['keep']);
  }
  expect(await client.zcard(`{${prefix}:q}:m:s:approved`)).toBe(0);
});

test('random unknown codes create no keys beyond unknownVouchers.maxTracked', async () => {
  const prefix = freshPrefix();
  const store = await makeStore(prefix);
  const guard = guardOn(store, { unknownVouchers: { admitAfter: 2, maxTracked: 3 } });
  for (let index = 0; index < 40; index++) {
    const code = `RND${Math.floor(index / 4)}`; // ten codes, four attempts each in a row
    await guard.check(
      order({ orderId: `u${index}`, lines: [line('SKU', 100_000)], vouchers: [{ code, discount: 1 }] }),
    );
    await store.flush();
  }
  const raw = new Redis(server.url);
  clients.push(raw);
  expect(await raw.zcard(`{${prefix}:unknown}`)).toBe(3);
  const voucherKeys = await raw.keys(`{${prefix}:v:*`);
  const codes = new Set(voucherKeys.map((key) => /\{[^:]+:v:([^}]+)\}/.exec(key)![1]));
  codes.delete('*orders'); // the shop's order counts, kept like a code's
  expect(codes.size).toBe(3);
});

test('scripts are called by SHA and reloaded after SCRIPT FLUSH (NOSCRIPT)', async () => {
  const store = await makeStore(freshPrefix());
  const guard = guardOn(store, {});
  expect(
    (await guard.check(order({ orderId: 'before-flush', lines: [line('S', 1000)], total: 0 }))).kind,
  ).toBe('held');
  const raw = new Redis(server.url);
  clients.push(raw);
  await raw.script('FLUSH');
  const after = await guard.check(order({ orderId: 'after-flush', lines: [line('S', 1000)], total: 0 }));
  expect(after.kind).toBe('held');
  expect(await store.getHold('after-flush')).toMatchObject({ status: 'pending' });
});
