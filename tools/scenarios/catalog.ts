// tools/scenarios/catalog.ts
// The synthetic shop's catalog: log-normal prices, Zipf-like popularity, and a weighted picker over it.

import { MISPRICED_PRICE, MISPRICED_SKU } from './constants';
import { roundDown } from './orders';
import type { Random } from './random';

/** One SKU of the catalog. */
export interface Sku {
  sku: string;
  price: number;
  category: string;
  /** Relative popularity. */
  weight: number;
}

/** The categories SKUs are spread over. */
export const CATEGORIES = ['fashion', 'beauty', 'electronics', 'home', 'sports', 'kids', 'grocery', 'bags'];

/** `count` SKUs priced around IDR 150,000 (most popular first), plus the tote bag of the 1000x incident. */
export function buildCatalog(random: Random, count: number): Sku[] {
  const catalog: Sku[] = [];
  for (let index = 0; index < count; index++) {
    // Log-normal prices around IDR 150,000, rounded to IDR 1,000 the way shops price.
    const price = Math.max(10_000, roundDown(150_000 * Math.exp(0.9 * random.normal()), 1000) - 100);
    catalog.push({
      sku: `SKU-${String(index + 1).padStart(4, '0')}`,
      price,
      category: random.pick(CATEGORIES),
      weight: 1 / (index + 5), // Zipf-like popularity
    });
  }
  // The tote bag of the 1000x incident: expensive, and popular enough to have history.
  catalog.push({ sku: MISPRICED_SKU, price: MISPRICED_PRICE, category: 'bags', weight: 0.08 });
  return catalog;
}

/** Picks SKUs in proportion to their weight (binary search over the cumulative weights). */
export class Picker {
  private readonly cumulative: number[] = [];
  private readonly total: number;

  constructor(readonly items: readonly Sku[]) {
    let sum = 0;
    for (const item of items) {
      sum += item.weight;
      this.cumulative.push(sum);
    }
    this.total = sum;
  }

  /** One SKU, by weight. */
  pick(random: Random): Sku {
    const target = random.next() * this.total;
    let low = 0;
    let high = this.cumulative.length - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (this.cumulative[middle]! < target) low = middle + 1;
      else high = middle;
    }
    return this.items[low]!;
  }
}
