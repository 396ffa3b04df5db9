// test/state/untracked-vouchers.test.ts
// The bounded counter both stores use for unknown voucher codes: admission after N attempts, bounded memory.

import fc from 'fast-check';
import { UntrackedVouchers } from '../../src/state/vouchers';

describe('UntrackedVouchers', () => {
  it('admits a code on its admitAfter-th attempt and carries the earlier attempts', () => {
    const untracked = new UntrackedVouchers();
    expect(untracked.admit('LEAK', 3, 100)).toBeUndefined();
    expect(untracked.admit('LEAK', 3, 100)).toBeUndefined();
    expect(untracked.admit('LEAK', 3, 100)).toBe(2);
    expect(untracked.size).toBe(0); // admitted codes are counted by the store from then on
  });

  it('keeps counting without admitting while the store has no room', () => {
    const untracked = new UntrackedVouchers();
    for (let attempt = 0; attempt < 5; attempt++) expect(untracked.admit('X', 2, 10, false)).toBeUndefined();
    expect(untracked.admit('X', 2, 10, true)).toBe(5);
  });

  it('never holds more than maxTracked codes, and forgets the least recent first (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('A', 'B', 'C', 'D', 'E', 'F'), { maxLength: 200 }),
        fc.integer({ min: 1, max: 4 }),
        (codes, maxTracked) => {
          const untracked = new UntrackedVouchers();
          for (const code of codes) {
            untracked.admit(code, 1_000, maxTracked);
            expect(untracked.size).toBeLessThanOrEqual(maxTracked);
          }
          // The most recent code is always still counted: one more attempt carries all its earlier ones.
          const last = codes.at(-1);
          if (last !== undefined) {
            let streak = 0;
            for (let i = codes.length - 1; i >= 0 && codes[i] === last; i--) streak += 1;
            expect(untracked.admit(last, 1, maxTracked)).toBeGreaterThanOrEqual(streak);
          }
        },
      ),
    );
  });
});
