// test/adversarial/identifiers.test.ts
// The form of an identifier cannot walk around the guard: case, spaces, width, invisible characters, prototype names.

import { Redis } from 'ioredis';
import { LEAKED_CODE_SPELLINGS as SPELLINGS } from '../helpers/orders';
import { Harness, idrOrder } from './harness';

const LEAKED = 'TMRW100PEKR6X50';

const harness = new Harness();

beforeAll(async () => {
  await harness.start({
    vouchers: {
      [LEAKED.toLowerCase()]: {
        paymentMethods: ['card:uob-tmrw*'],
        minSubtotal: { IDR: 150_000 },
        maxUsesPerCustomer: 1,
      },
      'once-100k': { maxUsesPerCustomer: 1 },
    },
    floors: { 'idr-only-bag': { IDR: 1_000_000 } },
  });
}, 60_000);
afterAll(() => harness.close());

describe('voucher codes are one code in any spelling', () => {
  test('the leaked bank-only code paid by e-wallet is held in each of 20 spellings, counted as one code', async () => {
    expect(new Set(SPELLINGS).size).toBe(20);
    for (const [index, code] of SPELLINGS.entries()) {
      const response = await harness.evaluate(
        idrOrder({
          orderId: `leak-${index}`,
          customerId: `shopper-${index}`,
          vouchers: [{ code, discount: 100_000 }],
        }),
      );
      expect({ code, status: response.status, decision: response.body.decision }).toEqual({
        code,
        status: 200,
        decision: 'hold',
      });
      expect(response.body.reasons).toEqual(
        expect.arrayContaining([expect.objectContaining({ rule: 'voucher_ineligible', voucher: LEAKED })]),
      );
    }
    // One code in the metrics and in Redis, whatever the spelling.
    expect(await harness.metric('voucher_redemption_attempts_total', { voucher: LEAKED })).toBe(20);
    const client = new Redis(harness.redis.url);
    try {
      const keys = await client.keys('{cpg:v:*');
      const codes = new Set(keys.map((key) => /^\{cpg:v:([^}]*)\}/.exec(key)![1]));
      codes.delete('*orders'); // the shop's own order counts, kept like a code's
      expect([...codes]).toEqual([LEAKED]);
    } finally {
      client.disconnect();
    }
    // The review queue finds all 20 under any spelling.
    const found = await harness.review(
      'GET',
      `/holds?voucher=${encodeURIComponent(' tmrw100pekr6x50')}&limit=50`,
    );
    expect(found.status).toBe(200);
    expect(found.body.items).toHaveLength(20);
  });

  test('look-alike spellings (a Cyrillic letter, an accent, O for 0) are the leaked code, held as it', async () => {
    const before = await harness.metric('voucher_redemption_attempts_total', { voucher: LEAKED });
    const spellings = ['TМRW100PEKR6X50', 'TMRW100PÉKR6X50', 'tmrw1OOpekr6x5O', 'ТМRW100РЕКR6Х50'];
    for (const [index, code] of spellings.entries()) {
      const response = await harness.evaluate(
        idrOrder({
          orderId: `lookalike-${index}`,
          customerId: `lookalike-shopper-${index}`,
          paymentMethod: 'card:uob-tmrw-visa',
          vouchers: [{ code, discount: 100_000 }],
        }),
      );
      expect({ code, status: response.status, decision: response.body.decision }).toEqual({
        code,
        status: 200,
        decision: 'hold',
      });
      const reasons = response.body.reasons as Array<{ rule: string; voucher?: string; message: string }>;
      expect(reasons).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            rule: 'voucher_ineligible',
            voucher: LEAKED,
            message: expect.stringContaining('look-alike spelling'),
          }),
        ]),
      );
    }
    // Counted as the leaked code, not as four unknown codes.
    expect(await harness.metric('voucher_redemption_attempts_total', { voucher: LEAKED })).toBe(
      before + spellings.length,
    );
  });

  test('a once-per-customer code cannot be reused by changing its case', async () => {
    // (A code of its own: the leaked one trips its velocity on the 20 spellings above.)
    const customer = { customerId: 'holder-1' };
    const first = await harness.evaluate(
      idrOrder({ ...customer, vouchers: [{ code: 'ONCE-100K', discount: 100_000 }] }),
    );
    expect(first.body.decision).toBe('allow');
    for (const spelling of ['once-100k', ' Once-100K ', 'ＯＮＣＥ-１００Ｋ']) {
      const again = await harness.evaluate(
        idrOrder({ ...customer, vouchers: [{ code: spelling, discount: 100_000 }] }),
      );
      expect(again.body.decision).toBe('hold');
      expect(again.body.reasons).toEqual([
        expect.objectContaining({ rule: 'voucher_budget', voucher: 'ONCE-100K' }),
      ]);
    }
  });
});

describe('identifiers that would spoof the review page are refused, naming the field', () => {
  test.each([
    [
      'a right-to-left override in a SKU',
      { lines: [{ sku: 'TOTE\u202eGIB', quantity: 1, unitPrice: 100 }], total: 100 },
      'lines[0].sku',
    ],
    ['a NUL in the order id', { orderId: 'ord\u00001' }, 'orderId'],
    ['an ESC sequence in the customer id', { customerId: '\u001b[2Jcus' }, 'customerId'],
    [
      'a zero-width space in a voucher code',
      { vouchers: [{ code: 'TMRW\u200b100', discount: 0 }] },
      'vouchers[0].code',
    ],
    // The policy reference says these are refused wherever they are; white space around them is not an excuse.
    [
      'a byte-order mark in the leaked code',
      { vouchers: [{ code: '\ufeffTMRW100PEKR6X50', discount: 0 }] },
      'vouchers[0].code',
    ],
    [
      'a line separator in the leaked code',
      { vouchers: [{ code: 'TMRW100\u2028PEKR6X50', discount: 0 }] },
      'vouchers[0].code',
    ],
    [
      'a paragraph separator after the leaked code',
      { vouchers: [{ code: 'TMRW100PEKR6X50 \u2029', discount: 0 }] },
      'vouchers[0].code',
    ],
  ])('%s: 400', async (_name, patch, path) => {
    const response = await harness.evaluate(idrOrder(patch));
    expect(response.status).toBe(400);
    expect(response.body.problems).toEqual(
      expect.arrayContaining([{ path, message: expect.stringContaining('invisible characters') }]),
    );
  });
});

describe('prototype names are ordinary SKUs', () => {
  const NAMES = ['constructor', 'toString', 'valueOf', '__proto__', 'hasOwnProperty', '__defineGetter__'];

  test('with runtime floors and caps set, orders of such SKUs are judged, zero totals held, nothing 5xx', async () => {
    expect(
      (await harness.admin('PUT', '/floors/MJ-TOTE-TIGER', { currency: 'IDR', floor: 2_000_000 })).status,
    ).toBe(200);
    expect((await harness.admin('PUT', '/caps/MJ-TOTE-TIGER', { capBp: 3000 })).status).toBe(200);
    for (const sku of NAMES) {
      const paid = await harness.evaluate(idrOrder({ lines: [{ sku, quantity: 1, unitPrice: 100_000 }] }));
      expect({ sku, status: paid.status, decision: paid.body.decision }).toEqual({
        sku,
        status: 200,
        decision: 'allow',
      });
      const free = await harness.evaluate(
        idrOrder({ lines: [{ sku, quantity: 1, unitPrice: 100_000, discount: 100_000 }] }),
      );
      expect({ sku, status: free.status, decision: free.body.decision }).toEqual({
        sku,
        status: 200,
        decision: 'hold',
      });
      const checkout = await harness.checkout(
        idrOrder({ lines: [{ sku, quantity: 1, unitPrice: 100_000 }] }),
      );
      expect({ sku, status: checkout.status }).toEqual({ sku, status: 201 });
    }
  });

  test('floors and caps can be set for them through the admin API, and take effect', async () => {
    for (const sku of NAMES) {
      const cap = await harness.admin('PUT', `/caps/${encodeURIComponent(sku)}`, { capBp: 1000 });
      expect({ sku, status: cap.status, body: cap.body }).toEqual({
        sku,
        status: 200,
        body: { sku: sku.toUpperCase(), capBp: 1000 },
      });
      const floor = await harness.admin('PUT', `/floors/${encodeURIComponent(sku)}`, {
        currency: 'IDR',
        floor: 90_000,
      });
      expect({ sku, status: floor.status }).toEqual({ sku, status: 200 });
    }
    const policy = await harness.admin('GET', '/policy');
    expect(policy.body.skuCaps.__PROTO__).toBe(1000);
    expect(policy.body.floors.CONSTRUCTOR).toEqual({ IDR: 90_000 });
    // The refresh applies them: a 20% discount on a capped prototype-named SKU is held by its 10% cap.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const held = await harness.evaluate(
      idrOrder({ lines: [{ sku: 'valueOf', quantity: 1, unitPrice: 100_000, discount: 20_000 }] }),
    );
    expect(held.body.reasons).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ rule: 'discount_cap', sku: 'VALUEOF', limit: 1000 }),
      ]),
    );
  });

  test('an admin path the order contract would refuse is a 400 naming sku', async () => {
    for (const sku of ['TO\u202eTE', 'a\u0000b', ' ', 'x'.repeat(129)]) {
      const response = await harness.admin('PUT', `/caps/${encodeURIComponent(sku)}`, { capBp: 1000 });
      expect({ sku, status: response.status, path: response.body.problems?.[0]?.path }).toEqual({
        sku,
        status: 400,
        path: 'sku',
      });
    }
  });
});

describe('currency coverage', () => {
  test('a SKU with floors only in IDR, ordered in USD, says it was not checked', async () => {
    const response = await harness.evaluate({
      orderId: 'usd-1',
      currency: 'USD',
      lines: [{ sku: 'idr-only-bag', quantity: 1, unitPrice: 100 }],
      total: 100,
    });
    expect(response.status).toBe(200);
    expect(response.body.abstentions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          rule: 'below_floor',
          sku: 'IDR-ONLY-BAG',
          message: expect.stringContaining('none in USD'),
        }),
      ]),
    );
  });
});
