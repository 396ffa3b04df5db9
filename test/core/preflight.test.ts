// test/core/preflight.test.ts
// Preflight: the lowest price each SKU can be paid under the promotions, the floors it breaks, and the warnings.

import { type PolicyInput, parsePolicy } from '../../src/core/policy';
import {
  catalogFromCsv,
  catalogFromJson,
  formatPreflight,
  type PreflightCatalog,
  type PreflightReport,
  preflight,
} from '../../src/core/preflight';

const AT = Date.parse('2026-11-11T12:00:00+07:00');
const FLASH = { id: 'flash', startsAt: '2026-11-11T00:00:00+07:00', endsAt: '2026-11-12T00:00:00+07:00' };

function check(policy: PolicyInput, at = AT, catalog?: PreflightCatalog): PreflightReport {
  return preflight(parsePolicy(policy), { at, ...(catalog ? { catalog } : {}) });
}
const codes = (findings: PreflightReport['errors']) => findings.map((finding) => finding.code).sort();
const row = (report: PreflightReport, sku: string, currency = 'IDR') =>
  report.skus.find((candidate) => candidate.sku === sku && candidate.currency === currency)!;

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

describe('list prices', () => {
  it('a scheduled price change in force wins over the catalog option, which wins over the policy catalog', () => {
    const catalog = catalogFromJson({
      TOTE: { IDR: 900_000, USD: 6000, category: 'bags' },
      CUP: { IDR: 40_000 },
    });
    if (!catalog.ok) throw new Error(JSON.stringify(catalog.problems));
    const policy: PolicyInput = {
      catalog: { TOTE: { IDR: 1_000_000 }, HAT: { IDR: 200_000 } },
      priceChanges: [{ sku: 'TOTE', at: '2026-11-01T00:00:00+07:00', listPrice: { IDR: 800_000 } }],
    };
    const report = check(policy, AT, catalog.catalog);
    expect(report.skus.map((r) => [r.sku, r.currency, r.listPrice, r.listPriceFrom, r.category])).toEqual([
      ['CUP', 'IDR', 40_000, 'catalog', null],
      ['HAT', 'IDR', 200_000, 'policy', null],
      ['TOTE', 'IDR', 800_000, 'priceChange', 'BAGS'],
      ['TOTE', 'USD', 6000, 'catalog', 'BAGS'],
    ]);
    const before = check(policy, Date.parse('2026-10-01T00:00:00+07:00'), catalog.catalog);
    expect(row(before, 'TOTE')).toMatchObject({ listPrice: 900_000, listPriceFrom: 'catalog' });
    expect(report.summary).toEqual({ skus: 3, rows: 4, errors: 0, warnings: 0 });
  });

  it('a category from the catalog brings in the campaigns, floors and caps of that category', () => {
    const catalog = catalogFromCsv(
      'sku,currency,listPrice,category\nSHOE,IDR,500000,shoes\nSOCK,IDR,50000,\n',
    );
    if (!catalog.ok) throw new Error(JSON.stringify(catalog.problems));
    const report = check(
      {
        floorBp: { categories: { SHOES: 5000 } },
        campaigns: [{ ...FLASH, categories: ['shoes'], lineDiscountCapBp: 6000 }],
      },
      AT,
      catalog.catalog,
    );
    expect(row(report, 'SHOE')).toMatchObject({ campaign: 'flash', lowest: 200_000, category: 'SHOES' });
    expect(report.errors).toMatchObject([{ code: 'below_floor', sku: 'SHOE' }]);
    expect(row(report, 'SOCK')).toMatchObject({ campaign: null, lowest: 50_000, category: null });
  });
});

describe('catalog files', () => {
  it('reads CSV with quoted fields, any column order, a byte order mark and CRLF', () => {
    const result = catalogFromCsv(
      '\uFEFFlistPrice,"sku",currency\r\n4700000,"MJ-TOTE, TIGER",IDR\r\n\r\n300,tote,USD\r\n',
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect([...result.catalog]).toEqual([
      ['MJ-TOTE, TIGER', { prices: { IDR: 4_700_000 } }],
      ['TOTE', { prices: { USD: 300 } }],
    ]);
  });

  it('names the line and column of every bad CSV value', () => {
    const result = catalogFromCsv(
      'sku,currency,listPrice,category\nA,IDR,12.5,\nB,XYZ,100,\nA,IDR,100,\nA,IDR,200,\nA,USD,1,bags\nA,EUR,1,shoes\nC,IDR\n',
    );
    expect(result).toEqual({
      ok: false,
      problems: [
        {
          path: 'line 2, listPrice',
          message:
            'must be a list price: a whole number of minor units (IDR 4,700,000 is 4700000), got "12.5"',
        },
        {
          path: 'line 3, currency',
          message: 'must be a known ISO 4217 currency code such as "IDR", got "XYZ"',
        },
        { path: 'line 5', message: 'repeats the IDR price of A (first at line 4)' },
        { path: 'line 7, category', message: 'gives A the category SHOES; an earlier row gave it BAGS' },
        { path: 'line 8', message: 'has 2 fields; the header has 4' },
      ],
    });
    expect(catalogFromCsv('sku,price\nA,1\n')).toEqual({
      ok: false,
      problems: [
        {
          path: 'line 1',
          message:
            'the header must name the columns sku, currency and listPrice (and optionally category); missing currency, listPrice, got sku, price',
        },
      ],
    });
    expect(catalogFromCsv('sku,currency,listPrice\n"A,IDR,1\n')).toEqual({
      ok: false,
      problems: [{ path: 'line 2', message: 'has a quote that is never closed' }],
    });
  });

  it('reads JSON as the policy catalog shape or as a list of rows, as the admin upload takes it', () => {
    const rows = catalogFromJson([
      { sku: 'tote', currency: 'IDR', listPrice: 4_700_000, category: 'bags' },
      { sku: 'TOTE', currency: 'USD', listPrice: 30_000 },
    ]);
    expect(rows.ok && [...rows.catalog]).toEqual([
      ['TOTE', { prices: { IDR: 4_700_000, USD: 30_000 }, category: 'BAGS' }],
    ]);
    expect(
      catalogFromJson([
        1,
        { sku: 'A', currency: 'IDR', listPrice: 1 },
        { sku: 'a', currency: 'IDR', listPrice: 2 },
        { sku: 3, currency: 'EURO', listPrice: '9', category: 4 },
      ]),
    ).toEqual({
      ok: false,
      problems: [
        { path: '[0]', message: 'must be { "sku": ..., "currency": ..., "listPrice": ... }' },
        { path: '[2]', message: 'repeats the IDR price of A (first at [1])' },
        { path: '[3].sku', message: 'must be a string' },
        { path: '[3].currency', message: 'must be a known ISO 4217 currency code such as "IDR"' },
        {
          path: '[3].listPrice',
          message: 'must be a list price: a whole number of minor units (IDR 4,700,000 is 4700000)',
        },
        { path: '[3].category', message: 'must be a string' },
      ],
    });
  });

  it('names every bad JSON entry', () => {
    expect(catalogFromJson('IDR 1')).toEqual({
      ok: false,
      problems: [
        {
          path: '',
          message:
            'must be an object of SKUs, { "SKU": { "IDR": 4700000 } }, or a list of { "sku", "currency", "listPrice" }',
        },
      ],
    });
    expect(catalogFromJson({ A: { IDR: -1, idr: 5, category: 3 }, a: { IDR: 1 }, B: 7 })).toEqual({
      ok: false,
      problems: [
        {
          path: 'A.IDR',
          message: 'must be a list price: a whole number of minor units (IDR 4,700,000 is 4700000)',
        },
        {
          path: 'A.idr',
          message:
            'is not a currency code: the keys of a SKU are ISO 4217 codes such as "IDR", or "category"',
        },
        { path: 'A.category', message: 'must be a string' },
        { path: 'a', message: 'names the same SKU as "A" (SKUs are compared case-insensitively)' },
        { path: 'B', message: 'must be an object of list prices by currency: { "IDR": 4700000 }' },
      ],
    });
  });
});

describe('warnings', () => {
  it('a leaked-bank-code style voucher without eligibility terms warns, with why it looks restricted', () => {
    const leaked = {
      discount: { amount: { IDR: 100_000 } },
      minSubtotal: { IDR: 150_000 },
      note: 'IDR 100,000 off a minimum purchase of IDR 150,000, Bank X credit cards only',
    };
    const report = check({ vouchers: { BANKX100K: leaked } });
    expect(codes(report.warnings)).toEqual([
      'voucher_no_budget',
      'voucher_no_customer_cap',
      'voucher_uncapped',
      'voucher_unrestricted',
    ]);
    expect(report.warnings.find((w) => w.code === 'voucher_unrestricted')).toMatchObject({
      voucher: 'BANKX100K',
      message:
        'Voucher BANKX100K looks meant for a few (it takes IDR 100,000 off a minimum spend of IDR 150,000 (66.66%); ' +
        'its note says "Bank") but anyone can use it: it names no paymentMethods, customerSegments or customerIds.',
    });
    expect(report.errors).toEqual([]);
    // With its bank, its caps and its budget it is quiet.
    const contained = check({
      vouchers: {
        BANKX100K: {
          ...leaked,
          paymentMethods: ['card:bank-x*'],
          maxUses: 10_000,
          maxUsesPerCustomer: 1,
          budget: { IDR: 1_000_000_000 },
        },
      },
    });
    expect(contained.warnings).toEqual([]);
  });

  it('a public-looking code is not called restricted; a deep percentage is', () => {
    const limits = { maxUses: 10, maxUsesPerCustomer: 1, budget: { IDR: 1000 } };
    const report = check({
      vouchers: {
        HEMAT10: {
          ...limits,
          discount: { percentBp: 1000, max: { IDR: 50_000 } },
          minSubtotal: { IDR: 100_000 },
        },
        HALF: { ...limits, discount: { percentBp: 5000 } },
        STAFF: { ...limits, discount: { amount: { IDR: 1000 } }, note: 'karyawan' },
      },
    });
    expect(report.warnings.map((w) => [w.code, w.voucher])).toEqual([
      ['voucher_unrestricted', 'HALF'],
      ['voucher_unrestricted', 'STAFF'],
    ]);
  });

  it('a code with no discount, or none in a currency priced, is left out and said so', () => {
    const limits = { maxUses: 10, maxUsesPerCustomer: 1, budget: { IDR: 1000 } };
    const report = check({
      catalog: { BAG: { IDR: 100_000, USD: 1000 } },
      vouchers: { NONE: { ...limits }, IDRONLY: { ...limits, discount: { amount: { IDR: 5000 } } } },
    });
    expect(report.warnings.map((w) => [w.code, w.voucher])).toEqual([
      ['voucher_discount_undeclared', 'NONE'],
      ['voucher_discount_undeclared', 'IDRONLY'],
    ]);
    expect(report.warnings[1]!.message).toContain('declares its amount in IDR but not in USD');
    expect(row(report, 'BAG', 'USD')).toMatchObject({ lowest: 1000, combination: { vouchers: [] } });
  });

  it('a campaign its own caps or floors would hold warns, and so does one without a declared depth', () => {
    const report = check({
      catalog: { TOTE: { IDR: 1_000_000 }, CUP: { IDR: 100_000 } },
      campaigns: [
        { ...FLASH, id: 'deep', skus: ['TOTE'], lineDiscountCapBp: 9500, floorBp: 1000 },
        { ...FLASH, id: 'floored', skus: ['CUP'], lineDiscountCapBp: 5000, floors: { CUP: { IDR: 60_000 } } },
        { ...FLASH, id: 'vague', skus: ['TOTE', 'CUP'] },
        { ...FLASH, id: 'elsewhere', skus: ['HAT'], lineDiscountCapBp: 1000 },
      ],
    });
    expect(report.warnings.map((w) => [w.code, w.campaign])).toEqual([
      ['campaign_over_order_list_cap', 'deep'],
      ['campaign_floor_above_cap', 'deep'],
      ['campaign_floor_above_cap', 'floored'],
      ['campaign_no_line_cap', 'vague'],
      ['campaign_shadowed', 'vague'],
      ['campaign_shadowed', 'vague'],
      ['campaign_unchecked', 'elsewhere'],
    ]);
    expect(report.warnings[0]!.message).toContain(
      'goes to 95% off (lineDiscountCapBp), but orders with campaign lines are capped at 90% off list',
    );
    expect(report.warnings[2]!.message).toContain('CUP IDR (IDR 60,000 > IDR 50,000)');
    expect(report.warnings[4]!.message).toContain(
      'Campaign vague covers CUP, but campaign floored, listed before it and active at the same time, sets the price',
    );
    // The deep campaign breaks its own floor: lines at 5% of list are under 10%.
    expect(report.errors.map((e) => [e.code, e.sku])).toEqual([
      ['below_floor', 'CUP'],
      ['below_floor', 'TOTE'],
    ]);
    expect(report.errors[1]!.message).toContain("The campaign's own cap (95% off) goes below its own floor.");
    expect(report.campaigns.map((c) => [c.id, c.active, c.rows])).toEqual([
      ['deep', true, 1],
      ['floored', true, 1],
      ['vague', true, 0],
      ['elsewhere', true, 0],
    ]);
  });

  it('codes stacked past the order caps warn that the guard holds such orders', () => {
    const report = check({
      catalog: { TOTE: { IDR: 1_000_000 } },
      campaigns: [{ ...FLASH, skus: ['TOTE'], lineDiscountCapBp: 8000, floorBp: 500 }],
      vouchers: {
        B: { discount: { amount: { IDR: 150_000 } }, maxUses: 1, maxUsesPerCustomer: 1, budget: { IDR: 1 } },
      },
    });
    // 200,000 at the campaign price, 150,000 off it: 50,000, 95% off list and 75% off the campaign price.
    expect(row(report, 'TOTE')).toMatchObject({ lowest: 50_000, combination: { vouchers: ['B'] } });
    expect(report.warnings).toMatchObject([
      { code: 'stacking_over_order_list_cap', observed: 9500, limit: 9000 },
    ]);
    expect(report.errors).toEqual([]);
  });

  it('an exception that waives price rules, and rules in shadow mode, warn', () => {
    const report = check({
      mode: 'shadow',
      rules: { below_floor: { mode: 'enforce' }, voucher_terms: { enabled: false } },
      exceptions: [
        {
          id: 'staff-gift',
          note: 'free on purpose',
          rules: ['zero_total', 'below_recent_price'],
          vouchers: ['STAFF'],
        },
      ],
    });
    expect(report.warnings.map((w) => w.message)).toEqual([
      'Exception staff-gift lets orders with vouchers STAFF through zero_total: those orders can pay less than the prices shown here.',
      'The guard does not hold what zero_total (shadow), near_zero_total (shadow), discount_cap (shadow), voucher_terms (off), voucher_window (shadow), voucher_stacking (shadow), voucher_ineligible (shadow) find: an order past these prices or terms would go through (mode, rules).',
    ]);
  });
});

describe('the report for people', () => {
  it('says what was judged, shows the deepest prices, every error and the warnings by kind', () => {
    const report = check({
      catalog: { 'MJ-TOTE-TIGER': { IDR: 4_700_000 }, CUP: { IDR: 50_000 } },
      campaigns: [
        { ...FLASH, skus: ['MJ-TOTE-TIGER'], lineDiscountCapBp: 10_000, orderListCapBp: 10_000 },
        {
          ...FLASH,
          id: 'xmas',
          skus: ['CUP'],
          startsAt: '2026-12-24T00:00:00+07:00',
          endsAt: '2026-12-26T00:00:00+07:00',
          lineDiscountCapBp: 5000,
        },
      ],
    });
    const text = formatPreflight(report);
    expect(text).toContain('Preflight at 2026-11-11T05:00:00.000Z: 2 prices of 2 SKUs (IDR).');
    expect(text).toContain('Campaigns active: flash (1 price). Codes stacked: none.');
    expect(text).toContain(
      'Not active then, so not checked: xmas (2026-12-23T17:00:00.000Z to 2026-12-25T17:00:00.000Z); --at judges another instant.',
    );
    expect(text).toContain(
      [
        'Deepest prices:',
        '  SKU                list           lowest      of list  how',
        '  MJ-TOTE-TIGER IDR  IDR 4,700,000  IDR 0       0%       at the price of campaign flash (100% off)',
        '  CUP IDR            IDR 50,000     IDR 50,000  100%     at its list price',
      ].join('\n'),
    );
    expect(text).toContain('1 error:\n  free: MJ-TOTE-TIGER can be had for nothing in IDR');
    expect(text).toContain('1 error, 0 warnings.');
  });
});
