// test/core/facts.test.ts
// The median the history rule compares against: exact for every safe integer, rounded down between two middles.

import fc from 'fast-check';
import { median, medianOfSorted, sortAscending, sortedSamples } from '../../src/core/facts';

/** The obvious definition, with BigInt so that the reference itself cannot round. */
function referenceMedian(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = values.map(BigInt).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const middle = sorted.length >> 1;
  if (sorted.length % 2 === 1) return Number(sorted[middle]);
  return Number((sorted[middle - 1]! + sorted[middle]!) / 2n);
}

describe('median', () => {
  it('is 0 for no samples, the middle for an odd count, the lower-rounded mean of the two middles for an even one', () => {
    expect(median([])).toBe(0);
    expect(median([4_700_000, 4_700, 5_000_000])).toBe(4_700_000);
    expect(median([1, 2])).toBe(1);
    expect(median([1, 4, 2, 3])).toBe(2);
  });

  it('matches the exact definition for any safe integers, up to 2^53 - 1 (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.maxSafeNat(), { maxLength: 101 }), (values) => {
        expect(median(values)).toBe(referenceMedian(values));
      }),
      { numRuns: 2_000 },
    );
  });

  it('does not reorder the samples it is given', () => {
    const samples = [3, 1, 2];
    median(samples);
    expect(samples).toEqual([3, 1, 2]);
  });
});

describe('sortedSamples', () => {
  it('keeps a sliding window sorted, so its median equals the median of the window (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.maxSafeNat(), fc.integer({ min: 0, max: 5 })), { maxLength: 300 }), // with repeats
        fc.integer({ min: 1, max: 101 }),
        (prices, max) => {
          const window: number[] = [];
          const sorted: number[] = [];
          for (const price of prices) {
            window.push(price);
            sortedSamples.add(sorted, price);
            if (window.length > max) sortedSamples.remove(sorted, window.shift()!);
            expect(medianOfSorted(sorted)).toBe(median(window));
          }
          expect(sorted).toEqual(sortAscending(window));
        },
      ),
      { numRuns: 300 },
    );
  });
});
