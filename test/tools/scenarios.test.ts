// test/tools/scenarios.test.ts
// The scenario generator: deterministic per seed, every order valid and adding up, incidents labelled as specified.

import fc from 'fast-check';
import { OrderParser } from '../../src/core/order';
import {
  DAYS,
  HARBOLNAS,
  LEAKED_VOUCHER,
  MISPRICED_PRICE,
  MISPRICED_SKU,
  prng,
  ScenarioGenerator,
  toNdjson,
} from '../../src/tools/scenarios';

const small = { ordersPerDay: 400, leakMinutes: 3, leakPerMinute: 40, skus: 120 };

describe('scenario generator', () => {
  const streams = new ScenarioGenerator({ seed: 7, ...small }).generate();

  it('gives byte-identical streams for the same seed and different ones for another seed', () => {
    const again = new ScenarioGenerator({ seed: 7, ...small }).generate();
    expect(toNdjson(again.combined)).toBe(toNdjson(streams.combined));
    const other = new ScenarioGenerator({ seed: 8, ...small }).generate();
    expect(toNdjson(other.combined)).not.toBe(toNdjson(streams.combined));
  });

  it('keeps the PRNG in [0, 1) for any seed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (seed) => {
        const next = prng(seed);
        for (let i = 0; i < 50; i++) {
          const value = next();
          if (!(value >= 0 && value < 1)) return false;
        }
        return true;
      }),
    );
  });

  it('writes valid orders, in time order, whose legit totals add up exactly', () => {
    const parser = new OrderParser();
    for (const [name, orders] of Object.entries(streams)) {
      let last = 0;
      const ids = new Set<string>();
      for (const { timestamp, label, incident, ...input } of orders) {
        const at = Date.parse(timestamp);
        expect(at).toBeGreaterThanOrEqual(last);
        last = at;
        const parsed = parser.parse(input);
        if (!parsed.ok) throw new Error(`${name} ${input.orderId}: ${JSON.stringify(parsed.problems)}`);
        expect(ids.has(parsed.order.orderId)).toBe(false);
        ids.add(parsed.order.orderId);
        const { order } = parsed;
        const expected =
          order.lines.reduce((sum, line) => sum + line.unitPrice * line.quantity - line.discount, 0) -
          order.vouchers.reduce((sum, voucher) => sum + voucher.discount, 0) +
          order.shipping -
          order.shippingDiscount;
        if (incident !== 'tampered-total') expect(order.total).toBe(expected);
        else expect(order.total).toBeLessThan(expected);
        if (label === 'legit') {
          for (const line of order.lines) expect(line.discount).toBeLessThan(line.unitPrice * line.quantity);
        }
      }
    }
  });

  it('labels each incident as the issue describes', () => {
    const combined = streams.combined;
    const of = (name: string) => combined.filter((order) => order.incident === name);
    // 1: every line 100% off, within 10:00-10:30 Jakarta time.
    const glitch100 = of('checkout-100pct');
    expect(glitch100.length).toBeGreaterThan(0);
    for (const order of glitch100) {
      expect(order.label).toBe('glitch');
      for (const line of order.lines) expect(line.discount).toBe(line.unitPrice * line.quantity);
      const at = Date.parse(order.timestamp);
      expect(at).toBeGreaterThanOrEqual(DAYS.incident + 10 * 3_600_000);
      expect(at).toBeLessThan(DAYS.incident + 10.5 * 3_600_000);
    }
    // 2: the leaked code, mostly paid by other methods.
    const leak = of('voucher-leak');
    expect(leak.every((order) => order.vouchers?.some((voucher) => voucher.code === LEAKED_VOUCHER))).toBe(
      true,
    );
    const otherMethods = leak.filter((order) => !order.paymentMethod?.startsWith('card:bank-x')).length;
    expect(otherMethods / leak.length).toBeGreaterThan(0.6);
    // 3: the tote at a thousandth of its price.
    for (const order of of('price-1000x')) {
      expect(order.lines.find((line) => line.sku === MISPRICED_SKU)?.unitPrice).toBe(MISPRICED_PRICE / 1000);
    }
    // 5: 11.11 is legit, ten times a normal day, with listed SKUs 70-80% off.
    const harbolnas = of('harbolnas');
    expect(harbolnas.every((order) => order.label === 'legit')).toBe(true);
    const normalDay = combined.filter((order) => order.orderId.startsWith('d1109-')).length;
    expect(harbolnas.length / normalDay).toBeGreaterThan(8);
    expect(harbolnas.length / normalDay).toBeLessThan(12);
    const listed = new Set(new ScenarioGenerator({ seed: 7, ...small }).harbolnasSkus);
    expect(listed.size).toBe(HARBOLNAS.listedSkus);
    const deep = harbolnas.flatMap((order) => order.lines.filter((line) => listed.has(line.sku)));
    expect(deep.length).toBeGreaterThan(0);
    for (const line of deep) {
      const bp = ((line.discount ?? 0) * 10_000) / (line.unitPrice * line.quantity);
      expect(bp).toBeGreaterThan(6900);
      expect(bp).toBeLessThanOrEqual(8000);
    }
  });

  it('builds each single-incident file from the same base as the combined one', () => {
    const base = streams['tampered-total'].filter((order) => order.incident === undefined);
    const ids = new Set(streams.combined.map((order) => order.orderId));
    for (const order of base) expect(ids.has(order.orderId)).toBe(true);
    expect(streams['tampered-total'].some((order) => order.incident === 'checkout-100pct')).toBe(false);
  });
});
