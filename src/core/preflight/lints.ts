// src/core/preflight/lints.ts
// Preflight warnings that need no search: voucher codes without limits, campaigns at odds with their caps, rule modes.

import { BASIS_POINTS, formatBp, formatMoney, ratioBp } from '../money';
import { type Campaign, type Policy, ruleMode, type VoucherTerms } from '../policy';
import { isActive } from '../totals';
import type { RuleId } from '../types';
import type { PreflightFinding, SkuPreflight } from './types';

/** At most this many SKUs are named in one message; the count says the rest. */
const NAMED = 5;

/** "A, B, C and 4 more". */
function some(names: readonly string[]): string {
  const shown = names.slice(0, NAMED).join(', ');
  return names.length > NAMED ? `${shown} and ${names.length - NAMED} more` : shown;
}

const warning = (finding: Omit<PreflightFinding, 'severity'>): PreflightFinding => ({
  severity: 'warning',
  ...finding,
});

/** Not over at `at`: still to go live, or live. */
const notOver = (window: { endsAt?: number | undefined }, at: number) =>
  window.endsAt === undefined || window.endsAt > at;

/** Warnings about campaigns: depth undeclared, deeper than the caps let through, floors above their own price. */
export function campaignLints(
  policy: Policy,
  at: number,
  rows: readonly SkuPreflight[],
  covering: ReadonlyMap<string, number>,
  shadowed: ReadonlyArray<{ campaign: Campaign; winner: Campaign; skus: ReadonlySet<string> }>,
): PreflightFinding[] {
  const findings: PreflightFinding[] = [];
  for (const campaign of policy.campaigns) {
    if (!notOver(campaign, at) || !(campaign.skus || campaign.categories)) continue;
    const id = campaign.id;
    const cap = campaign.lineDiscountCapBp;
    if (cap === undefined) {
      findings.push(
        warning({
          code: 'campaign_no_line_cap',
          campaign: id,
          message: `Campaign ${id} declares no lineDiscountCapBp: its lines may be discounted as far as the everyday line caps allow (discountCaps; ${formatBp(policy.discountCaps.lineBp)} by default), and preflight takes that as its price. Declare how deep it goes.`,
        }),
      );
      continue;
    }
    const listCap = Math.max(policy.discountCaps.orderListBp, campaign.orderListCapBp ?? 0);
    if (cap > listCap) {
      findings.push(
        warning({
          code: 'campaign_over_order_list_cap',
          campaign: id,
          message: `Campaign ${id} goes to ${formatBp(cap)} off (lineDiscountCapBp), but orders with campaign lines are capped at ${formatBp(listCap)} off list (discountCaps.orderListBp${campaign.orderListCapBp === undefined ? '' : ', its orderListCapBp'}): an order at its deepest price is held. Give it orderListCapBp: ${cap}, or cap it lower.`,
          observed: cap,
          limit: listCap,
          unit: 'bp',
        }),
      );
    }
    if (campaign.floorBp !== undefined && campaign.floorBp > BASIS_POINTS - cap) {
      findings.push(
        warning({
          code: 'campaign_floor_above_cap',
          campaign: id,
          message: `Campaign ${id} allows ${formatBp(cap)} off (a price of ${formatBp(BASIS_POINTS - cap)} of list) but its floor is ${formatBp(campaign.floorBp)} of list (floorBp): lines at its deepest price are held. Lower the floor or the cap.`,
          observed: BASIS_POINTS - cap,
          limit: campaign.floorBp,
          unit: 'bp',
        }),
      );
    }
    if (campaign.floors !== undefined) {
      const above = rows.filter((row) => {
        const floor = campaign.floors?.[row.sku]?.[row.currency];
        // The deepest price L × (10,000 − cap) / 10,000 under the floor, exactly.
        return floor !== undefined && floor * BASIS_POINTS > row.listPrice * (BASIS_POINTS - cap);
      });
      if (above.length > 0) {
        findings.push(
          warning({
            code: 'campaign_floor_above_cap',
            campaign: id,
            message: `Campaign ${id} allows ${formatBp(cap)} off, but its own floors (floors) are above that price for ${some(above.map((row) => `${row.sku} ${row.currency} (${formatMoney(campaign.floors![row.sku]![row.currency]!, row.currency)} > ${formatMoney(Math.ceil((row.listPrice * (BASIS_POINTS - cap)) / BASIS_POINTS), row.currency)})`))}: lines at its deepest price are held.`,
          }),
        );
      }
    }
  }
  for (const { campaign, winner, skus } of shadowed) {
    findings.push(
      warning({
        code: 'campaign_shadowed',
        campaign: campaign.id,
        message: `Campaign ${campaign.id} covers ${some([...skus].sort())}, but campaign ${winner.id}, listed before it and active at the same time, sets the price of ${skus.size === 1 ? 'that SKU' : 'those SKUs'}: ${campaign.id}'s cap and floors do not apply there. A line has one campaign: the first listed that covers it.`,
      }),
    );
  }
  const outranked = new Set(shadowed.map((entry) => entry.campaign.id));
  for (const campaign of policy.campaigns) {
    if (!isActive(campaign, at) || !(campaign.skus || campaign.categories)) continue;
    if (covering.has(campaign.id) || outranked.has(campaign.id)) continue;
    const categories = campaign.categories
      ? ` (the categories it covers, ${campaign.categories.join(', ')}, are known only from the category column of a catalog)`
      : '';
    findings.push(
      warning({
        code: 'campaign_unchecked',
        campaign: campaign.id,
        message: `Campaign ${campaign.id} is active, but no SKU it covers has a list price here${categories}: its prices were not checked. Add the SKUs to the policy catalog or pass a catalog.`,
      }),
    );
  }
  return findings;
}

/** A note that says a code is meant for a few: bank or card holders, staff, members, new customers (en, id). */
const RESTRICTED_NOTE =
  /\b(only|exclusive|bank|cards?|staff|employees?|members?|new (?:users?|customers?)|first (?:order|purchase)|khusus|hanya|pengguna baru|karyawan)\b/i;

/**
 * Why a code without eligibility terms looks meant to be restricted: a fixed discount of half its minimum spend or
 * more (the leaked bank code: IDR 100,000 off IDR 150,000), a percentage of 50% or more, or a note that names the
 * few it is for. Empty when it looks like a public code.
 */
export function restrictionSignals(terms: VoucherTerms): string[] {
  if (terms.paymentMethods || terms.customerSegments || terms.customerIds) return [];
  const signals: string[] = [];
  const discount = terms.discount;
  if (discount !== undefined && 'amount' in discount) {
    for (const [currency, amount] of Object.entries(discount.amount)) {
      const minimum = terms.minSubtotal?.[currency];
      if (minimum !== undefined && minimum > 0 && amount * 2 >= minimum) {
        signals.push(
          `it takes ${formatMoney(amount, currency)} off a minimum spend of ${formatMoney(minimum, currency)} (${formatBp(ratioBp(amount, minimum))})`,
        );
      }
    }
  }
  if (discount !== undefined && 'percentBp' in discount && discount.percentBp >= 5000) {
    signals.push(`it takes ${formatBp(discount.percentBp)} off`);
  }
  const word = terms.note === undefined ? null : RESTRICTED_NOTE.exec(terms.note);
  if (word) signals.push(`its note says "${word[0]}"`);
  return signals;
}

/** Warnings about voucher codes that are live or still to go live: no limits, no eligibility, no declared discount. */
export function voucherLints(policy: Policy, at: number, currencies: readonly string[]): PreflightFinding[] {
  const findings: PreflightFinding[] = [];
  for (const [code, terms] of Object.entries(policy.vouchers)) {
    if (!notOver(terms, at)) continue;
    if (terms.maxUses === undefined) {
      findings.push(
        warning({
          code: 'voucher_uncapped',
          voucher: code,
          message: `Voucher ${code} has no use cap (maxUses): nothing limits how often it is redeemed in all.`,
        }),
      );
    }
    if (terms.maxUsesPerCustomer === undefined) {
      findings.push(
        warning({
          code: 'voucher_no_customer_cap',
          voucher: code,
          message: `Voucher ${code} has no per-customer cap (maxUsesPerCustomer): one shopper can redeem it on order after order.`,
        }),
      );
    }
    if (terms.budget === undefined || Object.keys(terms.budget).length === 0) {
      findings.push(
        warning({
          code: 'voucher_no_budget',
          voucher: code,
          message: `Voucher ${code} has no budget: nothing limits the money it gives away if it leaks.`,
        }),
      );
    }
    const signals = restrictionSignals(terms);
    if (signals.length > 0) {
      findings.push(
        warning({
          code: 'voucher_unrestricted',
          voucher: code,
          message: `Voucher ${code} looks meant for a few (${signals.join('; ')}) but anyone can use it: it names no paymentMethods, customerSegments or customerIds.`,
        }),
      );
    }
    const discount = terms.discount;
    const missing =
      discount === undefined
        ? currencies
        : 'amount' in discount
          ? currencies.filter((currency) => discount.amount[currency] === undefined)
          : [];
    if (discount === undefined || missing.length > 0) {
      findings.push(
        warning({
          code: 'voucher_discount_undeclared',
          voucher: code,
          message:
            discount === undefined
              ? `Voucher ${code} declares no discount: the guard cannot hold an order it takes too much off (voucher_terms), and preflight leaves it out of the prices. Declare discount: { amount: ... } or { percentBp: ..., max: ... }.`
              : `Voucher ${code} declares its amount in ${'amount' in discount ? Object.keys(discount.amount).join(', ') : ''} but not in ${missing.join(', ')}: preflight leaves it out of those prices and the guard does not check it there.`,
        }),
      );
    }
  }
  return findings;
}

/** Rules whose holds preflight's prices rely on: with one off or in shadow mode, orders beyond them go through. */
const RELIED: readonly RuleId[] = [
  'zero_total',
  'near_zero_total',
  'below_floor',
  'discount_cap',
  'voucher_terms',
  'voucher_window',
  'voucher_stacking',
  'voucher_ineligible',
];

/** Warnings about the policy as a whole: exceptions that waive price rules, and rules not enforced. */
export function policyLints(policy: Policy, at: number): PreflightFinding[] {
  const findings: PreflightFinding[] = [];
  for (const exception of policy.exceptions) {
    if (!isActive(exception, at)) continue;
    const waived = exception.rules.filter((rule) => (RELIED as readonly string[]).includes(rule));
    if (waived.length === 0) continue;
    const matching = [
      exception.vouchers && `vouchers ${exception.vouchers.join(', ')}`,
      exception.skus && `SKUs ${some(exception.skus)}`,
      exception.paymentMethods && `payment by ${exception.paymentMethods.join(', ')}`,
      exception.customerIds && `${exception.customerIds.length} named customers`,
    ].filter(Boolean);
    findings.push(
      warning({
        code: 'exception_waives',
        message: `Exception ${exception.id} lets orders with ${matching.join(' or ')} through ${waived.join(', ')}: those orders can pay less than the prices shown here.`,
      }),
    );
  }
  const loose = RELIED.map((rule) => [rule, ruleMode(policy, rule)] as const).filter(
    ([, mode]) => mode !== 'enforce',
  );
  if (loose.length > 0) {
    findings.push(
      warning({
        code: 'rule_not_enforced',
        message: `The guard does not hold what ${loose.map(([rule, mode]) => `${rule} (${mode})`).join(', ')} ${loose.length === 1 ? 'finds' : 'find'}: an order past these prices or terms would go through (mode, rules).`,
      }),
    );
  }
  return findings;
}
