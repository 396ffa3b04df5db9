// test/core/money.test.ts
// Exact money: ratio comparisons agree with BigInt arithmetic everywhere, formatting never uses floats.

import fc from 'fast-check';
import {
  add,
  allocate,
  applyBp,
  belowRatio,
  compareProducts,
  exceedsRatio,
  formatBp,
  formatMoney,
  MoneyOverflowError,
  multiply,
  ratioBp,
} from '../../src/core/money';

const amount = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const bp = fc.integer({ min: 0, max: 10_000 });

describe('compareProducts', () => {
  it('agrees with BigInt on every non-negative safe integer', () => {
    fc.assert(
      fc.property(amount, amount, amount, amount, (a, b, c, d) => {
        const left = BigInt(a) * BigInt(b);
        const right = BigInt(c) * BigInt(d);
        expect(compareProducts(a, b, c, d)).toBe(left < right ? -1 : left > right ? 1 : 0);
      }),
    );
  });

  it('is exact where float multiplication is not', () => {
    // The products differ by one, past 2^53: float64 multiplication rounds them to the same number.
    expect(94906267 * 94906267 === 94906266 * 94906268).toBe(true);
    expect(compareProducts(94906267, 94906267, 94906266, 94906268)).toBe(1);
  });
});

describe('ratios', () => {
  it('exceedsRatio(part, whole, bp) means part/whole > bp/10000 exactly', () => {
    fc.assert(
      fc.property(amount, amount, bp, (part, whole, cap) => {
        const expected = whole !== 0 && BigInt(part) * 10_000n > BigInt(whole) * BigInt(cap);
        expect(exceedsRatio(part, whole, cap)).toBe(expected);
      }),
    );
  });

  it('belowRatio(part, whole, bp) means part/whole < bp/10000 exactly', () => {
    fc.assert(
      fc.property(amount, amount, bp, (part, whole, floor) => {
        const expected = whole !== 0 && BigInt(part) * 10_000n < BigInt(whole) * BigInt(floor);
        expect(belowRatio(part, whole, floor)).toBe(expected);
      }),
    );
  });

  it('a 100% discount exceeds every cap below 100% and not 100% itself', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e12 }), fc.integer({ min: 0, max: 9_999 }), (value, cap) => {
        expect(exceedsRatio(value, value, cap)).toBe(true);
        expect(exceedsRatio(value, value, 10_000)).toBe(false);
      }),
    );
  });

  it('ratioBp(part, whole) is the integer quotient of part × 10000 by whole, as BigInt gives it, near 2^53 too', () => {
    // (Beyond 2^53 the quotient itself is a number, so rounded as Number() rounds it.)
    const near = Math.floor(Number.MAX_SAFE_INTEGER / 10_000);
    const part = fc.oneof(
      fc.integer({ min: -1_000_000, max: 1_000_000 }),
      amount,
      fc.integer({ min: near - 1_000, max: near + 1_000 }),
      fc.integer({ min: -near - 1_000, max: -near + 1_000 }),
    );
    const whole = fc.oneof(
      fc.integer({ min: 1, max: 1_000 }),
      fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
      fc.integer({ min: -1_000, max: -1 }),
    );
    fc.assert(
      fc.property(part, whole, (a, b) => {
        const result = ratioBp(a, b);
        expect(Object.is(result, -0)).toBe(false);
        expect(result).toBe(Number((BigInt(a) * 10_000n) / BigInt(b)));
      }),
      { numRuns: 2_000 },
    );
    expect(ratioBp(5, 0)).toBe(0);
    // Past 2^53 the float quotient would round up to the next integer.
    expect(Math.trunc((1_259_112_286_286 * 10_000) / 17_709_033_562_391)).toBe(711);
    expect(ratioBp(1_259_112_286_286, 17_709_033_562_391)).toBe(710);
  });

  it('applyBp rounds down and never exceeds the amount', () => {
    fc.assert(
      fc.property(amount, bp, (value, ratio) => {
        const result = applyBp(value, ratio);
        expect(Number.isSafeInteger(result)).toBe(true);
        expect(result).toBeLessThanOrEqual(value);
        expect(BigInt(result)).toBe((BigInt(value) * BigInt(ratio)) / 10_000n);
      }),
    );
  });
});

describe('add and multiply', () => {
  it('are exact or throw MoneyOverflowError, never a rounded result', () => {
    fc.assert(
      fc.property(amount, amount, (a, b) => {
        const exact = BigInt(a) + BigInt(b);
        if (exact <= BigInt(Number.MAX_SAFE_INTEGER)) expect(BigInt(add(a, b))).toBe(exact);
        else expect(() => add(a, b)).toThrow(MoneyOverflowError);
      }),
    );
    expect(() => multiply(Number.MAX_SAFE_INTEGER, 2)).toThrow(/money overflow/);
  });
});

describe('formatting', () => {
  it('formats minor units by the currency exponent', () => {
    expect(formatMoney(4_700_000, 'IDR')).toBe('IDR 4,700,000');
    expect(formatMoney(1234, 'USD')).toBe('USD 12.34');
    expect(formatMoney(5, 'USD')).toBe('USD 0.05');
    expect(formatMoney(1234, 'KWD')).toBe('KWD 1.234');
    expect(formatMoney(0, 'JPY')).toBe('JPY 0');
  });

  it('round-trips every amount through its digits', () => {
    fc.assert(
      fc.property(amount, (value) => {
        const digits = formatMoney(value, 'USD').replace(/[^0-9]/g, '');
        expect(BigInt(digits)).toBe(BigInt(value));
      }),
    );
  });

  it('formats basis points as percentages', () => {
    expect(formatBp(7000)).toBe('70%');
    expect(formatBp(125)).toBe('1.25%');
    expect(formatBp(50)).toBe('0.5%');
    expect(formatBp(10_000)).toBe('100%');
  });
});

describe('allocate', () => {
  it('splits a total over weights exactly: the shares add up, none exceeds its weight, none is negative', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(Math.floor(Number.MAX_SAFE_INTEGER / 1000)), { minLength: 1, maxLength: 20 }),
        fc.nat(1_000_000),
        (weights, fraction) => {
          const sum = weights.reduce((a, b) => a + b, 0);
          const total = Number((BigInt(sum) * BigInt(fraction)) / 1_000_000n);
          const shares = allocate(total, weights);
          expect(shares.reduce((a, b) => a + b, 0)).toBe(total);
          shares.forEach((share, index) => {
            expect(Number.isSafeInteger(share)).toBe(true);
            expect(share).toBeGreaterThanOrEqual(0);
            expect(share).toBeLessThanOrEqual(weights[index]!);
          });
        },
      ),
    );
  });

  it('is proportional, with the remainder going to the largest fractions, ties to the earlier line', () => {
    expect(allocate(100, [1, 1, 1])).toEqual([34, 33, 33]);
    expect(allocate(10, [3, 7])).toEqual([3, 7]);
    expect(allocate(5, [2, 2, 6])).toEqual([1, 1, 3]);
    expect(allocate(0, [5, 5])).toEqual([0, 0]);
    expect(allocate(7, [0, 0, 10])).toEqual([0, 0, 7]);
  });

  it('is exact past 2^53 products (BigInt)', () => {
    const big = 2 ** 52;
    const shares = allocate(big, [big, big, 1]);
    expect(shares.reduce((a, b) => a + b, 0)).toBe(big);
  });
});
