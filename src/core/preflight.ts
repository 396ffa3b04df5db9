// src/core/preflight.ts
// Preflight: before promotions go live, the lowest price each SKU can be paid under them, against floors and zero.

import { applyBp, BASIS_POINTS, formatBp, formatMoney, ratioBp } from './money';
import { type Campaign, historySince, type Policy, referenceListPrice } from './policy';
import { describeCombination } from './preflight/format';
import { campaignLints, policyLints, voucherLints } from './preflight/lints';
import { CodeStacker, type ExactLowest, floorPrice, SCALE, type StackableCode } from './preflight/lowest';
import { relativeFindings } from './preflight/relative';
import {
  type CampaignStatus,
  type Combination,
  type FloorCheck,
  PREFLIGHT_WITHIN_MS,
  type PreflightFinding,
  type PreflightInstant,
  type PreflightOptions,
  type PreflightReport,
  type SkuPreflight,
  type WindowStart,
} from './preflight/types';
import { floorsFor, lineCapBp } from './rules/prices';
import { isActive, type LineView } from './totals';

export {
  type CatalogEntry,
  CatalogError,
  type CatalogOptions,
  type CatalogResult,
  catalogFromCsv,
  catalogFromJson,
  type PreflightCatalog,
  parseCatalog,
} from './catalog';
export { describeCombination, type FormatOptions, formatPreflight } from './preflight/format';
export * from './preflight/types';
export { parseWithin, WITHIN_MESSAGE } from './preflight/within';

const BP = BigInt(BASIS_POINTS);

/** A SKU in one currency with the list price a preflight judges it at. */
interface PricedSku {
  sku: string;
  currency: string;
  category: string | undefined;
  listPrice: number;
  from: SkuPreflight['listPriceFrom'];
}

/**
 * Every SKU and currency with a list price at `at`: a scheduled price change in force wins, then the catalog
 * option, then the policy's catalog. Sorted by SKU, then currency.
 */
function pricedSkus(policy: Policy, options: InstantOptions): PricedSku[] {
  const currencies = new Map<string, Set<string>>();
  const note = (sku: string, currency: string) => {
    const set = currencies.get(sku) ?? new Set<string>();
    set.add(currency);
    currencies.set(sku, set);
  };
  for (const [sku, prices] of Object.entries(policy.catalog))
    for (const currency in prices) note(sku, currency);
  for (const [sku, entry] of options.catalog ?? []) for (const currency in entry.prices) note(sku, currency);
  for (const change of policy.priceChanges) {
    if (change.at <= options.at) for (const currency in change.listPrice) note(change.sku, currency);
  }
  const rows: PricedSku[] = [];
  for (const sku of [...currencies.keys()].sort()) {
    const entry = options.catalog?.get(sku);
    for (const currency of [...currencies.get(sku)!].sort()) {
      const changed = historySince(policy, sku, currency, options.at) !== undefined;
      const fromCatalog = entry?.prices[currency];
      const listPrice = changed
        ? referenceListPrice(policy, sku, currency, options.at)
        : (fromCatalog ?? policy.catalog[sku]?.[currency]);
      if (listPrice === undefined) continue;
      const from = changed ? 'priceChange' : fromCatalog !== undefined ? 'catalog' : 'policy';
      rows.push({ sku, currency, category: entry?.category, listPrice, from });
    }
  }
  return rows;
}

/** The codes usable at `at` whose discount is declared in `currency`, as the search needs them. */
function stackableCodes(policy: Policy, currency: string, at: number): StackableCode[] {
  const codes: StackableCode[] = [];
  for (const [code, terms] of Object.entries(policy.vouchers)) {
    if (!isActive(terms, at) || terms.discount === undefined) continue;
    const { discount } = terms;
    let reduced: StackableCode['discount'];
    if ('amount' in discount) {
      const amount = discount.amount[currency];
      if (amount === undefined) continue;
      reduced = { amount };
    } else reduced = { percentBp: discount.percentBp, max: discount.max?.[currency] };
    codes.push({
      code,
      minSubtotal: terms.minSubtotal?.[currency] ?? 0,
      discount: reduced,
      withCampaigns: terms.withCampaigns !== false,
      stackable: terms.stackable ?? true,
      paymentMethods: terms.paymentMethods,
      customerIds: terms.customerIds,
    });
  }
  return codes;
}

/** A line of one unit of the SKU at its list price, as the floor and cap lookups of the rules take it. */
function lineOf(row: PricedSku, campaign: Campaign | undefined): LineView {
  return {
    index: 0,
    sku: row.sku,
    category: row.category,
    quantity: 1,
    unitPrice: row.listPrice,
    listValue: row.listPrice,
    discount: 0,
    paid: row.listPrice,
    voucherShare: 0,
    netPaid: row.listPrice,
    campaign,
    reference: row.listPrice,
    free: undefined,
  };
}

/** The floor the guard's reasons would name, in words: "its floor of IDR 2,000,000", "... of 40% of its list price". */
function floorWords(floor: FloorCheck, currency: string): string {
  return floor.kind === 'absolute'
    ? `${floor.source} of ${formatMoney(floor.perUnit, currency)}`
    : `${floor.source} of ${formatBp(floor.bp!)} of its list price (${formatMoney(floor.perUnit, currency)})`;
}

/** Checks one SKU-currency row; pushes its findings. */
function checkRow(
  policy: Policy,
  row: PricedSku,
  campaign: Campaign | undefined,
  lowest: ExactLowest,
  errors: PreflightFinding[],
  warnings: PreflightFinding[],
): SkuPreflight {
  const { sku, currency, listPrice } = row;
  const money = (amount: number) => formatMoney(amount, currency);
  const price = floorPrice(lowest);
  const list = BigInt(listPrice);
  /** The exact lowest price is under `amount × share / 10,000` minor units. */
  const under = (amount: bigint, shareBp: bigint) => lowest.num * BP < amount * shareBp * lowest.den * SCALE;
  const line = lineOf(row, campaign);
  const { floors, uncovered } = floorsFor(policy, line, currency);
  const checks: FloorCheck[] = floors.map((floor) =>
    floor.kind === 'absolute'
      ? {
          kind: 'absolute',
          perUnit: floor.perUnit,
          source: floor.source,
          broken: under(BigInt(floor.perUnit), BP),
        }
      : {
          kind: 'relative',
          perUnit: applyBp(listPrice, floor.bp),
          bp: floor.bp,
          source: floor.source,
          broken: under(list, BigInt(floor.bp)),
        },
  );
  const combination: Combination = {
    campaign: lowest.campaignDiscountBp > 0 ? (campaign?.id ?? null) : null,
    campaignDiscountBp: lowest.campaignDiscountBp,
    vouchers: [...lowest.codes],
    minSubtotal: lowest.minSubtotal,
  };
  const result: SkuPreflight = {
    sku,
    currency,
    category: row.category ?? null,
    listPrice,
    listPriceFrom: row.from,
    campaign: campaign?.id ?? null,
    lowest: price,
    lowestBp: ratioBp(price, listPrice),
    combination,
    floors: checks,
    findings: [],
  };
  const how = describeCombination(combination, currency);
  const paid = `${sku} can be paid ${money(price)} a unit in ${currency} (${formatBp(result.lowestBp)} of its list price ${money(listPrice)}) ${how}`;
  const base = { sku, currency, ...(campaign ? { campaign: campaign.id } : {}) };
  const error = (finding: Omit<PreflightFinding, 'severity' | keyof typeof base>) => {
    errors.push({ severity: 'error', ...base, ...finding });
    result.findings.push(finding.code);
  };
  const warning = (finding: Omit<PreflightFinding, 'severity' | keyof typeof base>) => {
    warnings.push({ severity: 'warning', ...base, ...finding });
    result.findings.push(finding.code);
  };

  if (lowest.num === 0n) {
    error({
      code: 'free',
      message: `${sku} can be had for nothing in ${currency} (list price ${money(listPrice)}) ${how}.`,
      observed: 0,
      limit: listPrice,
      unit: 'minor',
    });
  } else {
    const broken = checks.filter((check) => check.broken);
    // The strictest floor broken: the highest exact amount (a relative floor is list × bp / 10,000).
    const strictest = broken.reduce<FloorCheck | undefined>((top, check) => {
      if (top === undefined) return check;
      const amount = (floor: FloorCheck) =>
        floor.kind === 'absolute' ? BigInt(floor.perUnit) * BP : list * BigInt(floor.bp!);
      return amount(check) > amount(top) ? check : top;
    }, undefined);
    if (strictest !== undefined) {
      error({
        code: 'below_floor',
        message: `${paid}: below ${floorWords(strictest, currency)}.${floorHint(strictest, campaign, lowest)}`,
        observed: price,
        limit: strictest.perUnit,
        unit: 'minor',
      });
    }
    const { fractionBp, minTotal } = policy.nearZeroTotal;
    const minimum = minTotal[currency];
    if (under(list, BigInt(fractionBp))) {
      error({
        code: 'near_zero',
        message: `${paid}: near zero, under ${formatBp(fractionBp)} of its list price (nearZeroTotal.fractionBp).`,
        observed: result.lowestBp,
        limit: fractionBp,
        unit: 'bp',
      });
    } else if (minimum !== undefined && minimum <= listPrice && under(BigInt(minimum), BP)) {
      error({
        code: 'near_zero',
        message: `${paid}: near zero, under the ${money(minimum)} minimum total of ${currency} orders (nearZeroTotal.minTotal).`,
        observed: price,
        limit: minimum,
        unit: 'minor',
      });
    }
  }

  if (lowest.codes.length > 0) {
    const { orderBp, orderListBp } = policy.discountCaps;
    const listCap = Math.max(orderListBp, campaign?.orderListCapBp ?? 0);
    if (
      lowest.campaignDiscountBp > 0 &&
      lowest.campaignDiscountBp <= listCap &&
      under(list, BigInt(BASIS_POINTS - listCap))
    ) {
      warning({
        code: 'stacking_over_order_list_cap',
        message: `${paid}: that is more than ${formatBp(listCap)} off list, so the guard holds such orders (discount_cap against list, discountCaps.orderListBp${campaign?.orderListCapBp !== undefined ? ` or the campaign's orderListCapBp` : ''}).`,
        observed: BASIS_POINTS - result.lowestBp,
        limit: listCap,
        unit: 'bp',
      });
    }
    if (lowest.num * BP < lowest.before * BigInt(BASIS_POINTS - orderBp) * lowest.den) {
      warning({
        code: 'stacking_over_order_cap',
        message: `${paid}: the codes take more than ${formatBp(orderBp)} off the price before them, so the guard holds such orders (discount_cap, discountCaps.orderBp).`,
        observed: BASIS_POINTS - Number((lowest.num * BP) / (lowest.before * lowest.den)),
        limit: orderBp,
        unit: 'bp',
      });
    }
  }
  if (floors.length === 0 && uncovered !== undefined) {
    warning({
      code: 'floor_currency_missing',
      message: `${sku} has an absolute floor in ${uncovered.join(', ')} but none in ${currency}: its ${currency} lines meet no floor (floorCoverage: ${policy.floorCoverage}).`,
    });
  }
  return result;
}

/** Why a floor is broken, when the policy makes it plain: a sentence that starts with a space, or nothing. */
function floorHint(floor: FloorCheck, campaign: Campaign | undefined, lowest: ExactLowest): string {
  if (campaign === undefined) return '';
  const own = floor.source.startsWith('the floor of campaign');
  if (!own && campaign.floors === undefined && campaign.floorBp === undefined) {
    return ` Campaign ${campaign.id} sets no floor of its own, so the everyday floors apply to its lines: give it floorBp or floors.`;
  }
  if (!own && campaign.regularFloors === 'keep') {
    return ` Campaign ${campaign.id} keeps the everyday floors (regularFloors: keep).`;
  }
  if (own && lowest.codes.length === 0) {
    return ` The campaign's own cap (${formatBp(lowest.campaignDiscountBp)} off) goes below its own floor.`;
  }
  return '';
}

/**
 * Preflight of a policy at an instant and ahead of it: for each SKU and currency with a list price (the policy's
 * `catalog`, its `priceChanges` in force, and the `catalog` option), the lowest price a unit can be paid under the
 * campaign that covers it and every valid stack of voucher codes, checked against the SKU's floors and near zero
 * (errors), with caps that allow a price of 0 or near it whatever the list price (errors too); plus warnings about
 * voucher codes, campaigns, exceptions and rule modes. Judged at `at` and at every instant within `within` after
 * it that `preflightInstants` names (window starts, campaign ends, price changes); a finding found at several
 * instants is reported once, naming them.
 * Pure and deterministic.
 */
export function preflight(policy: Policy, options: PreflightOptions): PreflightReport {
  const steps = preflightSteps(policy, options);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** Rows a preflight checks between two yields of `preflightSteps`: a few milliseconds of work. */
export const PREFLIGHT_ROWS_PER_STEP = 250;

/** One instant's options: the instant and the catalog. */
type InstantOptions = Pick<PreflightOptions, 'at' | 'catalog'>;

/** What one instant's judgement gives the report. */
interface InstantReport {
  rows: SkuPreflight[];
  covering: Map<string, number>;
  stacked: Set<string>;
  errors: PreflightFinding[];
  warnings: PreflightFinding[];
}

/** An instant a preflight judges, with what happens then. */
type JudgedInstant = { at: number; starts: WindowStart[]; ends?: WindowStart[]; priceChanges?: string[] };

/**
 * The instants a preflight judges: `at`, then each instant in (`at`, `at` + `within`] at which the lowest price a
 * SKU can be paid or the floor it is judged against can change, ascending, with what happens then: the start of a
 * campaign or voucher window, the end of a campaign (its SKUs go back to their list price, or another campaign's,
 * and to the everyday floors, while codes may still be valid), and a scheduled price change. The end of a voucher
 * window is not one: it only takes codes away, so no price falls and no floor changes then.
 */
export function preflightInstants(policy: Policy, at: number, within: number): JudgedInstant[] {
  const ahead = new Map<number, JudgedInstant>();
  const instant = (when: number | undefined) => {
    if (when === undefined || when <= at || when > at + within) return undefined;
    let found = ahead.get(when);
    if (found === undefined) {
      found = { at: when, starts: [] };
      ahead.set(when, found);
    }
    return found;
  };
  for (const campaign of policy.campaigns)
    instant(campaign.startsAt)?.starts.push({ kind: 'campaign', id: campaign.id });
  for (const [code, terms] of Object.entries(policy.vouchers))
    instant(terms.startsAt)?.starts.push({ kind: 'voucher', id: code });
  for (const campaign of policy.campaigns) {
    const end = instant(campaign.endsAt);
    if (end === undefined) continue;
    end.ends ??= [];
    end.ends.push({ kind: 'campaign', id: campaign.id });
  }
  // A repricing may change thousands of SKUs at once: each is named once, in the order the policy lists them.
  const changed = new Map<number, Set<string>>();
  for (const change of policy.priceChanges) {
    const effective = instant(change.at);
    if (effective === undefined) continue;
    const skus = changed.get(change.at) ?? new Set<string>();
    skus.add(change.sku);
    changed.set(change.at, skus);
  }
  for (const [when, skus] of changed) ahead.get(when)!.priceChanges = [...skus];
  return [{ at, starts: [] }, ...[...ahead.values()].sort((a, b) => a.at - b.at)];
}

/** What makes two findings the same finding, whatever the instant. */
function findingKey(finding: PreflightFinding): string {
  const { severity, code, sku, currency, campaign, voucher, message, observed, limit, unit } = finding;
  return JSON.stringify([severity, code, sku, currency, campaign, voucher, message, observed, limit, unit]);
}

/**
 * The same preflight in steps: yields the number of rows checked so far after every `PREFLIGHT_ROWS_PER_STEP` of
 * each instant, and returns the report. A server runs it a step at a time so that a catalog of 100,000 SKUs never
 * stalls the checkout for seconds; `preflight` runs it through.
 */
export function* preflightSteps(
  policy: Policy,
  options: PreflightOptions,
): Generator<number, PreflightReport, void> {
  const { at } = options;
  const within = options.within ?? PREFLIGHT_WITHIN_MS;
  if (!Number.isSafeInteger(within) || within < 0) {
    throw new RangeError(
      `preflight option "within" must be a whole number of milliseconds, 0 or more (0: the instant "at" only), got ${String(within)}`,
    );
  }
  const catalog = options.catalog ? { catalog: options.catalog } : {};
  const findings = new Map<string, PreflightFinding & { instants: string[] }>();
  const atBase = new Set<string>();
  const instants: PreflightInstant[] = [];
  const checked = new Set<string>();
  const stacked = new Set<string>();
  let base: InstantReport | undefined;
  let done = 0;
  let conflictAhead: string | null = null;
  for (const instant of preflightInstants(policy, at, within)) {
    const iso = new Date(instant.at).toISOString();
    const steps = judgeAt(policy, { at: instant.at, ...catalog });
    let step = steps.next();
    for (; !step.done; step = steps.next()) yield done + step.value;
    const judged = step.value;
    done += judged.rows.length;
    base ??= judged;
    for (const campaign of policy.campaigns) if (isActive(campaign, instant.at)) checked.add(campaign.id);
    for (const code of judged.stacked) stacked.add(code);
    for (const finding of [...judged.errors, ...judged.warnings]) {
      const key = findingKey(finding);
      const known = findings.get(key);
      if (known !== undefined) known.instants.push(iso);
      else findings.set(key, { ...finding, instants: [iso] });
      if (instant.at === at) atBase.add(key);
      else if (finding.severity === 'error' && !atBase.has(key)) conflictAhead ??= iso;
    }
    instants.push({
      at: iso,
      starts: instant.starts,
      ...(instant.ends ? { ends: instant.ends } : {}),
      ...(instant.priceChanges ? { priceChanges: instant.priceChanges } : {}),
      errors: judged.errors.length,
      warnings: judged.warnings.length,
    });
  }
  const { rows, covering } = base!;
  const all = [...findings.values()];
  const errors = all.filter((finding) => finding.severity === 'error');
  const warnings = all.filter((finding) => finding.severity === 'warning');
  const campaigns: CampaignStatus[] = policy.campaigns.map((campaign) => ({
    id: campaign.id,
    active: isActive(campaign, at),
    checked: checked.has(campaign.id),
    startsAt: new Date(campaign.startsAt).toISOString(),
    endsAt: new Date(campaign.endsAt).toISOString(),
    rows: covering.get(campaign.id) ?? 0,
  }));
  return {
    at: new Date(at).toISOString(),
    until: new Date(at + within).toISOString(),
    instants,
    conflictAhead,
    ok: errors.length === 0,
    summary: {
      skus: new Set(rows.map((row) => row.sku)).size,
      rows: rows.length,
      errors: errors.length,
      warnings: warnings.length,
    },
    campaigns,
    vouchersStacked: [...stacked].sort(),
    skus: rows,
    errors,
    warnings,
  };
}

/** Judges the policy at one instant, a step at a time. */
function* judgeAt(policy: Policy, options: InstantOptions): Generator<number, InstantReport, void> {
  const { at } = options;
  const errors: PreflightFinding[] = [];
  const warnings: PreflightFinding[] = [];
  const stackers = new Map<string, CodeStacker>();
  const stackerFor = (currency: string) => {
    let stacker = stackers.get(currency);
    if (stacker === undefined) {
      stacker = new CodeStacker(stackableCodes(policy, currency, at));
      stackers.set(currency, stacker);
    }
    return stacker;
  };
  const active = policy.campaigns.filter(
    (campaign) => isActive(campaign, at) && (campaign.skus || campaign.categories),
  );
  // What each active campaign covers, as sets: a campaign may name tens of thousands of SKUs, and every row asks.
  const reach = active.map((campaign) => ({
    campaign,
    skus: new Set(campaign.skus ?? []),
    categories: new Set(campaign.categories ?? []),
  }));
  const covers = (entry: (typeof reach)[number], row: PricedSku) =>
    entry.skus.has(row.sku) || (row.category !== undefined && entry.categories.has(row.category));
  const covering = new Map<string, number>();
  const shadowed = new Map<string, { campaign: Campaign; winner: Campaign; skus: Set<string> }>();
  const rows: SkuPreflight[] = [];
  for (const row of pricedSkus(policy, options)) {
    // The first listed active campaign that covers the line, as campaignFor (totals.ts) finds it.
    const campaign = reach.find((entry) => covers(entry, row))?.campaign;
    if (campaign !== undefined) {
      covering.set(campaign.id, (covering.get(campaign.id) ?? 0) + 1);
      for (const candidate of reach) {
        const other = candidate.campaign;
        if (other === campaign || !covers(candidate, row)) continue;
        const key = `${other.id}\n${campaign.id}`;
        const entry = shadowed.get(key) ?? { campaign: other, winner: campaign, skus: new Set<string>() };
        entry.skus.add(row.sku);
        shadowed.set(key, entry);
      }
    }
    const campaignBp = campaign === undefined ? 0 : lineCapBp(policy, lineOf(row, campaign));
    const lowest = stackerFor(row.currency).lowest(row.listPrice, campaignBp);
    rows.push(checkRow(policy, row, campaign, lowest, errors, warnings));
    if (rows.length % PREFLIGHT_ROWS_PER_STEP === 0) yield rows.length;
  }

  errors.push(...relativeFindings(policy, at, rows));
  const currencies = [...new Set(rows.map((row) => row.currency))].sort();
  warnings.push(
    ...campaignLints(policy, at, rows, covering, [...shadowed.values()]),
    ...voucherLints(policy, at, currencies),
    ...policyLints(policy, at),
  );
  const stacked = new Set<string>();
  for (const currency of currencies) for (const code of stackerFor(currency).codes) stacked.add(code.code);
  return { rows, covering, stacked, errors, warnings };
}
