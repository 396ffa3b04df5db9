// test/core/order-fast.test.ts
// The order parser's fast path gives exactly the schema's answer: the same canonical order, or a refusal.

import fc from 'fast-check';
import { DEFAULT_ORDER_LIMITS, type Order } from '../../src/core/order';
import { fastParseOrder } from '../../src/core/order-fast';
import { OrderParser } from '../../src/core/order-parser';
import { anything, mutated, order, validOrder } from '../helpers/arbitraries';

/**
 * The storefront's own spelling of the payment method and of each SKU is on the order exactly when it is not the
 * canonical form (the common, canonical order carries nothing more).
 */
function expectSpellingsKept(input: Record<string, unknown>, parsed: Order): void {
  const method = input.paymentMethod;
  expect(parsed.paymentMethodEntered).toBe(
    method === undefined || method === parsed.paymentMethod ? undefined : method,
  );
  const lines = input.lines as Array<{ sku: unknown }>;
  parsed.lines.forEach((line, index) => {
    const sku = lines[index]!.sku;
    expect(line.skuEntered).toBe(sku === line.sku ? undefined : sku);
    if (sku === line.sku) expect(Object.keys(line)).not.toContain('skuEntered');
  });
  if (method === undefined || method === parsed.paymentMethod) {
    expect(Object.keys(parsed)).not.toContain('paymentMethodEntered');
  }
}

describe('the fast path of OrderParser', () => {
  for (const strict of [false, true]) {
    const parser = new OrderParser({ ...DEFAULT_ORDER_LIMITS, strict, maxLines: 3 });

    it(`answers as the zod schema does for random and mutated orders (strict ${strict})`, () => {
      fc.assert(
        fc.property(fc.oneof(validOrder, mutated, order, anything), (input) => {
          const fast = fastParseOrder(input, parser.limits);
          const schema = parser.parseWithSchema(input);
          if (fast === undefined) {
            // Refusing is always safe (the schema decides); but a valid order must not miss the fast path.
            if (schema.ok) {
              throw new Error(`the fast path refused a valid order: ${JSON.stringify(input)}`);
            }
          } else {
            expect(schema.ok).toBe(true);
            if (schema.ok) expect(fast).toEqual(schema.order);
            expectSpellingsKept(input as Record<string, unknown>, fast);
          }
        }),
        { numRuns: 3000 },
      );
    });
  }

  it('accepts the common order without zod and returns the canonical form', () => {
    const parsed = fastParseOrder(
      {
        orderId: 'o1',
        currency: 'IDR',
        paymentMethod: 'card:uob-tmrw',
        lines: [{ sku: 'mj-tote', quantity: 1, unitPrice: 100, category: 'bags' }],
        vouchers: [{ code: ' tmrw100 ', discount: 10 }],
        total: 90,
      },
      DEFAULT_ORDER_LIMITS,
    );
    expect(parsed).toMatchObject({
      paymentMethod: 'CARD:UOB-TMRW',
      paymentMethodEntered: 'card:uob-tmrw',
      lines: [{ sku: 'MJ-TOTE', skuEntered: 'mj-tote', category: 'BAGS', discount: 0 }],
      vouchers: [{ code: 'TMRW100', discount: 10, entered: ' tmrw100 ' }],
    });
  });

  it('adds no spelling to an order whose identifiers are already canonical', () => {
    const parsed = fastParseOrder(
      {
        orderId: 'o1',
        currency: 'IDR',
        paymentMethod: 'CARD:UOB-TMRW',
        lines: [{ sku: 'MJ-TOTE', quantity: 1, unitPrice: 100 }],
        total: 100,
      },
      DEFAULT_ORDER_LIMITS,
    );
    expect(parsed).toEqual({
      orderId: 'o1',
      currency: 'IDR',
      customerId: '',
      customerSegments: [],
      paymentMethod: 'CARD:UOB-TMRW',
      lines: [{ sku: 'MJ-TOTE', quantity: 1, unitPrice: 100, discount: 0 }],
      vouchers: [],
      shipping: 0,
      shippingDiscount: 0,
      tax: 0,
      total: 100,
    });
    expect(Object.keys(parsed!)).not.toContain('paymentMethodEntered');
    expect(Object.keys(parsed!.lines[0]!)).not.toContain('skuEntered');
  });
});
