// src/core/rules/index.ts
// Every rule, in the order they run.

import type { Rule } from './context';
import { aboveRecentPrice, belowRecentPrice } from './history';
import { belowFloor, discountCap } from './prices';
import { referencePrice } from './reference';
import { nearZeroTotal, totalMismatch, zeroTotal } from './totals';
import { voucherVelocity } from './velocity';
import { voucherStacking, voucherTerms, voucherWindow } from './voucher-terms';
import { voucherBudget, voucherIneligible } from './vouchers';

/** Every rule, in the order they run. */
export const RULES: readonly Rule[] = [
  zeroTotal,
  nearZeroTotal,
  totalMismatch,
  belowFloor,
  discountCap,
  referencePrice,
  belowRecentPrice,
  aboveRecentPrice,
  voucherVelocity,
  voucherBudget,
  voucherIneligible,
  voucherTerms,
  voucherWindow,
  voucherStacking,
];
