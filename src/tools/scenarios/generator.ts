// src/tools/scenarios/generator.ts
// Composes the kinds into the files `scenarios` writes: one per original incident, the combined timeline, and more.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DAYS, LEAKED_VOUCHER } from './constants';
import { checkout100 } from './kinds/checkout-100pct';
import { harbolnasDay } from './kinds/harbolnas';
import { price1000x } from './kinds/price-1000x';
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

  /** Every scenario (warm-up day, incident day with one incident; Harbolnas after both normal days) and the combined stream. */
  generate(): Record<ScenarioName | 'combined', ScenarioOrder[]> {
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
