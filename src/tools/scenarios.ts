// src/tools/scenarios.ts
// Seeded, deterministic synthetic order streams: normal days of traffic plus the incidents of docs/incidents.md, labelled.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OrderInput } from '../core/order';

/** One line of a replay file: the canonical order plus when it came in and, for backtests, what it was. */
export type ScenarioOrder = OrderInput & {
  /** ISO 8601 time the order was submitted. */
  timestamp: string;
  /** Ground truth: `glitch` orders should be held, `legit` ones should not. */
  label: 'glitch' | 'legit';
  /** The incident the order belongs to, if any. */
  incident?: string;
};

/** The scenarios the generator writes, each to its own file. */
export const SCENARIO_NAMES = [
  'checkout-100pct',
  'voucher-leak',
  'price-1000x',
  'tampered-total',
  'harbolnas',
] as const;

/** The name of one scenario. */
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

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

/** Local midnight (Asia/Jakarta, +07:00) of each simulated day. */
export const DAYS = {
  /** A normal Monday: warm-up history for every scenario. */
  warmup: Date.parse('2026-11-09T00:00:00+07:00'),
  /** A normal Tuesday on which the incidents happen. */
  incident: Date.parse('2026-11-10T00:00:00+07:00'),
  /** 11.11, the national online shopping day. */
  harbolnas: Date.parse('2026-11-11T00:00:00+07:00'),
} as const;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** The SKU whose catalog price is entered 1000x too low in the `price-1000x` scenario. */
export const MISPRICED_SKU = 'BAG-TOTE-4700';
/** Its true price, IDR. */
export const MISPRICED_PRICE = 4_700_000;
/** The bank-only voucher that leaks. */
export const LEAKED_VOUCHER = 'BANKX100K';

/** The Harbolnas campaign window and the SKUs it lists (the first 40 of the catalog). */
export const HARBOLNAS = {
  id: 'harbolnas-1111',
  startsAt: '2026-11-11T00:00:00+07:00',
  endsAt: '2026-11-12T00:00:00+07:00',
  voucher: 'HARBOLNAS20',
  listedSkus: 40,
  lineDiscountCapBp: 8000,
} as const;

/** Mulberry32: a tiny seeded PRNG, good enough for synthetic traffic and identical on every platform. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A PRNG with the helpers the generator needs. */
class Random {
  constructor(readonly next: () => number) {}
  static seeded(seed: number, stream: string): Random {
    let hash = seed >>> 0;
    for (const char of stream) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0;
    return new Random(prng(hash));
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
  normal(): number {
    const u = Math.max(this.next(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
  poisson(mean: number): number {
    if (mean > 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * this.normal()));
    const limit = Math.exp(-mean);
    let k = 0;
    let p = this.next();
    while (p > limit) {
      k++;
      p *= this.next();
    }
    return k;
  }
}

interface Sku {
  sku: string;
  price: number;
  category: string;
  weight: number;
}

const CATEGORIES = ['fashion', 'beauty', 'electronics', 'home', 'sports', 'kids', 'grocery', 'bags'];
const PAYMENT_METHODS = [
  'card:bank-x-visa',
  'card:bank-y-mastercard',
  'card:bank-z-visa',
  'ewallet:gopay',
  'ewallet:ovo',
  'ewallet:dana',
  'va:bca',
  'va:mandiri',
  'qris',
  'cod',
];
const BANK_X_METHODS = ['card:bank-x-visa', 'card:bank-x-mastercard'];

/** Voucher terms the shop runs every day; `examples/policy.default.yaml` declares the same terms. */
export const REGULAR_VOUCHERS = {
  HEMAT10: { percent: 10, max: 50_000, minSubtotal: 100_000 },
  NEWUSER25: { amount: 25_000, minSubtotal: 75_000, segment: 'new' },
  [LEAKED_VOUCHER]: { amount: 100_000, minSubtotal: 150_000 },
} as const;

const roundDown = (value: number, step: number) => Math.floor(value / step) * step;

function buildCatalog(random: Random, count: number): Sku[] {
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

class Picker {
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

/** Relative order rate per local hour on a normal day: quiet nights, lunch and evening peaks. */
const NORMAL_CURVE = [
  0.25, 0.15, 0.1, 0.08, 0.08, 0.15, 0.4, 0.7, 0.9, 1.0, 1.1, 1.2, 1.4, 1.3, 1.1, 1.0, 1.0, 1.1, 1.3, 1.6,
  1.9, 2.0, 1.6, 0.8,
];
/** Harbolnas: the midnight launch of the flash sale, then the evening peak. */
const HARBOLNAS_CURVE = [
  3.0, 2.2, 1.2, 0.5, 0.3, 0.3, 0.5, 0.7, 0.9, 1.0, 1.0, 1.1, 1.3, 1.2, 1.0, 0.9, 0.9, 1.0, 1.1, 1.3, 1.6,
  1.8, 1.6, 1.2,
];

/** Arrival times of a Poisson process whose per-hour rate follows `curve`, scaled to `orders` a day. */
function arrivals(random: Random, dayStart: number, orders: number, curve: readonly number[]): number[] {
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

interface LineDraft {
  sku: string;
  quantity: number;
  unitPrice: number;
  discount: number;
  category: string;
}

interface Shopper {
  customerId: string;
  customerSegments: string[];
  paymentMethod: string;
}

/** What the lines add up to after their own discounts (before vouchers and shipping). */
function subtotalOf(
  lines: ReadonlyArray<{ unitPrice: number; quantity: number; discount?: number }>,
): number {
  let subtotal = 0;
  for (const line of lines) subtotal += line.unitPrice * line.quantity - (line.discount ?? 0);
  return subtotal;
}

/** The regular vouchers an order keeps once its lines change: their minimum purchase must still be met. */
function stillEligible<V extends { code: string }>(
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

/** Builds a consistent order: the total is exactly lines − discounts − vouchers + shipping − shipping discount. */
function assemble(
  orderId: string,
  at: number,
  shopper: Shopper,
  lines: LineDraft[],
  vouchers: Array<{ code: string; discount: number }>,
  shipping: number,
  shippingDiscount: number,
  label: 'glitch' | 'legit',
  incident?: string,
): ScenarioOrder {
  const subtotal = subtotalOf(lines);
  let voucherTotal = 0;
  for (const voucher of vouchers) voucherTotal += voucher.discount;
  const total = subtotal - voucherTotal + shipping - shippingDiscount;
  return {
    orderId,
    currency: 'IDR',
    customerId: shopper.customerId,
    customerSegments: shopper.customerSegments,
    paymentMethod: shopper.paymentMethod,
    lines: lines.map((line) => ({ ...line })),
    vouchers,
    shipping,
    shippingDiscount,
    total,
    timestamp: new Date(at).toISOString(),
    label,
    ...(incident === undefined ? {} : { incident }),
  };
}

/** Generates every scenario and the combined stream, all time-ordered. */
export class ScenarioGenerator {
  readonly seed: number;
  readonly ordersPerDay: number;
  readonly leakMinutes: number;
  readonly leakPerMinute: number;
  readonly catalog: Sku[];
  private readonly picker: Picker;

  constructor(options: ScenarioOptions = {}) {
    this.seed = options.seed ?? 20260111;
    this.ordersPerDay = options.ordersPerDay ?? 3000;
    this.leakMinutes = options.leakMinutes ?? 30;
    this.leakPerMinute = options.leakPerMinute ?? 200;
    this.catalog = buildCatalog(Random.seeded(this.seed, 'catalog'), options.skus ?? 400);
    this.picker = new Picker(this.catalog);
  }

  /** The SKUs the Harbolnas campaign lists. */
  get harbolnasSkus(): string[] {
    return this.catalog.slice(0, HARBOLNAS.listedSkus).map((sku) => sku.sku);
  }

  private shopper(random: Random): Shopper {
    const id = random.int(1, 20_000);
    return {
      customerId: `cust-${String(id).padStart(5, '0')}`,
      customerSegments: id % 10 === 0 ? ['new'] : [],
      paymentMethod: random.pick(PAYMENT_METHODS),
    };
  }

  private lines(random: Random): LineDraft[] {
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

  private shipping(random: Random): { shipping: number; shippingDiscount: number } {
    const shipping = 1000 * random.int(9, 35);
    return { shipping, shippingDiscount: random.chance(0.2) ? Math.min(shipping, 20_000) : 0 };
  }

  /** The vouchers a legitimate shopper applies: only those whose terms the order meets. */
  private regularVouchers(random: Random, shopper: Shopper, subtotal: number) {
    const vouchers: Array<{ code: string; discount: number }> = [];
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
  private normalOrder(random: Random, orderId: string, at: number): ScenarioOrder {
    const shopper = this.shopper(random);
    if (random.chance(0.08)) shopper.paymentMethod = random.pick(BANK_X_METHODS);
    const lines = this.lines(random);
    const subtotal = subtotalOf(lines);
    const vouchers = this.regularVouchers(random, shopper, subtotal);
    const { shipping, shippingDiscount } = this.shipping(random);
    return assemble(orderId, at, shopper, lines, vouchers, shipping, shippingDiscount, 'legit');
  }

  /** A normal day of legitimate traffic. */
  normalDay(dayStart: number, tag: string): ScenarioOrder[] {
    const random = Random.seeded(this.seed, `day:${tag}`);
    return arrivals(random, dayStart, this.ordersPerDay, NORMAL_CURVE).map((at, index) =>
      this.normalOrder(random, `${tag}-${String(index + 1).padStart(6, '0')}`, at),
    );
  }

  /** Incident 1: every line discounted 100% at checkout for 30 minutes, and word spreading (traffic up to 8x). */
  checkout100(base: ScenarioOrder[]): ScenarioOrder[] {
    const random = Random.seeded(this.seed, 'checkout-100pct');
    const start = DAYS.incident + 10 * HOUR;
    const end = start + 30 * MINUTE;
    const extra: ScenarioOrder[] = [];
    const hourly = (this.ordersPerDay * NORMAL_CURVE[10]!) / 24 / 60;
    for (let minute = 0; minute < 30; minute++) {
      const count = random.poisson((hourly * (7 * minute)) / 29);
      for (let i = 0; i < count; i++) {
        const at = start + minute * MINUTE + Math.floor(random.next() * MINUTE);
        extra.push(this.normalOrder(random, `glitch100-${String(extra.length + 1).padStart(5, '0')}`, at));
      }
    }
    const all = [...base, ...extra].sort(byTime);
    return all.map((order) => {
      const at = Date.parse(order.timestamp);
      if (at < start || at >= end) return order;
      const lines = order.lines.map((line) => ({ ...line, discount: line.unitPrice * line.quantity }));
      // Shipping is still charged on some orders; on the rest a free-shipping promo makes the total zero.
      const free = random.chance(0.5);
      return assemble(
        order.orderId,
        at,
        order as Shopper,
        lines as LineDraft[],
        [],
        order.shipping ?? 0,
        free ? (order.shipping ?? 0) : 0,
        'glitch',
        'checkout-100pct',
      );
    });
  }

  /**
   * Incident 2: the bank-x-only voucher posted online at 01:20, then mass-redeemed from 07:00 with any payment.
   * Every use of the code from the post to the end of that day is labelled glitch.
   */
  voucherLeak(base: ScenarioOrder[]): ScenarioOrder[] {
    const random = Random.seeded(this.seed, 'voucher-leak');
    const leakedAt = DAYS.incident + HOUR + 20 * MINUTE;
    const massStart = DAYS.incident + 7 * HOUR;
    const extra: ScenarioOrder[] = [];
    const order = (at: number) => {
      const shopper = this.shopper(random);
      shopper.customerId = `leak-${String(random.int(1, 1_000_000)).padStart(7, '0')}`;
      // Most leak shoppers pay however they like; some do hold a bank-x card.
      if (random.chance(0.15)) shopper.paymentMethod = random.pick(BANK_X_METHODS);
      else
        while (shopper.paymentMethod.startsWith('card:bank-x'))
          shopper.paymentMethod = random.pick(PAYMENT_METHODS);
      const lines: LineDraft[] = [];
      let subtotal = 0;
      while (subtotal < REGULAR_VOUCHERS[LEAKED_VOUCHER].minSubtotal && lines.length < 5) {
        const item = this.picker.pick(random);
        if (lines.some((line) => line.sku === item.sku)) continue;
        lines.push({
          sku: item.sku,
          quantity: 1,
          unitPrice: item.price,
          discount: 0,
          category: item.category,
        });
        subtotal += item.price;
      }
      const { shipping, shippingDiscount } = this.shipping(random);
      extra.push(
        assemble(
          `leak-${String(extra.length + 1).padStart(6, '0')}`,
          at,
          shopper,
          lines,
          [{ code: LEAKED_VOUCHER, discount: REGULAR_VOUCHERS[LEAKED_VOUCHER].amount }],
          shipping,
          shippingDiscount,
          'glitch',
          'voucher-leak',
        ),
      );
    };
    // Early adopters after the post: a few an hour.
    for (let at = leakedAt + random.int(5, 20) * MINUTE; at < massStart; at += random.int(8, 30) * MINUTE) {
      order(at);
    }
    // Mass use: ramps to leakPerMinute within three minutes and stays there.
    for (let minute = 0; minute < this.leakMinutes; minute++) {
      const rate = this.leakPerMinute * Math.min(1, (minute + 1) / 3);
      const count = random.poisson(rate);
      for (let i = 0; i < count; i++) order(massStart + minute * MINUTE + Math.floor(random.next() * MINUTE));
    }
    // Every use of the code from the leak to the end of the day is suspect, including real bank-x card holders:
    // the code is compromised, so each use is reviewed (and the eligible ones released in bulk).
    const leakEnd = DAYS.incident + 24 * HOUR;
    return [...base, ...extra].sort(byTime).map((order) => {
      const at = Date.parse(order.timestamp);
      if (order.incident !== undefined || at < leakedAt || at >= leakEnd) return order;
      if (!(order.vouchers ?? []).some((voucher) => voucher.code === LEAKED_VOUCHER)) return order;
      return { ...order, label: 'glitch', incident: 'voucher-leak' };
    });
  }

  /** Incident 3: the tote bag's catalog price entered as 4,700 instead of 4,700,000 for 45 minutes from 14:00. */
  price1000x(base: ScenarioOrder[]): ScenarioOrder[] {
    const random = Random.seeded(this.seed, 'price-1000x');
    const start = DAYS.incident + 14 * HOUR;
    const end = start + 45 * MINUTE;
    const bag = this.catalog.find((item) => item.sku === MISPRICED_SKU)!;
    const extra: ScenarioOrder[] = [];
    for (let minute = 0; minute < 45; minute++) {
      // Bargain hunters find it: from about one order every few minutes to several a minute.
      const count = random.poisson(0.2 + (minute / 44) * 4);
      for (let i = 0; i < count; i++) {
        const at = start + minute * MINUTE + Math.floor(random.next() * MINUTE);
        const shopper = this.shopper(random);
        const quantity = random.chance(0.7) ? 1 : random.int(2, 5);
        const { shipping, shippingDiscount } = this.shipping(random);
        extra.push(
          assemble(
            `mispriced-${String(extra.length + 1).padStart(5, '0')}`,
            at,
            shopper,
            [{ sku: bag.sku, quantity, unitPrice: bag.price, discount: 0, category: bag.category }],
            [],
            shipping,
            shippingDiscount,
            'legit',
          ),
        );
      }
    }
    return [...base, ...extra].sort(byTime).map((order) => {
      const at = Date.parse(order.timestamp);
      if (at < start || at >= end || !order.lines.some((line) => line.sku === MISPRICED_SKU)) return order;
      const lines = order.lines.map((line) =>
        line.sku === MISPRICED_SKU
          ? { ...line, unitPrice: line.unitPrice / 1000, discount: Math.floor((line.discount ?? 0) / 1000) }
          : line,
      );
      const vouchers = stillEligible(order.vouchers ?? [], subtotalOf(lines));
      return assemble(
        order.orderId,
        at,
        order as Shopper,
        lines as LineDraft[],
        vouchers as Array<{ code: string; discount: number }>,
        order.shipping ?? 0,
        order.shippingDiscount ?? 0,
        'glitch',
        'price-1000x',
      );
    });
  }

  /** Incident 4: a tampered client that sends totals lower than its lines add up to, all day. */
  tamperedTotals(base: ScenarioOrder[]): ScenarioOrder[] {
    const random = Random.seeded(this.seed, 'tampered-total');
    const extra: ScenarioOrder[] = [];
    const count = Math.max(10, Math.round(this.ordersPerDay / 75));
    for (let i = 0; i < count; i++) {
      const at = DAYS.incident + 9 * HOUR + Math.floor(random.next() * 12 * HOUR);
      const order = this.normalOrder(random, `tamper-${String(i + 1).padStart(5, '0')}`, at);
      // Knocks 10-60% off the total the client computed (rounded to IDR 1,000), leaving lines untouched.
      const cut = Math.max(1000, roundDown((order.total * random.int(10, 60)) / 100, 1000));
      extra.push({
        ...order,
        customerId: `tamper-${random.int(1, 5)}`,
        total: order.total - cut,
        label: 'glitch',
        incident: 'tampered-total',
      });
    }
    return [...base, ...extra].sort(byTime);
  }

  /** Scenario 5: 11.11 with ten times the traffic and 70-80% flash-sale discounts on listed SKUs, all legitimate. */
  harbolnasDay(retired: readonly string[] = []): ScenarioOrder[] {
    const random = Random.seeded(this.seed, 'harbolnas');
    const listed = new Set(this.harbolnasSkus);
    return arrivals(random, DAYS.harbolnas, this.ordersPerDay * 10, HARBOLNAS_CURVE).map((at, index) => {
      const order = this.normalOrder(random, `h1111-${String(index + 1).padStart(6, '0')}`, at);
      const lines = order.lines.map((line) => {
        if (!listed.has(line.sku)) return line;
        const percent = random.int(70, 80);
        return { ...line, discount: roundDown((line.unitPrice * line.quantity * percent) / 100, 100) };
      });
      const subtotal = subtotalOf(lines);
      let vouchers = stillEligible(order.vouchers ?? [], subtotal, retired);
      if (vouchers.length === 0 && subtotal >= 100_000 && random.chance(0.3)) {
        vouchers = [{ code: HARBOLNAS.voucher, discount: 20_000 }];
      }
      return assemble(
        order.orderId,
        at,
        order as Shopper,
        lines as LineDraft[],
        vouchers as Array<{ code: string; discount: number }>,
        order.shipping ?? 0,
        order.shippingDiscount ?? 0,
        'legit',
        'harbolnas',
      );
    });
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

function byTime(a: ScenarioOrder, b: ScenarioOrder): number {
  return Date.parse(a.timestamp) - Date.parse(b.timestamp) || (a.orderId < b.orderId ? -1 : 1);
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
