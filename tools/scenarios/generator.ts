// tools/scenarios/generator.ts
// Composes the kinds into the files `scenarios` writes: one per original incident, the combined timeline, and more.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DAYS, LEAKED_VOUCHER } from './constants';
import { bulkOrders } from './kinds/bulk-orders';
import { checkout100 } from './kinds/checkout-100pct';
import { codeCombination } from './kinds/code-combination';
import { flashSale } from './kinds/flash-sale';
import { harbolnasDay } from './kinds/harbolnas';
import { markdown } from './kinds/markdown';
import { newSku } from './kinds/new-sku';
import { openCodeLeak } from './kinds/open-code-leak';
import { overchargeBurst } from './kinds/overcharge-burst';
import { price1000x } from './kinds/price-1000x';
import { priceDrift } from './kinds/price-drift';
import { priceIncrease } from './kinds/price-increase';
import { publicCode } from './kinds/public-code';
import { stackedDiscounts } from './kinds/stacked-discounts';
import { tamperedTotals } from './kinds/tampered-total';
import { voucherLeak } from './kinds/voucher-leak';
import type { ScenarioOrder } from './orders';
import { type ScenarioOptions, World } from './world';

/** The scenarios the generator writes, each to its own file (besides `combined`). */
export const SCENARIO_NAMES = [
  'checkout-100pct',
  'voucher-leak',
  'price-1000x',
  'tampered-total',
  'harbolnas',
] as const;

/** The name of one scenario. */
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

/**
 * The kinds of the `general` stream, in the order they are laid over its two days: the ones that add orders first,
 * then the ones that change prices of orders already there (a flash sale, a markdown, an overcharge). An order two
 * of them change belongs to the later one (see `claim`): the unannounced change, which is the harder case.
 */
export const GENERAL_KINDS = [
  priceIncrease,
  newSku,
  publicCode,
  stackedDiscounts,
  openCodeLeak,
  bulkOrders,
  flashSale,
  markdown,
  overchargeBurst,
] as const;

/**
 * The incidents (glitch) and legitimate hard cases of the `general` stream, each its own incident name in the
 * report. The overcharge and new-SKU incidents also hold legit orders: those after the fix.
 */
export const GENERAL_INCIDENTS = {
  glitch: [
    'overcharge-burst',
    'stacked-discounts',
    'open-code-leak',
    'new-sku-declared',
    'new-sku-undeclared',
  ],
  legit: ['markdown', 'price-increase', 'public-code-launch', 'flash-sale', 'bulk-orders'],
} as const;

/** Generates every scenario and the combined stream, all time-ordered. */
export class ScenarioGenerator extends World {
  /** Incident 1 over `base`: see kinds/checkout-100pct.ts. */
  checkout100(base: ScenarioOrder[]): ScenarioOrder[] {
    return checkout100(this, base);
  }

  /** Incident 2 over `base`: see kinds/voucher-leak.ts. */
  voucherLeak(base: ScenarioOrder[]): ScenarioOrder[] {
    return voucherLeak(this, base);
  }

  /** Incident 3 over `base`: see kinds/price-1000x.ts. */
  price1000x(base: ScenarioOrder[]): ScenarioOrder[] {
    return price1000x(this, base);
  }

  /** Incident 4 over `base`: see kinds/tampered-total.ts. */
  tamperedTotals(base: ScenarioOrder[]): ScenarioOrder[] {
    return tamperedTotals(this, base);
  }

  /** Scenario 5, 11.11 alone: see kinds/harbolnas.ts. */
  harbolnasDay(retired: readonly string[] = []): ScenarioOrder[] {
    return harbolnasDay(this, retired);
  }

  /**
   * The general shapes of issue 13 on one timeline over the warm-up day and the incident day: an overcharge burst,
   * stacked discounts, an open code leaking gradually, new SKUs mispriced from their first sale, and beside them
   * the legitimate hard cases (an unannounced markdown, declared price increases, a public code's launch spike, a
   * flash sale, bulk orders). `examples/policy.general.yaml` is the policy a shop would write for it.
   */
  general(base?: ScenarioOrder[]): ScenarioOrder[] {
    let orders = base ?? [...this.normalDay(DAYS.warmup, 'd1109'), ...this.normalDay(DAYS.incident, 'd1110')];
    for (const kind of GENERAL_KINDS) orders = kind(this, orders);
    return orders;
  }

  /** A repricer walking a popular SKU's price down in small steps on the incident day: see kinds/price-drift.ts. */
  priceDrift(base?: ScenarioOrder[]): ScenarioOrder[] {
    return priceDrift(this, base ?? this.normalDays());
  }

  /** The same repricer walking the price up in small steps: see kinds/price-drift.ts. */
  priceRise(base?: ScenarioOrder[]): ScenarioOrder[] {
    return priceDrift(this, base ?? this.normalDays(), 'up');
  }

  /** A popular code abused in one combination while its normal use goes on: see kinds/code-combination.ts. */
  codeCombination(base?: ScenarioOrder[]): ScenarioOrder[] {
    return codeCombination(this, base ?? this.normalDays());
  }

  /** The warm-up day and the incident day of normal traffic. */
  normalDays(): ScenarioOrder[] {
    return [...this.normalDay(DAYS.warmup, 'd1109'), ...this.normalDay(DAYS.incident, 'd1110')];
  }

  /**
   * Every scenario (warm-up day, incident day with one incident; Harbolnas after both normal days), the combined
   * stream of the original incidents, the general stream, and the streams of issue 23's kinds.
   */
  generate(): Record<
    ScenarioName | 'combined' | 'general' | 'price-drift' | 'price-rise' | 'code-combination',
    ScenarioOrder[]
  > {
    const warmup = this.normalDay(DAYS.warmup, 'd1109');
    const day = this.normalDay(DAYS.incident, 'd1110');
    const base = [...warmup, ...day];
    const harbolnas = this.harbolnasDay();
    // After the leak the shop withdrew the code, so it is not used on 11.11 in the combined stream.
    const harbolnasAfterLeak = this.harbolnasDay([LEAKED_VOUCHER]);
    const combined = this.tamperedTotals(this.price1000x(this.voucherLeak(this.checkout100(base))));
    return {
      'checkout-100pct': this.checkout100(base),
      'voucher-leak': this.voucherLeak(base),
      'price-1000x': this.price1000x(base),
      'tampered-total': this.tamperedTotals(base),
      harbolnas: [...base, ...harbolnas],
      combined: [...combined, ...harbolnasAfterLeak],
      general: this.general(base),
      'price-drift': this.priceDrift(base),
      'price-rise': this.priceRise(base),
      'code-combination': this.codeCombination(base),
    };
  }
}

/** One NDJSON document of a stream. */
export function toNdjson(orders: readonly ScenarioOrder[]): string {
  let out = '';
  for (const order of orders) out += `${JSON.stringify(order)}\n`;
  return out;
}

/** Writes every scenario to `<dir>/<name>.ndjson`; returns the files and their order counts. */
export function writeScenarios(
  dir: string,
  options: ScenarioOptions = {},
): Array<{ file: string; orders: number }> {
  mkdirSync(dir, { recursive: true });
  const written: Array<{ file: string; orders: number }> = [];
  for (const [name, orders] of Object.entries(new ScenarioGenerator(options).generate())) {
    const file = join(dir, `${name}.ndjson`);
    writeFileSync(file, toNdjson(orders));
    written.push({ file, orders: orders.length });
  }
  return written;
}
