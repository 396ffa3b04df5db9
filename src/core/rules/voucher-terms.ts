// src/core/rules/voucher-terms.ts
// What a code may take off, when, and with what: voucher_terms, voucher_window and voucher_stacking.

import { applyBp, formatBp } from '../money';
import { isActive } from '../totals';
import { money, type Rule, reason } from './context';

/** The most a code's terms let it take off this order, or undefined when its terms say nothing in this currency. */
function allowedDiscount(
  terms: { amount: Record<string, number> } | { percentBp: number; max?: Record<string, number> | undefined },
  currency: string,
  subtotal: number,
): { limit: number; how: string } | undefined {
  if ('amount' in terms) {
    const amount = terms.amount[currency];
    return amount === undefined ? undefined : { limit: amount, how: 'its fixed amount' };
  }
  const percent = applyBp(Math.max(0, subtotal), terms.percentBp);
  const max = terms.max?.[currency];
  if (max !== undefined && max < percent)
    return { limit: max, how: `its maximum (${formatBp(terms.percentBp)} capped)` };
  return { limit: percent, how: `${formatBp(terms.percentBp)} of the subtotal` };
}

export const voucherTerms: Rule = {
  id: 'voucher_terms',
  check(context) {
    const { order, totals, policy } = context;
    for (const voucher of order.vouchers) {
      const discount = policy.vouchers[voucher.code]?.discount;
      if (discount === undefined) continue;
      const allowed = allowedDiscount(discount, order.currency, totals.subtotal);
      if (allowed === undefined) {
        context.abstentions.push({
          rule: 'voucher_terms',
          voucher: voucher.code,
          message: `Voucher ${voucher.code} declares its discount in other currencies than ${order.currency}; not checked.`,
        });
        continue;
      }
      if (voucher.discount > allowed.limit) {
        reason(context, 'voucher_terms', {
          message: `Voucher ${voucher.code} takes ${money(context, voucher.discount)} off; its terms allow ${money(context, allowed.limit)} (${allowed.how}).`,
          voucher: voucher.code,
          observed: voucher.discount,
          limit: allowed.limit,
          unit: 'minor',
        });
      }
    }
  },
};

export const voucherWindow: Rule = {
  id: 'voucher_window',
  check(context) {
    const { order, policy, now } = context;
    for (const { code } of order.vouchers) {
      const terms = policy.vouchers[code];
      if (terms === undefined || (terms.startsAt === undefined && terms.endsAt === undefined)) continue;
      if (isActive(terms, now)) continue;
      const window = `${terms.startsAt === undefined ? 'until' : `from ${new Date(terms.startsAt).toISOString()}`}${terms.startsAt !== undefined && terms.endsAt !== undefined ? ' to' : ''}${terms.endsAt === undefined ? '' : ` ${new Date(terms.endsAt).toISOString()}`}`;
      reason(context, 'voucher_window', {
        message: `Voucher ${code} is valid ${window}; this order is at ${new Date(now).toISOString()}.`,
        voucher: code,
      });
    }
  },
};

export const voucherStacking: Rule = {
  id: 'voucher_stacking',
  check(context) {
    const { order, totals, policy } = context;
    const codes = order.vouchers.map((voucher) => voucher.code);
    for (const code of codes) {
      const terms = policy.vouchers[code];
      if (terms === undefined) continue;
      const others = codes.filter((other) => other !== code);
      const { stackable } = terms;
      const refused =
        stackable === false
          ? others
          : Array.isArray(stackable)
            ? others.filter((other) => !stackable.includes(other))
            : [];
      if (refused.length > 0) {
        reason(context, 'voucher_stacking', {
          message: `Voucher ${code} may not be combined with ${refused.join(', ')}${Array.isArray(stackable) ? ` (only with ${stackable.join(', ')})` : ''}.`,
          voucher: code,
        });
      }
      if (terms.withCampaigns === false) {
        const line = totals.lines.find(
          (candidate) => candidate.campaign !== undefined && candidate.discount > 0,
        );
        if (line !== undefined) {
          reason(context, 'voucher_stacking', {
            message: `Voucher ${code} may not be used on campaign prices; line ${line.index + 1} (${line.sku}) is at the price of campaign ${line.campaign!.id}.`,
            voucher: code,
            line: line.index,
            sku: line.sku,
          });
        }
      }
    }
  },
};
