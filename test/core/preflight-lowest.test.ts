// test/core/preflight-lowest.test.ts
// Preflight's lowest prices: a flash sale against the everyday floors, the free and near-zero errors, how codes stack.

import type { PolicyInput } from '../../src/core/policy';
import { check, codes, FLASH, row } from './preflight-fixtures';

describe('a flash sale under the everyday floors', () => {
  const everyday: PolicyInput = {
    catalog: { TOTE: { IDR: 1_000_000 } },
    floors: { TOTE: { IDR: 600_000 } },
    floorBp: { all: 4000 },
  };

  it('reports nothing when the campaign brings its own relative floor', () => {
    const report = check({
      ...everyday,
      campaigns: [{ ...FLASH, skus: ['TOTE'], lineDiscountCapBp: 8000, floorBp: 1000 }],
    });
    expect(report.errors).toEqual([]);
    expect(report.warnings).toEqual([]);
    expect(report.ok).toBe(true);
    expect(row(report, 'TOTE')).toMatchObject({
      listPrice: 1_000_000,
      listPriceFrom: 'policy',
      campaign: 'flash',
      lowest: 200_000,
      lowestBp: 2000,
      combination: { campaign: 'flash', campaignDiscountBp: 8000, vouchers: [], minSubtotal: null },
      floors: [
        {
          kind: 'relative',
          bp: 1000,
          perUnit: 100_000,
          source: 'the floor of campaign flash',
          broken: false,
        },
      ],
    });
  });

  it('reports the everyday floor the sale breaks when the campaign sets none, and says how to fix it', () => {
    const report = check({ ...everyday, campaigns: [{ ...FLASH, skus: ['TOTE'], lineDiscountCapBp: 8000 }] });
    expect(codes(report.errors)).toEqual(['below_floor']);
    expect(report.errors[0]).toMatchObject({
      severity: 'error',
      sku: 'TOTE',
      currency: 'IDR',
      campaign: 'flash',
      observed: 200_000,
      limit: 600_000,
      unit: 'minor',
    });
    expect(report.errors[0]!.message).toBe(
      'TOTE can be paid IDR 200,000 a unit in IDR (20% of its list price IDR 1,000,000) at the price of campaign ' +
        'flash (80% off): below its floor of IDR 600,000. Campaign flash sets no floor of its own, so the everyday ' +
        'floors apply to its lines: give it floorBp or floors.',
    );
    expect(row(report, 'TOTE').floors.map((floor) => floor.broken)).toEqual([true, true]);
    // Outside the window the line is at its list price: nothing to report.
    expect(check(everyday, Date.parse('2026-11-12T12:00:00+07:00')).errors).toEqual([]);
  });
});

describe('errors', () => {
  it('a 100%-off campaign makes the SKU free', () => {
    const report = check({
      catalog: { 'MJ-TOTE-TIGER': { IDR: 4_700_000 } },
      floors: { 'MJ-TOTE-TIGER': { IDR: 2_000_000 } },
      campaigns: [{ ...FLASH, skus: ['MJ-TOTE-TIGER'], lineDiscountCapBp: 10_000, orderListCapBp: 10_000 }],
    });
    expect(codes(report.errors)).toEqual(['free']);
    expect(report.errors[0]).toMatchObject({ sku: 'MJ-TOTE-TIGER', observed: 0, limit: 4_700_000 });
    expect(report.errors[0]!.message).toBe(
      'MJ-TOTE-TIGER can be had for nothing in IDR (list price IDR 4,700,000) at the price of campaign flash (100% off).',
    );
    expect(row(report, 'MJ-TOTE-TIGER')).toMatchObject({ lowest: 0, floors: [{ broken: true }] });
    expect(report.ok).toBe(false);
  });

  it('a fixed code on a cheap SKU is near zero: the SKU keeps its pro rata share of the minimum spend', () => {
    const report = check({
      catalog: { CUP: { IDR: 50_000 } },
      vouchers: { BIG: { discount: { amount: { IDR: 100_000 } }, minSubtotal: { IDR: 150_000 } } },
    });
    // 100,000 of an order of 150,000 comes off: the cup keeps a third of its price, 16,666.67.
    expect(row(report, 'CUP')).toMatchObject({
      lowest: 16_666,
      lowestBp: 3333,
      combination: { campaign: null, vouchers: ['BIG'], minSubtotal: 150_000 },
    });
    expect(codes(report.errors)).toEqual([]);
    const cheap = check({
      catalog: { CUP: { IDR: 50_000 } },
      vouchers: { BIG: { discount: { amount: { IDR: 149_000 } }, minSubtotal: { IDR: 150_000 } } },
    });
    expect(codes(cheap.errors)).toEqual(['near_zero']);
    expect(cheap.errors[0]!.message).toContain(
      'near zero, under 5% of its list price (nearZeroTotal.fractionBp)',
    );
  });

  it('a code worth more than the order makes it free; minTotal counts as near zero only under the list price', () => {
    const free = check({
      catalog: { CUP: { IDR: 50_000 } },
      vouchers: { GIFT: { discount: { amount: { IDR: 60_000 } } } },
    });
    expect(codes(free.errors)).toEqual(['free']);
    const minimum = check({
      catalog: { CUP: { IDR: 50_000 }, PIN: { IDR: 5_000 } },
      nearZeroTotal: { minTotal: { IDR: 10_000 } },
      vouchers: { HALF: { discount: { percentBp: 8000 } } },
    });
    // The cup at 10,000 is at the minimum, not under it; the pin lists under the minimum: not the promotion's doing.
    expect(codes(minimum.errors)).toEqual([]);
    const deeper = check({
      catalog: { CUP: { IDR: 50_000 } },
      nearZeroTotal: { minTotal: { IDR: 10_001 } },
      vouchers: { HALF: { discount: { percentBp: 8000 } } },
    });
    expect(deeper.errors).toMatchObject([
      { code: 'near_zero', observed: 10_000, limit: 10_001, unit: 'minor' },
    ]);
  });

  it('names the strictest floor broken, absolute or relative', () => {
    const report = check({
      catalog: { TOTE: { IDR: 1_000_000 } },
      floors: { TOTE: { IDR: 300_000 } },
      floorBp: { skus: { TOTE: 5000 } },
      vouchers: { V: { discount: { percentBp: 6000 } } },
    });
    expect(report.errors).toMatchObject([{ code: 'below_floor', observed: 400_000, limit: 500_000 }]);
    expect(report.errors[0]!.message).toContain('below its floor of 50% of its list price (IDR 500,000)');
  });
});

describe('how codes stack', () => {
  const base: PolicyInput = { catalog: { BAG: { IDR: 1_000_000 } } };

  it('takes the heaviest valid stack: codes that refuse each other are not combined', () => {
    const vouchers = {
      A: { discount: { amount: { IDR: 100_000 } } },
      B: { discount: { amount: { IDR: 200_000 } }, stackable: false },
      C: { discount: { amount: { IDR: 150_000 } } },
    };
    // A + C (250,000) beat B alone (200,000).
    expect(row(check({ ...base, vouchers }), 'BAG')).toMatchObject({
      lowest: 750_000,
      combination: { vouchers: ['C', 'A'] },
    });
    // A lists only B, which refuses everyone: A + C is no longer valid either; B alone is the deepest.
    const picky = { ...vouchers, A: { ...vouchers.A, stackable: ['B'] } };
    expect(row(check({ ...base, vouchers: picky }), 'BAG').combination.vouchers).toEqual(['B']);
  });

  it('percent codes take their share of the subtotal up to their max; codes outside their window are left out', () => {
    const report = check({
      ...base,
      vouchers: {
        TEN: { discount: { percentBp: 1000, max: { IDR: 50_000 } } },
        LATER: { discount: { amount: { IDR: 500_000 } }, startsAt: '2026-12-01T00:00:00+07:00' },
      },
    });
    expect(row(report, 'BAG')).toMatchObject({ lowest: 950_000, combination: { vouchers: ['TEN'] } });
    expect(report.vouchersStacked).toEqual(['TEN']);
  });

  it('codes that need different payment methods or customers are not on one order', () => {
    const report = check({
      ...base,
      vouchers: {
        BANKX: { discount: { amount: { IDR: 100_000 } }, paymentMethods: ['card:bank-x*'] },
        BANKY: { discount: { amount: { IDR: 150_000 } }, paymentMethods: ['card:bank-y*'] },
        GOLD: { discount: { amount: { IDR: 30_000 } }, paymentMethods: ['card:bank-x-gold'] },
        ANA: { discount: { amount: { IDR: 60_000 } }, customerIds: ['ana'] },
        BUDI: { discount: { amount: { IDR: 70_000 } }, customerIds: ['budi'] },
      },
    });
    // One card and one customer: BANKY (150,000) + BUDI (70,000) = 220,000 beats BANKX + GOLD + BUDI = 200,000.
    expect(row(report, 'BAG')).toMatchObject({
      lowest: 780_000,
      combination: { vouchers: ['BANKY', 'BUDI'] },
    });
  });

  it('a code not allowed on campaign prices is stacked on the list price instead, when that is lower', () => {
    const policy: PolicyInput = {
      ...base,
      campaigns: [{ ...FLASH, skus: ['BAG'], lineDiscountCapBp: 3000 }],
      vouchers: { HUGE: { discount: { amount: { IDR: 500_000 } }, withCampaigns: false } },
    };
    expect(row(check(policy), 'BAG')).toMatchObject({
      campaign: 'flash',
      lowest: 500_000,
      combination: { campaign: null, campaignDiscountBp: 0, vouchers: ['HUGE'] },
    });
    const small = {
      ...policy,
      vouchers: { SMALL: { discount: { amount: { IDR: 100_000 } }, withCampaigns: false } },
    };
    expect(row(check(small), 'BAG')).toMatchObject({
      lowest: 700_000,
      combination: { campaign: 'flash', campaignDiscountBp: 3000, vouchers: [] },
    });
  });
});
