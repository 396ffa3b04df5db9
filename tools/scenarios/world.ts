// tools/scenarios/world.ts
// The synthetic shop every scenario starts from: its catalog and shoppers, and normal days of legitimate traffic.

import { buildCatalog, Picker, type Sku } from './catalog';
import {
  BANK_X_METHODS,
  HARBOLNAS,
  LEAKED_VOUCHER,
  MINUTE,
  NORMAL_CURVE,
  PAYMENT_METHODS,
  REGULAR_VOUCHERS,
} from './constants';
import {
  assemble,
  type LineDraft,
  roundDown,
  type ScenarioOrder,
  type Shopper,
  subtotalOf,
  type VoucherDraft,
} from './orders';
import { Random } from './random';

/** Options of the generator. */
export interface ScenarioOptions {
  /** Seed of the PRNG: the same seed gives byte-identical streams. Defaults to 20260111. */
  seed?: number;
  /** Orders on a normal day (Harbolnas has ten times as many). Defaults to 3,000. */
  ordersPerDay?: number;
  /** Minutes of mass use of the leaked voucher. Defaults to 30. */
  leakMinutes?: number;
  /** Leaked-voucher orders per minute at the height of mass use. Defaults to 200. */
  leakPerMinute?: number;
  /** Number of SKUs in the catalog. Defaults to 400. */
  skus?: number;
}

/** Arrival times of a Poisson process whose per-hour rate follows `curve`, scaled to `orders` a day. */
export function arrivals(
  random: Random,
  dayStart: number,
  orders: number,
  curve: readonly number[],
): number[] {
  const sum = curve.reduce((a, b) => a + b, 0);
  const times: number[] = [];
  for (let minute = 0; minute < 24 * 60; minute++) {
    const mean = (orders * curve[Math.floor(minute / 60)]!) / sum / 60;
    const count = random.poisson(mean);
    for (let i = 0; i < count; i++)
      times.push(dayStart + minute * MINUTE + Math.floor(random.next() * MINUTE));
  }
  return times.sort((a, b) => a - b);
}

/**
 * Arrival times of a Poisson process over `minutes` minutes from `start`, at `rate(minute)` orders per minute.
 */
export function poissonTimes(
  random: Random,
  start: number,
  minutes: number,
  rate: (minute: number) => number,
): number[] {
  const times: number[] = [];
  for (let minute = 0; minute < minutes; minute++) {
    const count = random.poisson(Math.max(0, rate(minute)));
    for (let i = 0; i < count; i++) times.push(start + minute * MINUTE + Math.floor(random.next() * MINUTE));
  }
  return times.sort((a, b) => a - b);
}

/** The regular vouchers an order keeps once its lines change: their minimum purchase must still be met. */
export function stillEligible<V extends { code: string }>(
  vouchers: readonly V[],
  subtotal: number,
  retired: readonly string[] = [],
): V[] {
  return vouchers.filter((voucher) => {
    if (retired.includes(voucher.code)) return false;
    const terms = REGULAR_VOUCHERS[voucher.code as keyof typeof REGULAR_VOUCHERS];
    return terms === undefined || subtotal >= terms.minSubtotal;
  });
}

/** The shop: catalog, shoppers and normal traffic. Every incident kind draws from it. */
export class World {
  readonly seed: number;
  readonly ordersPerDay: number;
  readonly leakMinutes: number;
  readonly leakPerMinute: number;
  readonly catalog: Sku[];
  readonly picker: Picker;

  constructor(options: ScenarioOptions = {}) {
    this.seed = options.seed ?? 20260111;
    this.ordersPerDay = options.ordersPerDay ?? 3000;
    this.leakMinutes = options.leakMinutes ?? 30;
    this.leakPerMinute = options.leakPerMinute ?? 200;
    this.catalog = buildCatalog(Random.seeded(this.seed, 'catalog'), options.skus ?? 400);
    this.picker = new Picker(this.catalog);
  }

  /** The random stream of one scenario or day, derived from the seed. */
  random(stream: string): Random {
    return Random.seeded(this.seed, stream);
  }

  /** The SKUs the Harbolnas campaign lists. */
  get harbolnasSkus(): string[] {
    return this.catalog.slice(0, HARBOLNAS.listedSkus).map((sku) => sku.sku);
  }

  /** A shopper: one of 20,000 customers (every tenth is new), paying any way. */
  shopper(random: Random): Shopper {
    const id = random.int(1, 20_000);
    return {
      customerId: `cust-${String(id).padStart(5, '0')}`,
      customerSegments: id % 10 === 0 ? ['new'] : [],
      paymentMethod: random.pick(PAYMENT_METHODS),
    };
  }

  /** The lines of a normal basket: one to five SKUs by popularity, usual quantities and discounts. */
  lines(random: Random): LineDraft[] {
    const count = random.chance(0.55) ? 1 : random.chance(0.6) ? 2 : random.int(3, 5);
    const lines: LineDraft[] = [];
    const seen = new Set<string>();
    for (let i = 0; i < count; i++) {
      const item = this.picker.pick(random);
      if (seen.has(item.sku)) continue;
      seen.add(item.sku);
      const quantity = random.chance(0.85) ? 1 : random.int(2, 3);
      // Normal discounts: none on about half the lines, otherwise 5-50% in steps of 5, rounded down to IDR 100.
      const percent = random.chance(0.5) ? 0 : 5 * random.int(1, 10);
      const discount = roundDown((item.price * quantity * percent) / 100, 100);
      lines.push({ sku: item.sku, quantity, unitPrice: item.price, discount, category: item.category });
    }
    return lines;
  }

  /** A shipping fee, free on a fifth of orders (up to IDR 20,000). */
  shipping(random: Random): { shipping: number; shippingDiscount: number } {
    const shipping = 1000 * random.int(9, 35);
    return { shipping, shippingDiscount: random.chance(0.2) ? Math.min(shipping, 20_000) : 0 };
  }

  /** The vouchers a legitimate shopper applies: only those whose terms the order meets. */
  regularVouchers(random: Random, shopper: Shopper, subtotal: number): VoucherDraft[] {
    const vouchers: VoucherDraft[] = [];
    const hemat = REGULAR_VOUCHERS.HEMAT10;
    if (subtotal >= hemat.minSubtotal && random.chance(0.03)) {
      vouchers.push({ code: 'HEMAT10', discount: Math.min(hemat.max, roundDown(subtotal / 10, 100)) });
    } else if (
      shopper.customerSegments.includes('new') &&
      subtotal >= REGULAR_VOUCHERS.NEWUSER25.minSubtotal &&
      random.chance(0.2)
    ) {
      vouchers.push({ code: 'NEWUSER25', discount: REGULAR_VOUCHERS.NEWUSER25.amount });
    } else if (
      BANK_X_METHODS.includes(shopper.paymentMethod) &&
      subtotal >= REGULAR_VOUCHERS[LEAKED_VOUCHER].minSubtotal &&
      random.chance(0.25)
    ) {
      vouchers.push({ code: LEAKED_VOUCHER, discount: REGULAR_VOUCHERS[LEAKED_VOUCHER].amount });
    }
    return vouchers;
  }

  /** A legitimate order at `at`. */
  normalOrder(random: Random, orderId: string, at: number): ScenarioOrder {
    const shopper = this.shopper(random);
    if (random.chance(0.08)) shopper.paymentMethod = random.pick(BANK_X_METHODS);
    const lines = this.lines(random);
    const subtotal = subtotalOf(lines);
    const vouchers = this.regularVouchers(random, shopper, subtotal);
    const { shipping, shippingDiscount } = this.shipping(random);
    return assemble(orderId, at, shopper, lines, vouchers, shipping, shippingDiscount, 'legit');
  }

  /**
   * A legitimate order with one line of `item` (usually one unit, a usual discount), sometimes with another SKU
   * from the catalog, paying however the shopper likes, with the regular vouchers it qualifies for.
   */
  orderOf(
    random: Random,
    orderId: string,
    at: number,
    item: { sku: string; price: number; category: string },
  ): ScenarioOrder {
    const shopper = this.shopper(random);
    const quantity = random.chance(0.85) ? 1 : random.int(2, 3);
    const percent = random.chance(0.6) ? 0 : 5 * random.int(1, 6);
    const lines: LineDraft[] = [
      {
        sku: item.sku,
        quantity,
        unitPrice: item.price,
        discount: roundDown((item.price * quantity * percent) / 100, 100),
        category: item.category,
      },
    ];
    if (random.chance(0.3)) {
      const other = this.picker.pick(random);
      if (other.sku !== item.sku) {
        lines.push({
          sku: other.sku,
          quantity: 1,
          unitPrice: other.price,
          discount: 0,
          category: other.category,
        });
      }
    }
    const vouchers = this.regularVouchers(random, shopper, subtotalOf(lines));
    const { shipping, shippingDiscount } = this.shipping(random);
    return assemble(orderId, at, shopper, lines, vouchers, shipping, shippingDiscount, 'legit');
  }

  /**
   * Lines of distinct SKUs (one unit each, from `picker`, by default the whole catalog) until they list at
   * `minimum` or more, at most six lines; `percent` (drawn per line) discounts each.
   */
  basket(
    random: Random,
    minimum: number,
    percent: () => number = () => 0,
    picker = this.picker,
  ): LineDraft[] {
    const lines: LineDraft[] = [];
    let listed = 0;
    for (let tries = 0; listed < minimum && lines.length < 6 && tries < 50; tries++) {
      const item = picker.pick(random);
      if (lines.some((line) => line.sku === item.sku)) continue;
      const discount = roundDown((item.price * percent()) / 100, 100);
      lines.push({ sku: item.sku, quantity: 1, unitPrice: item.price, discount, category: item.category });
      listed += item.price;
    }
    return lines;
  }

  /**
   * Distinct SKUs of the catalog among the `top` most popular, none of `excluded` categories or SKUs, drawn with
   * `random`: the SKUs an unannounced incident strikes.
   */
  popularSkus(random: Random, count: number, top: number, excluded: readonly string[] = []): Sku[] {
    const candidates = this.catalog
      .slice(0, top)
      .filter((item) => !excluded.includes(item.category) && !excluded.includes(item.sku));
    const chosen: Sku[] = [];
    while (chosen.length < count && candidates.length > 0) {
      chosen.push(candidates.splice(Math.floor(random.next() * candidates.length), 1)[0]!);
    }
    return chosen;
  }

  /** A normal day of legitimate traffic. */
  normalDay(dayStart: number, tag: string): ScenarioOrder[] {
    const random = this.random(`day:${tag}`);
    return arrivals(random, dayStart, this.ordersPerDay, NORMAL_CURVE).map((at, index) =>
      this.normalOrder(random, `${tag}-${String(index + 1).padStart(6, '0')}`, at),
    );
  }
}
