// test/core/lookalikes.test.ts
// Look-alike spellings of declared codes are the code (held for the spelling), never unknown codes that escape it.

import { evaluate } from '../../src/core/evaluate';
import { NO_FACTS } from '../../src/core/facts';
import { foldLookalikes, imitatedCode, lookalikeKey } from '../../src/core/lookalikes';
import { OrderParser } from '../../src/core/order-parser';
import { parsePolicy } from '../../src/core/policy';
import { order } from '../helpers/orders';

const policy = parsePolicy({
  vouchers: { BANKX100K: { paymentMethods: ['card:bank-x*'] }, HEMAT10: {}, PROMO1: {}, PROMOI: {} },
  campaigns: [
    {
      id: 'sale',
      startsAt: '2026-11-11T00:00:00+07:00',
      endsAt: '2026-11-12T00:00:00+07:00',
      vouchers: ['SALE25'],
    },
  ],
});
const parser = new OrderParser();
const parsed = (code: string) => {
  const result = parser.parse(
    order({
      lines: [{ sku: 'S', quantity: 1, unitPrice: 200_000 }],
      vouchers: [{ code, discount: 100_000 }],
    }),
  );
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.order;
};

describe('look-alike spellings of declared codes', () => {
  it.each([
    ['BАNKX100K', 'a Cyrillic А'],
    ['bаnkx100k', 'a Cyrillic а, lower case'],
    ['BÁNKX100K', 'an accent'],
    ['BA\u0301NKX100K', 'a combining accent'],
    ['BANKX1OOK', 'letter O for zero'],
    ['ВАNКХ100К', 'Cyrillic В, А, К, Х'],
    ['ＢＡＮＫＸ１００Κ', 'full width with a Greek kappa'],
  ])('%s (%s) is BANKX100K, held for its spelling and judged by its terms', (spelling) => {
    const folded = foldLookalikes(parsed(spelling), policy);
    expect(folded.vouchers[0]).toMatchObject({ code: 'BANKX100K', entered: spelling });
    const reasons = evaluate(folded, policy, NO_FACTS, Date.parse('2026-11-11T10:00:00+07:00')).decision
      .reasons;
    expect(reasons).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          rule: 'voucher_ineligible',
          message: expect.stringContaining('look-alike spelling'),
        }),
        expect.objectContaining({
          rule: 'voucher_ineligible',
          message: expect.stringContaining('only for payment by'),
        }),
      ]),
    );
  });

  it('leaves declared codes, their plain spellings and unrelated codes alone', () => {
    for (const code of ['BANKX100K', ' bankx100k ', 'HEMAT10', 'SALE25', 'RANDOM-123']) {
      const input = parsed(code);
      expect(foldLookalikes(input, policy)).toBe(input);
    }
    const reasons = evaluate(parsed(' bankx100k'), policy, NO_FACTS, 0).decision.reasons;
    expect(reasons.some((reason) => reason.message.includes('look-alike'))).toBe(false);
  });

  it('folds a look-alike of a campaign code too, and not two declared codes that look alike', () => {
    expect(imitatedCode(policy, 'SАLE25')).toBe('SALE25');
    expect(imitatedCode(policy, 'PROMOl')).toBeUndefined();
    expect(lookalikeKey('PROMO1')).toBe(lookalikeKey('PROMOI'));
  });
});
