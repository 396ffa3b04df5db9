// src/core/rules/vouchers.ts
// Voucher rules: hard use caps and budgets, and who may use a code (payment method, segment, customer, subtotal).

import { canonicalCode } from '../identifiers';
import { money, type Rule, reason } from './context';

/** The characters of a look-alike spelling that are not the code's: "U+0410 in place of A". */
function lookalikeWords(entered: string, code: string): string {
  const typed = [...entered];
  const meant = [...code];
  const words: string[] = [];
  typed.forEach((char, index) => {
    if (char === meant[index]) return;
    const hex = [...char].map(
      (one) => `U+${one.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`,
    );
    words.push(`${hex.join(' ')} in place of ${meant[index] ?? 'nothing'}`);
  });
  return words.length > 0 ? words.slice(0, 5).join(', ') : 'characters that look like its own';
}

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
    for (const { code, entered } of order.vouchers) {
      if (entered !== undefined && canonicalCode(entered) !== code) {
        reason(context, 'voucher_ineligible', {
          message: `Voucher ${code} was entered as "${canonicalCode(entered)}", a look-alike spelling of it (${lookalikeWords(canonicalCode(entered), code)}): judged as ${code} and held for the spelling.`,
          voucher: code,
        });
      }
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
