// src/core/rules/vouchers.ts
// Voucher rules: redemption velocity, hard use caps and budgets, and eligibility terms.

import { type Policy, ruleMode, velocityFor } from '../policy';
import { isActive } from '../totals';
import { money, type Rule, reason } from './context';

/** The surge threshold for a code: how many window redemptions are normal × the multiplier, at least minRedemptions. */
export function velocityThreshold(
  policy: Policy,
  code: string,
  baselineCount: number,
  baselineSeconds: number,
): number {
  const velocity = velocityFor(policy, code);
  const window = velocity.windowSeconds;
  // Less than one window of history says nothing about what is normal for the code yet.
  const baselinePerWindow = baselineSeconds >= window ? (baselineCount * window) / baselineSeconds : 0;
  const declaredPerWindow = ((velocity.expectedPerHour ?? 0) * window) / 3600;
  const expected = Math.max(1, baselinePerWindow, declaredPerWindow);
  return Math.max(velocity.minRedemptions, Math.ceil(velocity.surgeMultiplier * expected));
}

export const voucherVelocity: Rule = {
  id: 'voucher_velocity',
  check(context) {
    const { order, policy, facts, now } = context;
    if (ruleMode(policy, 'voucher_velocity') === 'off' || order.vouchers.length === 0) return;
    if (facts.unavailable.has('vouchers')) {
      context.abstentions.push({
        rule: 'voucher_velocity',
        message: 'Voucher counters are unavailable (store degraded).',
      });
      return;
    }
    for (const { code } of order.vouchers) {
      const state = facts.vouchers.get(code);
      if (state === undefined) continue; // an unknown code not (yet) tracked: see unknownVouchers
      const velocity = velocityFor(policy, code);
      const minutes = Math.round(velocity.windowSeconds / 60);
      if (state.trippedAt !== undefined) {
        reason(context, 'voucher_velocity', {
          message: `Voucher ${code} is suspended since ${new Date(state.trippedAt).toISOString()} after a redemption surge; orders using it are held until on-call clears it (${state.windowCount} uses in the last ${minutes} min).`,
          voucher: code,
          observed: state.windowCount,
          unit: 'count',
        });
        continue;
      }
      const planned = policy.campaigns.some(
        (campaign) => campaign.vouchers?.includes(code) && isActive(campaign, now),
      );
      if (velocity.maxPerWindow !== undefined && state.windowCount > velocity.maxPerWindow) {
        context.effects.tripVouchers.push(code);
        reason(context, 'voucher_velocity', {
          message: `Voucher ${code} was redeemed ${state.windowCount} times in the last ${minutes} min; its limit is ${velocity.maxPerWindow}.`,
          voucher: code,
          observed: state.windowCount,
          limit: velocity.maxPerWindow,
          unit: 'count',
        });
        continue;
      }
      if (planned) continue; // a planned campaign code is expected to surge; only its hard limit applies
      const threshold = velocityThreshold(policy, code, state.baselineCount, state.baselineSeconds);
      if (state.windowCount >= threshold) {
        context.effects.tripVouchers.push(code);
        const baselineHours = Math.max(1, Math.round(state.baselineSeconds / 3600));
        reason(context, 'voucher_velocity', {
          message: `Voucher ${code} was redeemed ${state.windowCount} times in the last ${minutes} min against ${state.baselineCount} in the ${baselineHours} h before; the surge limit is ${threshold} (${velocity.surgeMultiplier}× normal, at least ${velocity.minRedemptions}).`,
          voucher: code,
          observed: state.windowCount,
          limit: threshold,
          unit: 'count',
        });
      }
    }
  },
};

export const voucherBudget: Rule = {
  id: 'voucher_budget',
  check(context) {
    const { order, policy, facts } = context;
    for (const voucher of order.vouchers) {
      const terms = policy.vouchers[voucher.code];
      if (terms === undefined) continue;
      const state = facts.vouchers.get(voucher.code);
      const capped = terms.maxUses !== undefined || terms.maxUsesPerCustomer !== undefined;
      if (capped && facts.unavailable.has('vouchers')) {
        // A hard cap that cannot be reserved cannot be honoured: fail closed rather than risk the N+1st use.
        reason(context, 'voucher_budget', {
          message: `Voucher ${voucher.code} has a hard use limit and its counter is unavailable (store degraded), so this use cannot be reserved.`,
          voucher: voucher.code,
        });
        continue;
      }
      if (state?.limitReached === 'maxUses') {
        reason(context, 'voucher_budget', {
          message: `Voucher ${voucher.code} has reached its limit of ${terms.maxUses} uses.`,
          voucher: voucher.code,
          observed: (terms.maxUses ?? 0) + 1,
          limit: terms.maxUses ?? 0,
          unit: 'count',
        });
      } else if (state?.limitReached === 'maxUsesPerCustomer') {
        reason(context, 'voucher_budget', {
          message: `Customer ${order.customerId || '(anonymous)'} has reached the limit of ${terms.maxUsesPerCustomer} uses of voucher ${voucher.code}.`,
          voucher: voucher.code,
          observed: (terms.maxUsesPerCustomer ?? 0) + 1,
          limit: terms.maxUsesPerCustomer ?? 0,
          unit: 'count',
        });
      }
      const budget = terms.budget?.[order.currency];
      if (
        budget !== undefined &&
        state?.budgetUsed !== undefined &&
        state.budgetUsed + voucher.discount > budget
      ) {
        reason(context, 'voucher_budget', {
          message: `Voucher ${voucher.code} has granted ${money(context, state.budgetUsed)}; this order's ${money(context, voucher.discount)} would pass its budget of ${money(context, budget)}.`,
          voucher: voucher.code,
          observed: state.budgetUsed + voucher.discount,
          limit: budget,
          unit: 'minor',
        });
      }
    }
  },
};

/** Matches a payment method against a pattern; a trailing `*` matches any suffix (`card:bca-*`). */
export function matchesPattern(value: string, pattern: string): boolean {
  return pattern.endsWith('*') ? value.startsWith(pattern.slice(0, -1)) : value === pattern;
}

export const voucherIneligible: Rule = {
  id: 'voucher_ineligible',
  check(context) {
    const { order, totals, policy } = context;
    for (const { code } of order.vouchers) {
      const terms = policy.vouchers[code];
      if (terms === undefined) continue;
      if (
        terms.paymentMethods &&
        !terms.paymentMethods.some((pattern) => matchesPattern(order.paymentMethod, pattern))
      ) {
        reason(context, 'voucher_ineligible', {
          message: `Voucher ${code} is only for payment by ${terms.paymentMethods.join(', ')}; this order pays by ${order.paymentMethod || '(none given)'}.`,
          voucher: code,
        });
      }
      if (
        terms.customerSegments &&
        !terms.customerSegments.some((segment) => order.customerSegments.includes(segment))
      ) {
        reason(context, 'voucher_ineligible', {
          message: `Voucher ${code} is only for customers in ${terms.customerSegments.join(', ')}; this customer is in ${order.customerSegments.join(', ') || 'no segment'}.`,
          voucher: code,
        });
      }
      if (terms.customerIds && !terms.customerIds.includes(order.customerId)) {
        reason(context, 'voucher_ineligible', {
          message: `Voucher ${code} is issued to named customers only; ${order.customerId || '(anonymous)'} is not one of them.`,
          voucher: code,
        });
      }
      const minimum = terms.minSubtotal?.[order.currency];
      if (minimum !== undefined && totals.subtotal < minimum) {
        reason(context, 'voucher_ineligible', {
          message: `Voucher ${code} needs a subtotal of ${money(context, minimum)}; this order's is ${money(context, totals.subtotal)}.`,
          voucher: code,
          observed: totals.subtotal,
          limit: minimum,
          unit: 'minor',
        });
      }
    }
  },
};
