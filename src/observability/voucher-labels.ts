// src/observability/voucher-labels.ts
// Which voucher codes get their own `voucher` series (configured, then declared by the policy, up to a cap), and
// the per-voucher counting under those labels, retiring the series of codes the policy no longer declares.

import type { Counter } from 'prom-client';
import { canonicalCode } from '../core/identifiers';
import type { Order } from '../core/order';
import type { Policy } from '../core/policy';
import type { Effects } from '../core/rules/context';
import { currencyLabel, OTHER } from './labels';
import type { ResolvedMetricsOptions } from './metrics-options';
import { amount, type Registrar } from './registrar';

/** Which voucher codes have their own `voucher` series, after `usePolicy`. */
export interface VoucherLabelling {
  /** Codes with their own series: `voucherLabels`, then the policy's declared codes, up to `maxVoucherLabels`. */
  labelled: readonly string[];
  /** Declared codes past `maxVoucherLabels`, counted as `other` (log them: raise the cap or trim the policy). */
  unlabelled: readonly string[];
}

/**
 * The voucher codes a policy declares, canonical and without duplicates, in the order it lists them: the keys of
 * `vouchers` (the codes with terms), then every campaign's `vouchers`.
 */
export function declaredVoucherCodes(policy: Pick<Policy, 'vouchers' | 'campaigns'>): string[] {
  const codes = new Set<string>();
  for (const code of Object.keys(policy.vouchers)) codes.add(canonicalCode(code));
  for (const campaign of policy.campaigns) {
    for (const code of campaign.vouchers ?? []) codes.add(canonicalCode(code));
  }
  return [...codes];
}

/** The counters labelled by voucher code. */
export interface VoucherCounters {
  voucherRedemptions: Counter;
  voucherVelocityTrips: Counter;
  voucherVelocityResumes: Counter;
  voucherDiscount: Counter;
}

/** The per-voucher series of one createMetrics call. */
export interface VoucherLabels {
  /** Gives the policy's declared codes their series (at 0) and retires codes it no longer declares. */
  usePolicy(policy: Pick<Policy, 'vouchers' | 'campaigns'>): VoucherLabelling;
  /** Counts an evaluated order's redemption attempts and discounts, and the codes it tripped or resumed. */
  evaluated(order: Order, effects: Effects): void;
}

/** Starts the series of `voucherLabels` and of `other`; the policy's codes come with `usePolicy`. */
export function createVoucherLabels(
  registrar: Pick<Registrar, 'withConstants'>,
  counters: VoucherCounters,
  config: Pick<ResolvedMetricsOptions, 'voucherLabels' | 'maxVoucherLabels' | 'currencies'>,
): VoucherLabels {
  const { withConstants } = registrar;
  const { voucherRedemptions, voucherVelocityTrips, voucherVelocityResumes, voucherDiscount } = counters;
  let labelled = new Set<string>();
  /** Currencies each labelled code has a discount series in, so a retired code's series can be removed. */
  const discountCurrencies = new Map<string, Set<string>>();
  const seriesOf = (voucher: string) => {
    voucherRedemptions.inc(withConstants({ voucher }), 0);
    voucherVelocityTrips.inc(withConstants({ voucher }), 0);
    voucherVelocityResumes.inc(withConstants({ voucher }), 0);
  };
  const retire = (voucher: string) => {
    voucherRedemptions.remove(withConstants({ voucher }));
    voucherVelocityTrips.remove(withConstants({ voucher }));
    voucherVelocityResumes.remove(withConstants({ voucher }));
    for (const currency of discountCurrencies.get(voucher) ?? []) {
      voucherDiscount.remove(withConstants({ voucher, currency }));
    }
    discountCurrencies.delete(voucher);
  };
  let lastVouchers: unknown;
  let lastCampaigns: unknown;
  let lastLabelling: VoucherLabelling = { labelled: [], unlabelled: [] };
  const usePolicy = (policy: Pick<Policy, 'vouchers' | 'campaigns'>): VoucherLabelling => {
    if (policy.vouchers === lastVouchers && policy.campaigns === lastCampaigns) return lastLabelling;
    lastVouchers = policy.vouchers;
    lastCampaigns = policy.campaigns;
    const next = new Set(config.voucherLabels);
    const unlabelled: string[] = [];
    for (const code of declaredVoucherCodes(policy)) {
      if (next.has(code)) continue;
      if (next.size < config.maxVoucherLabels) next.add(code);
      else unlabelled.push(code);
    }
    for (const code of labelled) if (!next.has(code)) retire(code);
    for (const code of next) if (!labelled.has(code)) seriesOf(code);
    labelled = next;
    lastLabelling = Object.freeze({
      labelled: Object.freeze([...next]),
      unlabelled: Object.freeze(unlabelled),
    });
    return lastLabelling;
  };
  for (const voucher of config.voucherLabels) seriesOf(voucher);
  labelled = new Set(config.voucherLabels);
  lastLabelling = Object.freeze({ labelled: Object.freeze([...labelled]), unlabelled: Object.freeze([]) });
  seriesOf(OTHER);
  // The discount of codes without a series of their own starts at 0 in the configured currencies, so the dashboard's
  // top-codes panel shows a line, not "no data", before the first order with a voucher.
  for (const currency of config.currencies) {
    voucherDiscount.inc(withConstants({ voucher: OTHER, currency: currencyLabel(currency) }), 0);
  }

  const voucherLabel = (code: string) => {
    const canonical = canonicalCode(code);
    return labelled.has(canonical) ? canonical : OTHER;
  };

  return {
    usePolicy,
    evaluated(order, effects) {
      const { vouchers } = order;
      for (let index = 0; index < vouchers.length; index++) {
        const voucher = vouchers[index]!;
        const label = voucherLabel(voucher.code);
        // An order carrying one code twice is one redemption attempt, with both discounts.
        if (!vouchers.some((other, before) => before < index && other.code === voucher.code)) {
          voucherRedemptions.inc(withConstants({ voucher: label }));
        }
        const currency = currencyLabel(order.currency);
        voucherDiscount.inc(withConstants({ voucher: label, currency }), amount(voucher.discount));
        if (label !== OTHER) {
          const currencies = discountCurrencies.get(label);
          if (currencies === undefined) discountCurrencies.set(label, new Set([currency]));
          else currencies.add(currency);
        }
      }
      for (const code of effects.tripVouchers)
        voucherVelocityTrips.inc(withConstants({ voucher: voucherLabel(code) }));
      for (const code of effects.resumeVouchers)
        voucherVelocityResumes.inc(withConstants({ voucher: voucherLabel(code) }));
    },
  };
}
