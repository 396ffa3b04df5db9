// test/core/order-fast.test.ts
// The order parser's fast path gives exactly the schema's answer: the same canonical order, or a refusal.

import fc from 'fast-check';
import { DEFAULT_ORDER_LIMITS } from '../../src/core/order';
import { fastParseOrder } from '../../src/core/order-fast';
import { OrderParser } from '../../src/core/order-parser';
import { anything, mutated, order, validOrder } from '../helpers/arbitraries';

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
      lines: [{ sku: 'MJ-TOTE', category: 'BAGS', discount: 0 }],
      vouchers: [{ code: 'TMRW100', discount: 10, entered: ' tmrw100 ' }],
    });
  });
});
