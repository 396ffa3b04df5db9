// src/core/preflight/types.ts
// The preflight report: per SKU and currency the lowest price the promotions allow, and the findings.

import type { PreflightCatalog } from '../catalog';

/** What a preflight is asked. */
export interface PreflightOptions {
  /** The instant the policy is judged at (epoch milliseconds): campaigns, vouchers and price changes in force then. */
  at: number;
  /**
   * List prices to check besides the policy's `catalog`: for the SKU and currency it names, a catalog entry wins
   * over the policy's `catalog`, and a scheduled price change in force at `at` wins over both. Defaults to none.
   */
  catalog?: PreflightCatalog;
  /**
   * How far to look ahead of `at`, in milliseconds: the start of every campaign and voucher window in
   * (`at`, `at` + `within`] is judged too, so a sale being prepared for next week is checked today. 0 judges `at`
   * only. Defaults to `PREFLIGHT_WITHIN_MS` (7 days).
   */
  within?: number;
}

/** How far a preflight looks ahead by default: 7 days, in milliseconds. */
export const PREFLIGHT_WITHIN_MS = 7 * 24 * 60 * 60 * 1000;

/** A window that starts at an instant a preflight judges. */
export interface WindowStart {
  kind: 'campaign' | 'voucher';
  /** The campaign's id or the voucher's code. */
  id: string;
}

/**
 * One instant a preflight judged: the base instant (`at`), the start of campaign or voucher windows, the end of
 * campaigns, or scheduled price changes.
 */
export interface PreflightInstant {
  /** ISO 8601 UTC. */
  at: string;
  /** The windows that start then; empty for the base instant. */
  starts: WindowStart[];
  /** The campaigns that end then (judged as over: their SKUs at their list price or another campaign's); absent when none. */
  ends?: WindowStart[];
  /** The SKUs whose scheduled price change (`priceChanges`) takes effect then; absent when none. */
  priceChanges?: string[];
  /** Errors found at this instant (each may be found at others too). */
  errors: number;
  /** Warnings found at this instant. */
  warnings: number;
}

/**
 * Findings that fail a preflight: a price under a floor, near zero, or nothing at all. `free` and `near_zero` are
 * also found without a list price, for a campaign or a stack of codes whose caps allow it whatever the price: then
 * they name the campaign or the codes, and no SKU.
 */
export const PREFLIGHT_ERROR_CODES = ['below_floor', 'near_zero', 'free'] as const;

/** Findings that are worth a look but do not fail a preflight (unless the caller is strict). */
export const PREFLIGHT_WARNING_CODES = [
  /** A code without `maxUses`: nothing limits how many times it is redeemed in all. */
  'voucher_uncapped',
  /** A code without `maxUsesPerCustomer`: one shopper can redeem it again and again. */
  'voucher_no_customer_cap',
  /** A code without a `budget`: nothing limits the money it gives away. */
  'voucher_no_budget',
  /** A code that looks meant for a few (a deep discount, or a note that says so) but has no eligibility terms. */
  'voucher_unrestricted',
  /** A code that declares no `discount` in a currency priced here: preflight cannot tell what it takes off. */
  'voucher_discount_undeclared',
  /** A campaign without `lineDiscountCapBp`: its depth is the regular line cap. */
  'campaign_no_line_cap',
  /** A campaign deeper than the order cap against list that applies to it: its own prices would be held. */
  'campaign_over_order_list_cap',
  /** A campaign whose own floor is above the price its line cap allows: its own prices would be held. */
  'campaign_floor_above_cap',
  /** A campaign that covers a SKU another campaign, listed first, already sets the price of. */
  'campaign_shadowed',
  /** An active campaign none of whose SKUs has a list price here: its prices were not checked. */
  'campaign_unchecked',
  /** Vouchers stacked on a campaign price take more off list than the order cap against list lets through. */
  'stacking_over_order_list_cap',
  /** Vouchers take more off the price before them than the order cap (`discountCaps.orderBp`) lets through. */
  'stacking_over_order_cap',
  /** A SKU with absolute floors in other currencies only: its lines in this one meet no absolute floor. */
  'floor_currency_missing',
  /** An active exception waives a rule preflight relies on: the orders it matches are not bounded. */
  'exception_waives',
  /** Rules preflight relies on are off or in shadow mode: the guard would not hold what they find. */
  'rule_not_enforced',
] as const;

/** A finding that fails a preflight. */
export type PreflightErrorCode = (typeof PREFLIGHT_ERROR_CODES)[number];
/** A finding that does not fail a preflight unless strict. */
export type PreflightWarningCode = (typeof PREFLIGHT_WARNING_CODES)[number];

/** One finding: what is wrong, where, in words and in numbers. */
export interface PreflightFinding {
  severity: 'error' | 'warning';
  code: PreflightErrorCode | PreflightWarningCode;
  /** One sentence for people, naming the SKU, campaign or code, the amounts and the field to change. */
  message: string;
  sku?: string;
  currency?: string;
  campaign?: string;
  voucher?: string;
  /** The amount found (minor units) or share of list (basis points), as `unit` says. */
  observed?: number;
  /** The limit it was compared with, in the same unit. */
  limit?: number;
  unit?: 'minor' | 'bp';
  /**
   * The instants (ISO 8601 UTC, ascending) at which it is found: a finding found the same at several instants is
   * reported once. Set on every finding of a report.
   */
  instants?: string[];
}

/** A floor that applies to a SKU's lines, as the guard's below_floor rule sees it. */
export interface FloorCheck {
  kind: 'absolute' | 'relative';
  /** The lowest unit price it lets through, in minor units (a relative floor: its share of the list price). */
  perUnit: number;
  /** A relative floor's share of the list price, in basis points. */
  bp?: number;
  /** Where it comes from, in the words of the guard's reasons: "its floor", "the floor of campaign flash". */
  source: string;
  /** True when the lowest price is under it. */
  broken: boolean;
}

/** The promotions that reach the lowest price: the campaign price (or none) and the codes stacked on it. */
export interface Combination {
  /** The campaign whose price the line is at, or null at the list price. */
  campaign: string | null;
  /** The campaign discount taken, in basis points of list (the campaign's deepest). 0 at the list price. */
  campaignDiscountBp: number;
  /** The voucher codes stacked on the line, largest share first. */
  vouchers: string[];
  /**
   * The smallest order subtotal the codes need (their largest `minSubtotal`), when it is more than the line alone:
   * the rest of the order is other goods, which share the codes' discount pro rata. Null when the line alone will do.
   */
  minSubtotal: number | null;
}

/** One SKU in one currency. */
export interface SkuPreflight {
  sku: string;
  currency: string;
  /** The SKU's category, when the catalog says it; null otherwise (the lines are taken as sent without one). */
  category: string | null;
  /** The list price judged against, in minor units. */
  listPrice: number;
  /** Where the list price comes from: a scheduled price change in force, the catalog option, the policy catalog. */
  listPriceFrom: 'priceChange' | 'catalog' | 'policy';
  /** The active campaign that covers the SKU's lines (its floors apply even at the list price), or null. */
  campaign: string | null;
  /**
   * The lowest price a unit can be paid, in minor units, rounded down: no line of this SKU that stays within the
   * promotions' terms pays less per unit.
   */
  lowest: number;
  /** `lowest` as a share of the list price, in basis points (rounded down). */
  lowestBp: number;
  /** How the lowest price is reached. */
  combination: Combination;
  /** Every floor that applies to the SKU's lines, and whether the lowest price breaks it. */
  floors: FloorCheck[];
  /** Codes of the findings about this row. */
  findings: Array<PreflightErrorCode | PreflightWarningCode>;
}

/** A campaign and whether it was judged. */
export interface CampaignStatus {
  id: string;
  /** Active at the preflight's base instant (`at`). */
  active: boolean;
  /** Active at one of the instants judged (the base instant, or a window start ahead): its prices were checked. */
  checked: boolean;
  startsAt: string;
  endsAt: string;
  /** SKU-currency rows whose lines it covers. */
  rows: number;
}

/** The whole preflight. */
export interface PreflightReport {
  /** The base instant judged, ISO 8601 UTC. */
  at: string;
  /** The end of the look-ahead (`at` + `within`), ISO 8601 UTC: instants up to it were judged. */
  until: string;
  /** Every instant judged, ascending: the base instant first, then each window start, campaign end or price change ahead. */
  instants: PreflightInstant[];
  /**
   * The earliest instant after `at` at which an error is found that is not found at `at` (a conflict still to
   * come), ISO 8601 UTC; null when there is none.
   */
  conflictAhead: string | null;
  /** True when there is no error at any instant judged. */
  ok: boolean;
  summary: {
    /** Distinct SKUs with at least one list price. */
    skus: number;
    /** SKU-currency rows checked at the base instant. */
    rows: number;
    errors: number;
    warnings: number;
  };
  campaigns: CampaignStatus[];
  /** Voucher codes usable at an instant judged whose discount is declared, so they were stacked. */
  vouchersStacked: string[];
  /** Every SKU-currency row at the base instant, sorted by SKU then currency. */
  skus: SkuPreflight[];
  /** Errors at any instant judged, each once, with the instants it is found at. */
  errors: PreflightFinding[];
  /** Warnings at any instant judged, each once, with the instants it is found at. */
  warnings: PreflightFinding[];
}
