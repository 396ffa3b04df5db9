// src/core/rules/index.ts
// Every rule, in the order they run.

import type { Rule } from './context';
import { belowRecentPrice } from './history';
import { belowFloor, discountCap } from './prices';
import { nearZeroTotal, totalMismatch, zeroTotal } from './totals';
import { voucherBudget, voucherIneligible, voucherVelocity } from './vouchers';

/** Every rule, in the order they run. */
export const RULES: readonly Rule[] = [
  zeroTotal,
  nearZeroTotal,
  totalMismatch,
  belowFloor,
  discountCap,
  belowRecentPrice,
  voucherVelocity,
  voucherBudget,
  voucherIneligible,
];
