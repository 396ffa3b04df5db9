// test/tools/scenarios.test.ts
// The scenario generator: deterministic per seed, every order valid and adding up, each kind shaped and labelled as specified.

import { createHash } from 'node:crypto';
import { join } from 'node:path';
import fc from 'fast-check';
import { loadPolicyFile } from '../../src/config/policy-file';
import { OrderParser } from '../../src/core/order-parser';
import { parsePolicy } from '../../src/core/policy';
import {
  DAYS,
  GENERAL,
  GENERAL_INCIDENTS,
  HARBOLNAS,
  LEAKED_VOUCHER,
  leakPlan,
  MISPRICED_PRICE,
  MISPRICED_SKU,
  markdownPlan,
  prng,
  ScenarioGenerator,
  toNdjson,
} from '../../tools/scenarios';
import { runScenariosCli } from '../../tools/scenarios/cli';
import { VOUCHER_TERMS, voucherDiscount } from '../../tools/scenarios/vouchers';

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

describe('the original streams', () => {
  it('are byte for byte what the generator wrote before it was split into kinds (seed 7, small)', () => {
    const streams = new ScenarioGenerator({ seed: 7, ...small }).generate();
    const digest = (name: keyof typeof streams) =>
      createHash('sha256').update(toNdjson(streams[name])).digest('hex');
    // Recorded with the single-file generator of the previous release.
    expect({
      'checkout-100pct': digest('checkout-100pct'),
      'voucher-leak': digest('voucher-leak'),
      'price-1000x': digest('price-1000x'),
      'tampered-total': digest('tampered-total'),
      harbolnas: digest('harbolnas'),
      combined: digest('combined'),
    }).toEqual({
      'checkout-100pct': '3c71d4c808b9caf81df23f69b8d597de64b8f5400caca273194d3e93d6f37d4f',
      'voucher-leak': 'c723e4a0b9902e8859219d1ff6c40dc2f9bc3251667012b223b5f39f004e9a89',
      'price-1000x': 'c71247ce4a84057764c3f41f9dab3dbbdc3b469579ebc13f939d0a5dec1c2bd2',
      'tampered-total': 'c0d3487b69eadc02f47da29cda69bb82494ccb5fa09bf59a08cd9f3df15dbfe8',
      harbolnas: '314a6ed0ad6a89547a7532dc8761285e8ff9cd1675968471cacc25a68d10b713',
      combined: 'ccea4e1e2907f7619795a564b56beab9b9a1c83ef09e5ef2476863dddfbbe01a',
    });
  });
});

describe('the general stream (issue 13 kinds)', () => {
  const generator = new ScenarioGenerator({ seed: 7, ...small });
  const general = generator.general();
  const of = (name: string) => general.filter((order) => order.incident === name);
  const time = (order: { timestamp: string }) => Date.parse(order.timestamp);
  const catalogPrice = new Map(generator.catalog.map((item) => [item.sku, item.price]));

  it('is the same bytes for the same seed and other bytes for another seed', () => {
    expect(toNdjson(new ScenarioGenerator({ seed: 7, ...small }).general())).toBe(toNdjson(general));
    expect(toNdjson(new ScenarioGenerator({ seed: 8, ...small }).general())).not.toBe(toNdjson(general));
  });

  it('names each glitch kind and each legitimate class as its own incident', () => {
    const names = new Set(general.map((order) => order.incident).filter(Boolean));
    for (const name of [...GENERAL_INCIDENTS.glitch, ...GENERAL_INCIDENTS.legit])
      expect(names.has(name)).toBe(true);
    for (const name of GENERAL_INCIDENTS.legit) {
      expect(of(name).every((order) => order.label === 'legit')).toBe(true);
    }
    for (const name of GENERAL_INCIDENTS.glitch) {
      expect(of(name).some((order) => order.label === 'glitch')).toBe(true);
    }
  });

  it('overcharges with zeros added to a popular list price, for half an hour', () => {
    const glitch = of('overcharge-burst').filter((order) => order.label === 'glitch');
    expect(glitch.length).toBeGreaterThan(0);
    for (const order of glitch) {
      // Its other lines keep their prices (one may be the marked-down SKU, below its catalog price).
      const factors = order.lines
        .filter((line) => catalogPrice.has(line.sku))
        .map((line) => line.unitPrice / catalogPrice.get(line.sku)!)
        .filter((factor) => factor > 1);
      expect(factors.length).toBeGreaterThan(0);
      for (const factor of factors) expect([10, 100, 1000]).toContain(factor);
    }
    const times = glitch.map(time);
    expect(Math.max(...times) - Math.min(...times)).toBeLessThan(30 * 60_000);
  });

  it('marks a SKU down for good at its time, and every later order of it pays the new list price', () => {
    const plan = markdownPlan(generator);
    expect(plan.price).toBeLessThanOrEqual(plan.sku.price / 2);
    for (const order of general) {
      const line = order.lines.find((candidate) => candidate.sku === plan.sku.sku);
      if (line === undefined) continue;
      expect(line.unitPrice).toBe(time(order) < plan.at ? plan.sku.price : plan.price);
    }
    expect(of('markdown').length).toBeGreaterThan(0);
  });

  it('stacks discounts each within its cap down to a few percent of list', () => {
    const stacked = of('stacked-discounts').filter((order) => order.label === 'glitch');
    expect(stacked.length).toBeGreaterThan(5);
    for (const order of stacked) {
      const list = order.lines.reduce((sum, line) => sum + line.unitPrice * line.quantity, 0);
      const subtotal = order.lines.reduce(
        (sum, line) => sum + line.unitPrice * line.quantity - (line.discount ?? 0),
        0,
      );
      for (const line of order.lines) {
        expect(line.category).toBe(GENERAL.flashSale.category);
        expect((line.discount ?? 0) * 10_000).toBeLessThanOrEqual(
          line.unitPrice * line.quantity * GENERAL.flashSale.lineDiscountCapBp,
        );
      }
      expect(order.vouchers!.length).toBeGreaterThanOrEqual(2);
      for (const voucher of order.vouchers!)
        expect(voucher.discount).toBe(voucherDiscount(voucher.code, subtotal));
      const paid = subtotal - order.vouchers!.reduce((sum, voucher) => sum + voucher.discount!, 0);
      expect(paid / list).toBeGreaterThan(0.02);
      expect(paid / list).toBeLessThan(0.08);
    }
  });

  it('leaks an open code on a ramp, not a jump, and stops at the withdrawal', () => {
    const plan = leakPlan(generator);
    const leaked = of('open-code-leak').filter((order) => order.label === 'glitch');
    expect(leaked.every((order) => order.vouchers?.[0]?.code === GENERAL.openCode.code)).toBe(true);
    const inMinutes = (from: number, to: number) =>
      leaked.filter(
        (order) => time(order) >= plan.start + from * 60_000 && time(order) < plan.start + to * 60_000,
      ).length;
    expect(inMinutes(0, 10)).toBeLessThan(inMinutes(plan.rampMinutes - 10, plan.rampMinutes) / 2);
    expect(Math.max(...leaked.map(time))).toBeLessThan(plan.end);
    const usual = of('open-code-leak').filter((order) => order.label === 'legit');
    expect(usual.every((order) => time(order) >= plan.end)).toBe(true);
  });

  it('sells the new SKUs at a hundredth of their price from the first sale, then at their price', () => {
    for (const launch of GENERAL.launches) {
      const orders = general.filter((order) => order.lines.some((line) => line.sku === launch.sku));
      expect(orders[0]!.label).toBe('glitch');
      expect(time(orders[0]!)).toBeGreaterThanOrEqual(Date.parse(launch.at));
      for (const order of orders) {
        const line = order.lines.find((candidate) => candidate.sku === launch.sku)!;
        expect(line.unitPrice).toBe(order.label === 'glitch' ? launch.price / 100 : launch.price);
      }
    }
  });

  it('has the legitimate hard cases: declared increases, a launch spike within the terms, a flash sale, bulk quantities', () => {
    for (const change of GENERAL.priceIncreases) {
      for (const order of general.filter((candidate) =>
        candidate.lines.some((line) => line.sku === change.sku),
      )) {
        const line = order.lines.find((candidate) => candidate.sku === change.sku)!;
        expect(line.unitPrice).toBe(time(order) < Date.parse(change.at) ? change.before : change.after);
      }
    }
    const launch = of('public-code-launch').filter((order) => order.vouchers?.length);
    const start = Date.parse(GENERAL.publicCode.startsAt);
    const firstQuarter = launch.filter((order) => time(order) < start + 15 * 60_000).length;
    const lateQuarter = launch.filter(
      (order) => time(order) >= start + 4 * 3_600_000 && time(order) < start + 4.25 * 3_600_000,
    ).length;
    expect(firstQuarter).toBeGreaterThan(2 * lateQuarter);
    for (const order of launch) {
      const subtotal = order.lines.reduce(
        (sum, line) => sum + line.unitPrice * line.quantity - (line.discount ?? 0),
        0,
      );
      expect(order.vouchers![0]!.discount).toBe(voucherDiscount(GENERAL.publicCode.code, subtotal));
    }
    const flash = of('flash-sale').flatMap((order) =>
      order.lines.filter((line) => line.category === GENERAL.flashSale.category),
    );
    expect(flash.length).toBeGreaterThan(0);
    for (const line of flash) {
      const bp = ((line.discount ?? 0) * 10_000) / (line.unitPrice * line.quantity);
      expect(bp).toBeGreaterThan(5900);
      expect(bp).toBeLessThanOrEqual(GENERAL.flashSale.lineDiscountCapBp);
    }
    for (const order of of('bulk-orders')) {
      for (const line of order.lines) expect(line.quantity).toBeGreaterThanOrEqual(20);
    }
  });

  it('comes with examples/policy.general.yaml, which declares what the shop announced and nothing else', () => {
    const policy = loadPolicyFile(join(__dirname, '..', '..', 'examples', 'policy.general.yaml'));
    const flash = policy.campaigns.find((campaign) => campaign.id === GENERAL.flashSale.id)!;
    expect(flash).toMatchObject({
      categories: [GENERAL.flashSale.category.toUpperCase()],
      startsAt: Date.parse(GENERAL.flashSale.startsAt),
      endsAt: Date.parse(GENERAL.flashSale.endsAt),
      lineDiscountCapBp: GENERAL.flashSale.lineDiscountCapBp,
      floorBp: GENERAL.flashSale.floorBp,
    });
    expect(policy.vouchers[GENERAL.publicCode.code]).toMatchObject({
      startsAt: Date.parse(GENERAL.publicCode.startsAt),
      velocity: { expectedPerHour: GENERAL.publicCode.expectedPerHour },
    });
    expect(policy.priceChanges.map((change) => [change.sku, change.at, change.listPrice.IDR])).toEqual(
      GENERAL.priceIncreases.map((change) => [change.sku, Date.parse(change.at), change.after]),
    );
    const declared = GENERAL.launches.filter((launch) => launch.declared);
    expect(Object.keys(policy.catalog)).toEqual(declared.map((launch) => launch.sku));
    for (const launch of declared) expect(policy.catalog[launch.sku]!.IDR).toBe(launch.price);
    // Every code the stream uses has its terms declared, and no detector threshold is changed.
    for (const code of Object.keys(VOUCHER_TERMS)) {
      if (code !== HARBOLNAS.voucher) expect(policy.vouchers[code]?.discount).toBeDefined();
    }
    expect(policy.velocity).toEqual({});
    expect(policy.history).toEqual(parsePolicy({}).history);
    expect(policy.discountCaps).toEqual(parsePolicy({}).discountCaps);
  });
});

describe('npm run scenarios', () => {
  it.each([
    [['--seed'], /--seed needs a value \(N\)/],
    [['--seed', 'abc'], /--seed must be a whole number, got "abc"/],
  ])('%j is a usage error (exit 2) naming the option', (args, message) => {
    const errors: string[] = [];
    const error = jest.spyOn(console, 'error').mockImplementation((text: string) => void errors.push(text));
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((text) => {
      errors.push(String(text));
      return true;
    });
    try {
      expect(runScenariosCli(args)).toBe(2);
    } finally {
      error.mockRestore();
      stderr.mockRestore();
    }
    expect(errors.join('')).toMatch(message);
  });
});
