// src/core/money.ts
// Exact integer money: sums, products, ratios in basis points and formatting, with no floating point.

import { currencyExponent } from './currencies';

/** 100% expressed in basis points: ratios and caps are integers in 1/10,000. */
export const BASIS_POINTS = 10_000;

/** Thrown when an arithmetic result would leave the range where JavaScript integers are exact. */
export class MoneyOverflowError extends RangeError {
  readonly code = 'ERR_MONEY_OVERFLOW';
  constructor(operation: string) {
    super(`money overflow: ${operation} is larger than ${Number.MAX_SAFE_INTEGER} minor units`);
    this.name = this.constructor.name;
  }
}

/** `a + b`, exact, or a MoneyOverflowError. */
export function add(a: number, b: number): number {
  const sum = a + b;
  if (!Number.isSafeInteger(sum)) throw new MoneyOverflowError(`${a} + ${b}`);
  return sum;
}

/** `amount * quantity`, exact, or a MoneyOverflowError. */
export function multiply(amount: number, quantity: number): number {
  const product = amount * quantity;
  if (!Number.isSafeInteger(product)) throw new MoneyOverflowError(`${amount} * ${quantity}`);
  return product;
}

/** Products below this bound are exact in float64 arithmetic, so the fast path needs no BigInt. */
const EXACT_PRODUCT_BOUND = Math.floor(Math.sqrt(Number.MAX_SAFE_INTEGER));

/** Compares `a * b` with `c * d` exactly for non-negative integers: -1, 0 or 1. */
export function compareProducts(a: number, b: number, c: number, d: number): -1 | 0 | 1 {
  if (
    a < EXACT_PRODUCT_BOUND &&
    b < EXACT_PRODUCT_BOUND &&
    c < EXACT_PRODUCT_BOUND &&
    d < EXACT_PRODUCT_BOUND
  ) {
    const left = a * b;
    const right = c * d;
    return left < right ? -1 : left > right ? 1 : 0;
  }
  const left = BigInt(a) * BigInt(b);
  const right = BigInt(c) * BigInt(d);
  return left < right ? -1 : left > right ? 1 : 0;
}

/** True when `part / whole` is strictly greater than `bp / 10,000`. A zero whole is never exceeded. */
export function exceedsRatio(part: number, whole: number, bp: number): boolean {
  if (whole === 0) return false;
  return compareProducts(part, BASIS_POINTS, whole, bp) > 0;
}

/** True when `part / whole` is strictly less than `bp / 10,000`. A zero whole is never below. */
export function belowRatio(part: number, whole: number, bp: number): boolean {
  if (whole === 0) return false;
  return compareProducts(part, BASIS_POINTS, whole, bp) < 0;
}

/** `part / whole` in whole basis points, rounded down (for display and metrics, never for decisions). */
export function ratioBp(part: number, whole: number): number {
  if (whole === 0) return 0;
  const scaled = part * BASIS_POINTS;
  // A safe integer divided by an integer truncates exactly in float64: a quotient that is no integer is at least
  // 1/|whole| away from the next one, more than the rounding of a quotient whose dividend is below 2^53 moves it.
  // A larger product is divided in BigInt. (`+ 0` turns a -0 into 0.)
  if (Math.abs(scaled) <= Number.MAX_SAFE_INTEGER) return Math.trunc(scaled / whole) + 0;
  return Number((BigInt(part) * BigInt(BASIS_POINTS)) / BigInt(whole));
}

/** `amount * bp / 10,000`, rounded down: the amount a ratio of a whole corresponds to. */
export function applyBp(amount: number, bp: number): number {
  return Number((BigInt(amount) * BigInt(bp)) / BigInt(BASIS_POINTS));
}

/** Formats basis points as a percentage for people: 7000 -> "70%", 125 -> "1.25%". */
export function formatBp(bp: number): string {
  const whole = Math.trunc(bp / 100);
  const fraction = Math.abs(bp % 100);
  if (fraction === 0) return `${whole}%`;
  return `${whole}.${String(fraction).padStart(2, '0').replace(/0$/, '')}%`;
}

/**
 * Formats minor units for people without floating point: formatMoney(4700000, 'IDR') is "IDR 4,700,000",
 * formatMoney(1234, 'USD') is "USD 12.34".
 */
export function formatMoney(amount: number, currency: string): string {
  const exponent = currencyExponent(currency) ?? 2;
  const negative = amount < 0;
  const digits = String(Math.abs(amount)).padStart(exponent + 1, '0');
  const major = digits.slice(0, digits.length - exponent).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const minor = exponent > 0 ? `.${digits.slice(digits.length - exponent)}` : '';
  return `${negative ? '-' : ''}${currency} ${major}${minor}`;
}

/**
 * Splits `total` over `weights` in proportion, exactly: integer shares that add up to `total`. Each share is
 * floor(total × weight / Σ weights); the units left over go one each to the largest remainders (ties: the
 * earlier index), so the split is deterministic. With `total` ≤ Σ weights no share exceeds its weight.
 * Weights must be non-negative; when they sum to 0 every share is 0 (and `total` must be 0).
 */
export function allocate(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (sum === 0 || total === 0) return weights.map(() => 0);
  const exact = total < EXACT_PRODUCT_BOUND && sum < EXACT_PRODUCT_BOUND;
  const shares: number[] = new Array(weights.length);
  const remainders: Array<{ index: number; remainder: bigint }> = [];
  let given = 0;
  for (let index = 0; index < weights.length; index++) {
    const weight = weights[index]!;
    let share: number;
    let remainder: bigint;
    if (exact && weight < EXACT_PRODUCT_BOUND) {
      const product = total * weight;
      share = Math.floor(product / sum);
      remainder = BigInt(product - share * sum);
    } else {
      const product = BigInt(total) * BigInt(weight);
      share = Number(product / BigInt(sum));
      remainder = product % BigInt(sum);
    }
    shares[index] = share;
    given += share;
    remainders.push({ index, remainder });
  }
  remainders.sort((a, b) =>
    a.remainder === b.remainder ? a.index - b.index : a.remainder > b.remainder ? -1 : 1,
  );
  for (let n = 0; n < total - given; n++) shares[remainders[n]!.index]! += 1;
  return shares;
}
