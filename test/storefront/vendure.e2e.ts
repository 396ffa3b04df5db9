// test/storefront/vendure.e2e.ts
// End to end in a real Vendure (registry packages, SQLite): glitches configured in Vendure's own promotions are held
// at cart completion, on-call's decisions in the review API reach Vendure's orders, a cart the guard cannot check
// waits for an administrator's decision in Vendure, and a Redis outage loses nothing.

import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as Testing from '@vendure/testing';
import { registerInitializer, SqljsInitializer } from '@vendure/testing';
import { hashToken } from '../../src/review/auth';
import { createRedisClient } from '../../src/state/redis/connection';
import { RedisStore } from '../../src/state/redis/store';
import { HOLD_STATE, PriceGuardPlugin } from '../../src/vendure';
import { type RedisInstance, startRedis } from '../helpers/redis';
import type * as ShopModule from './vendure-shop';
import {
  adminOrder,
  checkout,
  createPromotion,
  createVariant,
  eventually,
  gql,
  IDR,
  type PlacedOrder,
  type Shop,
  setPromotionEnabled,
  startShop,
} from './vendure-shop';

const TOKEN = 'on-call-token-for-the-vendure-test';
const HELD_ID = 'Terima kasih, pesanan Anda sudah kami terima.';
/** Checkouts timed with and without the guard, after WARM_UP untimed ones each. */
const TIMED = 40;
const WARM_UP = 10;

/** The shop's policy: its leaked-code terms; everything else is the guard's safe defaults. */
const POLICY = {
  vouchers: {
    TMRW100: { paymentMethods: ['bank-card'], discount: { amount: { IDR: 100_000 } } },
    WELCOME10: { discount: { percentBp: 1_000 } },
  },
};

let redis: RedisInstance;
let client: ReturnType<typeof createRedisClient>;
let store: RedisStore;
let shop: Shop;
let dataDir: string;
const bareMs: number[] = [];
/** The glitch orders the first hold test places, decided by the later tests. */
const glitchOrders: PlacedOrder[] = [];
const guardedMs: number[] = [];

/** An answer of the review API: read field by field. */
// biome-ignore lint/suspicious/noExplicitAny: the review API's JSON is inspected field by field
type Json = any;

async function review(path: string, body?: object): Promise<{ status: number; json: Json }> {
  const response = await fetch(`http://127.0.0.1:${shop.port}/price-guard/review/api${path}`, {
    method: body ? 'POST' : 'GET',
    headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, json: await response.json().catch(() => undefined) };
}

/**
 * Times cart completion on the plain checkout (one tote, paid by card, no promotion) after WARM_UP untimed ones, so
 * both shops are measured with their code warmed up alike.
 */
async function timedCheckouts(target: Shop, run: typeof checkout, into: number[]) {
  const cart = { lines: [[target.tote, 1]] as Array<[string, number]>, method: 'bank-card' as const };
  for (let i = 0; i < WARM_UP; i++) await run(target, cart);
  for (let i = 0; i < TIMED; i++) into.push((await run(target, cart)).ms);
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

beforeAll(async () => {
  expect(process.env.VENDURE_DISABLE_TELEMETRY).toBe('true');
  dataDir = mkdtempSync(join(tmpdir(), 'cpg-vendure-'));
  redis = await startRedis({ durable: true });

  // The same shop and checkout without the guard, for the latency baseline. Vendure keeps process-wide state, so the
  // bare shop gets its own copy of every module (as its own process would), and both start equally cold.
  await jest.isolateModulesAsync(async () => {
    const testing: typeof Testing = require('@vendure/testing');
    testing.registerInitializer('sqljs', new testing.SqljsInitializer(dataDir));
    const own: typeof ShopModule = require('./vendure-shop');
    const bare = await own.startShop([]);
    await timedCheckouts(bare, own.checkout, bareMs);
    await bare.stop();
  });
  registerInitializer('sqljs', new SqljsInitializer(dataDir));

  client = createRedisClient(redis.url);
  client.on('error', () => {}); // the store reports its failures itself; the outage test makes some
  store = new RedisStore({ client, prefix: 'vendure-e2e' });
  shop = await startShop([
    PriceGuardPlugin.init({
      policy: POLICY,
      store,
      review: { tokens: [{ name: 'oncall', role: 'reviewer', sha256: hashToken(TOKEN) }], rateLimit: false },
      reconcileIntervalMs: 100,
    }),
  ]);
  await timedCheckouts(shop, checkout, guardedMs);
  // The shop's legitimate promotions: a welcome coupon and the bank's card-only code.
  await createPromotion(shop.admin, {
    name: 'Welcome: 10% off and free shipping',
    couponCode: 'WELCOME10',
    actions: [
      { code: 'order_percentage_discount', arguments: [{ name: 'discount', value: '10' }] },
      { code: 'free_shipping', arguments: [] },
    ],
  });
  await createPromotion(shop.admin, {
    name: 'Bank card promo: IDR 100,000 off IDR 150,000',
    couponCode: 'TMRW100',
    conditions: [
      {
        code: 'minimum_order_amount',
        arguments: [
          { name: 'amount', value: String(IDR(150_000)) },
          { name: 'taxInclusive', value: 'true' },
        ],
      },
    ],
    actions: [
      { code: 'order_fixed_discount', arguments: [{ name: 'discount', value: String(IDR(100_000)) }] },
    ],
  });
}, 180_000);

afterAll(async () => {
  await shop?.stop();
  await store?.shutdown();
  client?.disconnect();
  await redis?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  if (bareMs.length > 0 && guardedMs.length > 0) {
    const line = (q: number) =>
      `${quantile(guardedMs, q).toFixed(1)} ms with the guard, ${quantile(bareMs, q).toFixed(1)} ms without (+${(quantile(guardedMs, q) - quantile(bareMs, q)).toFixed(1)} ms)`;
    process.stdout.write(
      `
Vendure cart completion (addPaymentToOrder), ${TIMED} checkouts each after ${WARM_UP} untimed: median ${line(0.5)}; p99 ${line(0.99)} (load average ${loadavg()[0]?.toFixed(1)} on ${availableParallelism()} cores)
`,
    );
  }
}, 60_000);

describe('Vendure with the checkout price guard', () => {
  it('lets legitimate promotions through untouched: order placed, payment authorised, capture and fulfilment open', async () => {
    const { order } = await checkout(shop, {
      lines: [
        [shop.tote, 1],
        [shop.cardCase, 2],
      ],
      coupon: 'WELCOME10',
      method: 'bank-card',
    });
    expect(order).toMatchObject({
      state: 'PaymentAuthorized',
      priceGuard: { status: 'allowed', message: null },
    });
    expect(order.totalWithTax).toBe(IDR((4_700_000 + 2 * 1_250_000) * 0.9));
    expect(order.payments.map((p) => p.state)).toEqual(['Authorized']);

    // The leaked code used as its terms allow (with the bank's card) is a legitimate use.
    const rightCard = await checkout(shop, {
      lines: [[shop.cardCase, 1]],
      coupon: 'TMRW100',
      method: 'bank-card',
    });
    expect(rightCard.order).toMatchObject({ state: 'PaymentAuthorized', priceGuard: { status: 'allowed' } });

    const settled = await shop.admin.query(
      gql`mutation ($id: ID!) { settlePayment(id: $id) { ... on Payment { state } ... on ErrorResult { message } } }`,
      { id: order.payments[0]!.id },
    );
    expect(settled.settlePayment).toEqual({ state: 'Settled' });
    expect(await fulfil(order)).toMatchObject({ state: 'Pending' });
    expect(
      (await review('/holds?status=any')).json.items.map((h: { orderId: string }) => h.orderId),
    ).not.toContain(order.code);
  });

  it('holds a 100%-off glitch set up in Vendure promotions: placed, authorised, not captured, not fulfilled', async () => {
    const glitch = await createPromotion(shop.admin, {
      name: 'Tote sale (misconfigured: 100% off)',
      conditions: [
        {
          code: 'contains_products',
          arguments: [
            { name: 'minimum', value: '1' },
            { name: 'productVariantIds', value: JSON.stringify([shop.tote]) },
          ],
        },
      ],
      actions: [
        {
          code: 'products_percentage_discount',
          arguments: [
            { name: 'discount', value: '100' },
            { name: 'productVariantIds', value: JSON.stringify([shop.tote]) },
          ],
        },
      ],
    });
    const placed = glitchOrders;
    for (let i = 0; i < 4; i++) {
      placed.push(
        (await checkout(shop, { lines: [[shop.tote, 1]], method: 'bank-card', language: 'id' })).order,
      );
    }
    await setPromotionEnabled(shop.admin, glitch, false);

    for (const order of placed) {
      expect(order.state).toBe(HOLD_STATE);
      expect(order.priceGuard?.status).toBe('held');
      expect(order.priceGuard?.message).toContain(HELD_ID);
      expect(order.totalWithTax).toBe(IDR(15_000));
      expect(order.payments.map((p) => p.state)).toEqual(['Authorized']);
      const held = await review(`/holds/${order.code}`);
      expect(held.json.held).toMatchObject({ orderId: order.code, status: 'pending', currency: 'IDR' });
      expect(held.json.held.rules).toEqual(expect.arrayContaining(['discount_cap']));
      expect(held.json.held.order.lines[0]).toMatchObject({
        sku: 'MJ-TOTE-TIGER',
        unitPrice: 4_700_000,
        discount: 4_700_000,
      });
    }

    // Nothing gets the first order past its hold in Vendure: no capture, no fulfilment, no manual transition.
    const [first] = placed as [PlacedOrder];
    const settle = await shop.admin.query(
      gql`mutation ($id: ID!) { settlePayment(id: $id) { ... on Payment { state } ... on ErrorResult { errorCode } } }`,
      { id: first.payments[0]!.id },
    );
    expect(settle.settlePayment.errorCode).toBeDefined();
    expect((await fulfil(first)).errorCode).toBeDefined();
    const moved = await shop.admin.query(
      gql`mutation ($id: ID!) { transitionOrderToState(id: $id, state: "PaymentAuthorized") {
        ... on Order { state } ... on OrderStateTransitionError { transitionError } } }`,
      { id: first.id },
    );
    expect(moved.transitionOrderToState.transitionError).toMatch(/held for a price check/);
    expect(await adminOrder(shop, first.id)).toMatchObject({
      state: HOLD_STATE,
      payments: [{ state: 'Authorized' }],
    });
    expect(
      shop.ledger.filter((entry) => entry.orderCode === first.code).map((entry) => entry.action),
    ).toEqual(['authorise']);
  });

  it('holds a leaked bank-card code used with an e-wallet, and refunds it when on-call rejects it', async () => {
    const { order } = await checkout(shop, {
      lines: [[shop.cardCase, 1]],
      coupon: 'TMRW100',
      method: 'ewallet',
    });
    expect(order).toMatchObject({ state: HOLD_STATE, priceGuard: { status: 'held' } });
    expect(order.totalWithTax).toBe(IDR(1_250_000 - 100_000 + 15_000));
    // An e-wallet captures at once: held all the same, and refunded if on-call rejects it.
    expect(order.payments.map((p) => p.state)).toEqual(['Settled']);
    const held = (await review(`/holds/${order.code}`)).json.held;
    expect(held.rules).toEqual(['voucher_ineligible']);
    expect(held.order).toMatchObject({
      paymentMethod: 'EWALLET',
      vouchers: [{ code: 'TMRW100', discount: 100_000 }],
    });

    const rejected = await review(`/holds/${order.code}/reject`, {
      note: 'bank-only code used with an e-wallet',
    });
    expect(rejected.status).toBe(200);
    const cancelled = await eventually(
      () => adminOrder(shop, order.id),
      (o) => o.state === 'Cancelled' && o.priceGuard?.status === 'cancelled',
    );
    expect(cancelled.payments.map((p) => p.state)).toEqual(['Settled']);
    await eventually(
      async () => shop.ledger.filter((entry) => entry.orderCode === order.code).map((entry) => entry.action),
      (actions) => actions.join() === 'capture,refund',
    );
    await eventually(
      () => customFields(order.id),
      (fields) => fields.priceGuardStatus === 'rejected',
    );
  });

  it('approving in the review API releases the order in Vendure: on to PaymentAuthorized, then captured and fulfilled as usual', async () => {
    const order = glitchOrders[0]!;
    expect(
      (await review(`/holds/${order.code}/approve`, { note: 'goodwill: honour the price' })).status,
    ).toBe(200);
    const released = await eventually(
      () => adminOrder(shop, order.id),
      (o) => o.state === 'PaymentAuthorized',
    );
    expect(released.priceGuard).toEqual({
      status: 'released',
      message: expect.stringMatching(/checked and confirmed/),
    });
    expect(released.payments.map((p) => p.state)).toEqual(['Authorized']);
    const settled = await shop.admin.query(
      gql`mutation ($id: ID!) { settlePayment(id: $id) { ... on Payment { state } ... on ErrorResult { message } } }`,
      { id: order.payments[0]!.id },
    );
    expect(settled.settlePayment).toEqual({ state: 'Settled' });
    expect(await fulfil(order)).toMatchObject({ state: 'Pending' });
  });

  it('rejecting in the review API cancels the order in Vendure and voids its authorisation', async () => {
    const order = glitchOrders[1]!;
    expect(
      (await review(`/holds/${order.code}/reject`, { note: '100% promotion misconfigured' })).status,
    ).toBe(200);
    const cancelled = await eventually(
      () => adminOrder(shop, order.id),
      (o) => o.state === 'Cancelled' && o.payments[0]?.state === 'Cancelled',
    );
    expect(cancelled.priceGuard?.status).toBe('cancelled');
    expect(
      shop.ledger.filter((entry) => entry.orderCode === order.code).map((entry) => entry.action),
    ).toEqual(['authorise', 'void']);
  });

  it('rejecting the rest of the incident in bulk cancels each of its orders in Vendure', async () => {
    const rest = glitchOrders.slice(2);
    const bulk = await review('/bulk', {
      action: 'reject',
      filter: { sku: 'MJ-TOTE-TIGER' },
      note: 'glitch incident',
    });
    expect(bulk.json).toMatchObject({ action: 'reject', matched: rest.length, changed: rest.length });
    for (const order of rest) {
      await eventually(
        () => adminOrder(shop, order.id),
        (o) => o.state === 'Cancelled' && o.payments[0]?.state === 'Cancelled',
      );
    }
  });

  it('a cart the guard cannot check waits in PriceGuardHold for an administrator, who cancels or releases it in Vendure', async () => {
    // A variant added without a SKU: the guard keys prices, floors and history by SKU, so it cannot check the cart.
    const giftWrap = await createVariant(shop.admin, 'Gift wrap', '', IDR(25_000));
    const runtime = PriceGuardPlugin.runtime;
    const screened = jest.spyOn(runtime, 'screen');
    const cart = {
      lines: [
        [shop.cardCase, 1],
        [giftWrap, 1],
      ] as Array<[string, number]>,
      method: 'bank-card' as const,
    };
    const toCancel = (await checkout(shop, cart)).order;
    const toRelease = (await checkout(shop, cart)).order;
    for (const order of [toCancel, toRelease]) {
      expect(order).toMatchObject({
        state: HOLD_STATE,
        priceGuard: { status: 'held' },
        payments: [{ state: 'Authorized' }],
      });
      const fields = await customFields(order.id);
      expect(fields.priceGuardStatus).toBe('unmappable');
      expect(fields.priceGuardDetail).toMatch(
        /^Not in the review queue: the price guard cannot check this cart\. An administrator decides here: .*lines\[\d\]\.sku: the variant has no SKU/,
      );
      expect((await review(`/holds/${order.code}`)).status).toBe(404);
    }

    // The administrator finds them by their status (as docs/vendure.md shows).
    const waiting = await shop.admin.query(
      gql`{ orders(options: { filter: { priceGuardStatus: { eq: "unmappable" } } }) { items { id code customFields { priceGuardDetail } } } }`,
    );
    expect(waiting.orders.items.map((o: { code: string }) => o.code).sort()).toEqual(
      [toCancel.code, toRelease.code].sort(),
    );

    // Not checked again, however many reconciliation passes run: the same cart would fail the same way.
    await runtime.sweep();
    await runtime.sweep();
    const checks = screened.mock.calls.map(([, order]) => order.code);
    screened.mockRestore();
    expect(checks.filter((code) => code === toCancel.code)).toHaveLength(1);
    expect(checks.filter((code) => code === toRelease.code)).toHaveLength(1);
    expect((await customFields(toCancel.id)).priceGuardStatus).toBe('unmappable');

    // Nothing but the administrator's decision moves it: no capture, no fulfilment.
    const settle = await shop.admin.query(
      gql`mutation ($id: ID!) { settlePayment(id: $id) { ... on Payment { state } ... on ErrorResult { errorCode message } } }`,
      { id: toCancel.payments[0]!.id },
    );
    expect(settle.settlePayment.errorCode).toBeDefined();
    expect((await fulfil(toCancel)).errorCode).toBeDefined();

    // The administrator cancels one: cancelled in Vendure, its authorisation voided, the decision on the order.
    const cancelled = await shop.admin.query(
      gql`mutation ($input: CancelOrderInput!) { cancelOrder(input: $input) {
        ... on Order { state } ... on ErrorResult { errorCode message } } }`,
      { input: { orderId: toCancel.id, reason: 'gift wrap without a SKU', cancelShipping: true } },
    );
    expect(cancelled.cancelOrder).toEqual({ state: 'Cancelled' });
    await eventually(
      () => adminOrder(shop, toCancel.id),
      (o) => o.payments[0]?.state === 'Cancelled' && o.priceGuard?.status === 'cancelled',
    );
    const rejected = await eventually(
      () => customFields(toCancel.id),
      (fields) => fields.priceGuardStatus === 'rejected',
    );
    expect(rejected.priceGuardDetail).toMatch(
      /^Cancelled in Vendure by superadmin; the price guard could not check its cart: .*the variant has no SKU/,
    );
    expect(
      shop.ledger.filter((entry) => entry.orderCode === toCancel.code).map((entry) => entry.action),
    ).toEqual(['authorise', 'void']);

    // And releases the other: on to PaymentAuthorized, then captured and fulfilled as usual.
    const released = await shop.admin.query(
      gql`mutation ($id: ID!) { transitionOrderToState(id: $id, state: "PaymentAuthorized") {
        ... on Order { state } ... on OrderStateTransitionError { transitionError } } }`,
      { id: toRelease.id },
    );
    expect(released.transitionOrderToState).toEqual({ state: 'PaymentAuthorized' });
    expect((await adminOrder(shop, toRelease.id)).priceGuard?.status).toBe('released');
    expect((await customFields(toRelease.id)).priceGuardDetail).toMatch(
      /^Released in Vendure by superadmin; the price guard could not check its cart: /,
    );
    const captured = await shop.admin.query(
      gql`mutation ($id: ID!) { settlePayment(id: $id) { ... on Payment { state } ... on ErrorResult { message } } }`,
      { id: toRelease.payments[0]!.id },
    );
    expect(captured.settlePayment).toEqual({ state: 'Settled' });
    expect(await fulfil(toRelease)).toMatchObject({ state: 'Pending' });
  });

  it('a Redis outage neither lets a suspicious cart through nor loses it: held in Vendure, queued once Redis is back', async () => {
    await redis.kill();
    const glitch = await createPromotion(shop.admin, {
      name: 'Card case at 100% off (misconfigured)',
      conditions: [
        {
          code: 'contains_products',
          arguments: [
            { name: 'minimum', value: '1' },
            { name: 'productVariantIds', value: JSON.stringify([shop.cardCase]) },
          ],
        },
      ],
      actions: [
        {
          code: 'products_percentage_discount',
          arguments: [
            { name: 'discount', value: '100' },
            { name: 'productVariantIds', value: JSON.stringify([shop.cardCase]) },
          ],
        },
      ],
    });
    const suspicious = (await checkout(shop, { lines: [[shop.cardCase, 2]], method: 'bank-card' })).order;
    await setPromotionEnabled(shop.admin, glitch, false);
    const legitimate = (await checkout(shop, { lines: [[shop.cardCase, 1]], method: 'bank-card' })).order;

    expect(suspicious).toMatchObject({ state: HOLD_STATE, priceGuard: { status: 'held' } });
    expect(legitimate).toMatchObject({ state: 'PaymentAuthorized', priceGuard: { status: 'allowed' } });
    expect((await customFields(suspicious.id)).priceGuardStatus).toBe('unstored');
    const down = await review(`/holds/${suspicious.code}`);
    expect(down).toMatchObject({ status: 503, json: { error: 'store_unavailable' } });

    await redis.restart();
    const queued = await eventually(
      () => review(`/holds/${suspicious.code}`),
      (answer) => answer.status === 200,
    );
    expect(queued.json.held).toMatchObject({
      status: 'pending',
      rules: expect.arrayContaining(['discount_cap']),
    });
    await eventually(
      () => customFields(suspicious.id),
      (fields) => fields.priceGuardStatus === 'held',
    );
    expect(await adminOrder(shop, suspicious.id)).toMatchObject({
      state: HOLD_STATE,
      payments: [{ state: 'Authorized' }],
    });

    await review(`/holds/${suspicious.code}/approve`, {});
    await eventually(
      () => adminOrder(shop, suspicious.id),
      (o) => o.state === 'PaymentAuthorized',
    );
  });
});

/** The guard's custom fields on an order, as the admin sees them. */
async function customFields(
  id: string,
): Promise<{ priceGuardStatus: string | null; priceGuardDetail: string | null }> {
  const result = await shop.admin.query(
    gql`query ($id: ID!) { order(id: $id) { customFields { priceGuardStatus priceGuardDetail } } }`,
    { id },
  );
  return result.order.customFields;
}

/** Asks Vendure to fulfil every line of an order; returns the fulfilment or the error result. */
async function fulfil(order: PlacedOrder) {
  const full = await shop.admin.query(gql`query ($id: ID!) { order(id: $id) { lines { id quantity } } }`, {
    id: order.id,
  });
  const result = await shop.admin.query(
    gql`mutation ($input: FulfillOrderInput!) { addFulfillmentToOrder(input: $input) {
      ... on Fulfillment { state } ... on ErrorResult { errorCode message } } }`,
    {
      input: {
        lines: full.order.lines.map((l: { id: string; quantity: number }) => ({
          orderLineId: l.id,
          quantity: l.quantity,
        })),
        handler: {
          code: 'manual-fulfillment',
          arguments: [
            { name: 'method', value: 'courier' },
            { name: 'trackingCode', value: 'T1' },
          ],
        },
      },
    },
  );
  return result.addFulfillmentToOrder;
}
