// test/adversarial/order-ids.test.ts
// An order id is bound to its content: retries get the first answer, a reused id with other content is a 409.

import { Harness, idrOrder } from './harness';

const harness = new Harness();

beforeAll(() => harness.start({ vouchers: { 'welcome-50k': { maxUsesPerCustomer: 1 } } }), 60_000);
afterAll(() => harness.close());

const free = (orderId: string) =>
  idrOrder({ orderId, lines: [{ sku: 'TOTE', quantity: 1, unitPrice: 4_700_000, discount: 4_700_000 }] });
const normal = (orderId: string) =>
  idrOrder({ orderId, lines: [{ sku: 'TOTE', quantity: 1, unitPrice: 4_700_000 }] });

test('a held order re-sent with a normal total is refused, and the pending hold stays', async () => {
  const held = await harness.checkout(free('reuse-held'));
  expect(held.status).toBe(202);
  for (const send of [harness.checkout.bind(harness), harness.evaluate.bind(harness)]) {
    const reused = await send(normal('reuse-held'));
    expect(reused.status).toBe(409);
    expect(reused.body).toMatchObject({ error: 'order_id_reused', orderId: 'reuse-held' });
  }
  const hold = await harness.review('GET', '/holds/reuse-held');
  expect(hold.body.held).toMatchObject({ status: 'pending', order: { total: 0 } });
  expect(await harness.metric('order_id_reused_total')).toBeGreaterThanOrEqual(2);
});

test('an allowed order re-sent with a zero total is refused, not decided afresh', async () => {
  expect((await harness.checkout(normal('reuse-allowed'))).status).toBe(201);
  const reused = await harness.checkout(free('reuse-allowed'));
  expect(reused.status).toBe(409);
  expect((await harness.review('GET', '/holds/reuse-allowed')).status).toBe(404);
});

test('retries with the same content get the first answer, in any key order or voucher spelling', async () => {
  const order = idrOrder({ orderId: 'retry-1', vouchers: [{ code: 'WELCOME-50K', discount: 50_000 }] });
  const first = await harness.evaluate(order);
  expect(first.body.decision).toBe('allow');
  const reordered = Object.fromEntries(Object.entries(order).reverse());
  const respelled = { ...order, vouchers: [{ code: ' welcome-50k', discount: 50_000 }] };
  for (const retry of [order, reordered, respelled]) {
    const again = await harness.evaluate(retry);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ decision: 'allow', repeatOf: { decidedAt: expect.any(Number) } });
  }
  const heldOrder = free('retry-held');
  const heldFirst = await harness.evaluate(heldOrder);
  const heldAgain = await harness.evaluate(heldOrder);
  expect(heldAgain.body).toMatchObject({
    decision: 'hold',
    reviewId: 'retry-held',
    repeatOf: expect.any(Object),
  });
  expect(heldAgain.body.reasons).toEqual(heldFirst.body.reasons);
});

test('a once-per-customer voucher cannot be used again by re-sending one order id with new carts', async () => {
  const customer = 'cus-reuse-voucher';
  const cart = (sku: string, price: number) =>
    idrOrder({
      orderId: 'one-id-many-carts',
      customerId: customer,
      lines: [{ sku, quantity: 1, unitPrice: price }],
      vouchers: [{ code: 'WELCOME-50K', discount: 50_000 }],
    });
  expect((await harness.checkout(cart('BAG-A', 200_000))).status).toBe(201);
  for (const [sku, price] of [
    ['BAG-B', 300_000],
    ['BAG-C', 400_000],
  ] as const) {
    expect((await harness.checkout(cart(sku, price))).status).toBe(409);
  }
  // A genuinely new order by the same customer is held by the per-customer cap: one use was counted, not three.
  const next = await harness.evaluate({ ...cart('BAG-D', 500_000), orderId: 'next-cart' });
  expect(next.body.reasons).toEqual([
    expect.objectContaining({ rule: 'voucher_budget', voucher: 'WELCOME-50K' }),
  ]);
});

test('the binding is shared by instances: a second service process refuses the reused id too', async () => {
  const second = new Harness();
  second.redis = harness.redis;
  await second.start({ vouchers: { 'welcome-50k': { maxUsesPerCustomer: 1 } } });
  try {
    expect((await harness.evaluate(normal('cross-instance'))).body.decision).toBe('allow');
    expect((await second.evaluate(free('cross-instance'))).status).toBe(409);
  } finally {
    await second.stopService();
  }
});
