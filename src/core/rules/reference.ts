// src/core/rules/reference.ts
// reference_price: a line's list price far from the SKU's declared list price, in either direction.

import { applyBp, BASIS_POINTS, compareProducts, formatBp } from '../money';
import type { Policy } from '../policy';
import type { LineView } from '../totals';
import { money, type Rule, reason } from './context';

/** How far from its reference a SKU's list price may be: its own, its category's, else the global factor. */
export function referenceFactorBp(policy: Policy, line: Pick<LineView, 'sku' | 'category'>): number {
  const tolerance = policy.referencePrice;
  return (
    tolerance.skus[line.sku] ??
    (line.category === undefined ? undefined : tolerance.categories[line.category]) ??
    tolerance.maxRatioBp
  );
}

const factorWords = (bp: number) => (bp % BASIS_POINTS === 0 ? `${bp / BASIS_POINTS}x` : formatBp(bp));

export const referencePrice: Rule = {
  id: 'reference_price',
  check(context) {
    const { totals, policy } = context;
    for (const line of totals.lines) {
      const reference = line.reference;
      if (reference === undefined || reference === 0 || line.free?.allowed) continue;
      const factor = referenceFactorBp(policy, line);
      // Outside [reference / factor, reference × factor], compared exactly.
      const low = compareProducts(line.unitPrice, factor, reference, BASIS_POINTS) < 0;
      const high = compareProducts(line.unitPrice, BASIS_POINTS, reference, factor) > 0;
      if (!low && !high) continue;
      reason(context, 'reference_price', {
        message: `Line ${line.index + 1} (${line.sku}) lists at ${money(context, line.unitPrice)} a unit, ${low ? 'under' : 'over'} the declared list price of ${money(context, reference)} by more than ${factorWords(factor)}: the guard expects ${money(context, Number((BigInt(reference) * BigInt(BASIS_POINTS)) / BigInt(factor)))} to ${money(context, applyBp(reference, factor))}.`,
        line: line.index,
        sku: line.sku,
        observed: line.unitPrice,
        limit: reference,
        unit: 'minor',
      });
    }
  },
};
