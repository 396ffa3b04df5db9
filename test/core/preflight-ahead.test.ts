// test/core/preflight-ahead.test.ts
// Preflight looks ahead: the start of every campaign and voucher window within `within` is judged too, and caps
// that allow a price of 0 (or near it) are errors even without a list price.

import { type PolicyInput, parsePolicy } from '../../src/core/policy';
import { formatPreflight, PREFLIGHT_WITHIN_MS, preflight, preflightSteps } from '../../src/core/preflight';
import { AT, check, codes } from './preflight-fixtures';

const DAY = 24 * 60 * 60 * 1000;
/** AT is 2026-11-11T12:00+07:00; the sale starts three days later. */
const SALE_START = '2026-11-14T00:00:00+07:00';

/** The field stream: the shop's launch code stacked on its own flash-sale prices goes under the sale's floor. */
const LAUNCH: PolicyInput = {
  catalog: { TOTE: { IDR: 1_000_000 }, CUP: { IDR: 100_000 } },
  campaigns: [
    {
      id: 'flash',
      startsAt: SALE_START,
      endsAt: '2026-11-15T00:00:00+07:00',
      skus: ['TOTE', 'CUP'],
      lineDiscountCapBp: 5000,
      floorBp: 4500,
    },
  ],
  vouchers: {
    LAUNCH20: {
      startsAt: SALE_START,
      discount: { percentBp: 2000, max: { IDR: 200_000 } },
      maxUses: 1000,
      maxUsesPerCustomer: 1,
      budget: { IDR: 100_000_000 },
    },
  },
};

describe('looking ahead', () => {
  it('finds a conflict that starts in 3 days, at the start of the campaign, and says so', () => {
    const report = check(LAUNCH);
    expect(report.instants).toEqual([
      { at: '2026-11-11T05:00:00.000Z', starts: [], errors: 0, warnings: 0 },
      {
        at: '2026-11-13T17:00:00.000Z',
        starts: [
          { kind: 'campaign', id: 'flash' },
          { kind: 'voucher', id: 'LAUNCH20' },
        ],
        errors: 2,
        warnings: 0,
      },
      // The sale is over a day later: its SKUs go back to their list price, LAUNCH20 still valid on it.
      {
        at: '2026-11-14T17:00:00.000Z',
        starts: [],
        ends: [{ kind: 'campaign', id: 'flash' }],
        errors: 0,
        warnings: 0,
      },
    ]);
    expect(report.ok).toBe(false);
    expect(report.until).toBe('2026-11-18T05:00:00.000Z');
    expect(report.conflictAhead).toBe('2026-11-13T17:00:00.000Z');
    expect(report.errors.map((error) => [error.code, error.sku, error.campaign, error.instants])).toEqual([
      ['below_floor', 'CUP', 'flash', ['2026-11-13T17:00:00.000Z']],
      ['below_floor', 'TOTE', 'flash', ['2026-11-13T17:00:00.000Z']],
    ]);
    // 50% off, then 20% of the sale price: 40% of list, under the sale's own floor of 45%.
    expect(report.errors[1]!.message).toContain(
      'TOTE can be paid IDR 400,000 a unit in IDR (40% of its list price IDR 1,000,000) at the price of campaign flash (50% off) with LAUNCH20',
    );
    expect(report.campaigns).toMatchObject([{ id: 'flash', active: false, checked: true }]);
    expect(report.vouchersStacked).toEqual(['LAUNCH20']);
    // The rows are the base instant's: at the list price, nothing stacked yet.
    expect(report.skus.map((row) => [row.sku, row.lowest])).toEqual([
      ['CUP', 100_000],
      ['TOTE', 1_000_000],
    ]);
  });

  it('within 0 judges the base instant only, and finds nothing', () => {
    const report = check(LAUNCH, AT, undefined, 0);
    expect(report.instants.map((instant) => instant.at)).toEqual(['2026-11-11T05:00:00.000Z']);
    expect(report.until).toBe(report.at);
    expect(report.ok).toBe(true);
    expect(report.conflictAhead).toBeNull();
    expect(report.campaigns).toMatchObject([{ id: 'flash', active: false, checked: false }]);
    // Nor does a look-ahead that ends before the sale starts.
    expect(check(LAUNCH, AT, undefined, 2 * DAY).ok).toBe(true);
    expect(check(LAUNCH, AT, undefined, 3 * DAY).ok).toBe(false);
  });

  it('reports a finding found at several instants once, naming them', () => {
    const report = check({
      ...LAUNCH,
      vouchers: { ...LAUNCH.vouchers, OPEN: { discount: { amount: { IDR: 1000 } } } },
    });
    const open = report.warnings.filter((warning) => warning.voucher === 'OPEN');
    expect(open.map((warning) => warning.code)).toEqual([
      'voucher_uncapped',
      'voucher_no_customer_cap',
      'voucher_no_budget',
    ]);
    for (const warning of open) {
      expect(warning.instants).toEqual([
        '2026-11-11T05:00:00.000Z',
        '2026-11-13T17:00:00.000Z',
        '2026-11-14T17:00:00.000Z',
      ]);
    }
    expect(report.summary.warnings).toBe(report.warnings.length);
  });

  it('an error found now is not a conflict ahead; a different one later is', () => {
    const report = check({
      ...LAUNCH,
      campaigns: [
        ...LAUNCH.campaigns!,
        {
          id: 'now',
          startsAt: '2026-11-01T00:00:00+07:00',
          endsAt: '2026-12-01T00:00:00+07:00',
          skus: ['HAT'],
          lineDiscountCapBp: 10_000,
          orderListCapBp: 10_000,
        },
      ],
    });
    expect(
      report.errors.map((error) => [error.code, error.campaign ?? null, error.instants!.length]),
    ).toEqual([
      ['free', 'now', 3],
      ['below_floor', 'flash', 1],
      ['below_floor', 'flash', 1],
    ]);
    expect(report.conflictAhead).toBe('2026-11-13T17:00:00.000Z');
  });

  it('defaults to 7 days; a bad within is refused naming the option', () => {
    expect(PREFLIGHT_WITHIN_MS).toBe(7 * DAY);
    expect(check(LAUNCH, AT - 5 * DAY).ok).toBe(true);
    expect(() => preflight(parsePolicy(LAUNCH), { at: AT, within: -1 })).toThrow(
      'preflight option "within" must be a whole number of milliseconds, 0 or more (0: the instant "at" only), got -1',
    );
  });

  it('runs in steps across the instants, to the same report', () => {
    const catalog: Record<string, { IDR: number }> = {};
    for (let index = 0; index < 600; index++) catalog[`SKU-${index}`] = { IDR: 10_000 + index };
    const policy = parsePolicy({
      ...LAUNCH,
      catalog,
      campaigns: [{ ...LAUNCH.campaigns![0]!, skus: ['SKU-1'] }],
    });
    const steps = preflightSteps(policy, { at: AT });
    const yielded: number[] = [];
    let step = steps.next();
    for (; !step.done; step = steps.next()) yielded.push(step.value);
    // 600 rows at each of three instants: now, the sale's start and its end.
    expect(yielded).toEqual([250, 500, 850, 1100, 1450, 1700]);
    expect(step.value).toEqual(preflight(policy, { at: AT }));
  });
});

describe('caps that allow a price of 0 without a list price', () => {
  it('a campaign capped at 100% off is an error even when no SKU it covers has a list price', () => {
    const report = check({
      campaigns: [
        {
          id: 'markdown',
          startsAt: '2026-11-01T00:00:00+07:00',
          endsAt: '2026-12-01T00:00:00+07:00',
          skus: ['MJ-TOTE-TIGER'],
          lineDiscountCapBp: 10_000,
          orderListCapBp: 10_000,
        },
      ],
    });
    expect(report.summary.rows).toBe(0);
    expect(report.ok).toBe(false);
    expect(report.errors).toEqual([
      {
        severity: 'error',
        code: 'free',
        campaign: 'markdown',
        message:
          "Campaign markdown at 100% off (campaign markdown's lineDiscountCapBp) takes 100% off: any SKU it reaches can be had for nothing, whatever its list price. Lower campaign markdown's lineDiscountCapBp.",
        observed: 0,
        limit: 500,
        unit: 'bp',
        instants: ['2026-11-11T05:00:00.000Z'],
      },
    ]);
    expect(codes(report.warnings)).toEqual(['campaign_unchecked']);
  });

  it('a campaign without its own cap falls back on a SKU cap of 100%; one near zero is an error too', () => {
    const campaign = {
      id: 'sale',
      startsAt: '2026-11-01T00:00:00+07:00',
      endsAt: '2026-12-01T00:00:00+07:00',
      orderListCapBp: 10_000,
    };
    const skuCap = check({
      discountCaps: { skus: { GIFT: 10_000 } },
      campaigns: [{ ...campaign, skus: ['GIFT', 'TEE'] }],
    });
    expect(skuCap.errors.map((error) => [error.code, error.campaign])).toEqual([['free', 'sale']]);
    expect(skuCap.errors[0]!.message).toContain('at 100% off (discountCaps.skus.GIFT)');
    const near = check({ campaigns: [{ ...campaign, skus: ['TEE'], lineDiscountCapBp: 9600 }] });
    expect(near.errors).toMatchObject([{ code: 'near_zero', campaign: 'sale', observed: 400, limit: 500 }]);
    // 95% off leaves 5%: not under the near-zero share, so not an error.
    expect(check({ campaigns: [{ ...campaign, skus: ['TEE'], lineDiscountCapBp: 9500 }] }).errors).toEqual(
      [],
    );
  });

  it('voucher terms: a 100% code without max, or percentages stacked past 100%, are errors', () => {
    const limits = { maxUses: 10, maxUsesPerCustomer: 1, budget: { IDR: 1000 } };
    const whole = check({ vouchers: { ALL: { ...limits, discount: { percentBp: 10_000 } } } });
    expect(whole.errors).toMatchObject([{ code: 'free', voucher: 'ALL' }]);
    expect(whole.errors[0]!.message).toContain('Give it a max in each currency, or a smaller percentBp.');
    const stacked = check({
      vouchers: {
        HALF: { ...limits, discount: { percentBp: 5000 }, paymentMethods: ['card:bank-x'] },
        MORE: { ...limits, discount: { percentBp: 5000 }, paymentMethods: ['card:bank-x'] },
      },
    });
    expect(stacked.errors).toMatchObject([{ code: 'free', voucher: 'HALF + MORE' }]);
    // Kept apart, or bounded by a max, they are not.
    const apart = check({
      vouchers: {
        HALF: { ...limits, discount: { percentBp: 5000 }, stackable: false },
        MORE: { ...limits, discount: { percentBp: 5000 } },
      },
    });
    expect(apart.errors).toEqual([]);
    expect(
      check({ vouchers: { ALL: { ...limits, discount: { percentBp: 10_000, max: { IDR: 50_000 } } } } })
        .errors,
    ).toEqual([]);
  });

  it('a code stacked on a campaign price: the campaign names the stack', () => {
    const limits = { maxUses: 10, maxUsesPerCustomer: 1, budget: { IDR: 1000 } };
    const report = check({
      campaigns: [
        {
          id: 'sale',
          startsAt: '2026-11-01T00:00:00+07:00',
          endsAt: '2026-12-01T00:00:00+07:00',
          skus: ['TEE'],
          lineDiscountCapBp: 8000,
          orderListCapBp: 10_000,
        },
      ],
      vouchers: { DEEP: { ...limits, discount: { percentBp: 8000 } } },
    });
    // 20% of list, then 80% off that: 4% of list.
    expect(report.errors).toMatchObject([{ code: 'near_zero', campaign: 'sale', observed: 400 }]);
    expect(report.errors[0]!.message).toContain(
      "Campaign sale at 80% off (campaign sale's lineDiscountCapBp) with DEEP",
    );
  });

  it('a priced row that already reports the conflict is not reported again', () => {
    const report = check({
      catalog: { TOTE: { IDR: 1_000_000 } },
      campaigns: [
        {
          id: 'markdown',
          startsAt: '2026-11-01T00:00:00+07:00',
          endsAt: '2026-12-01T00:00:00+07:00',
          skus: ['TOTE'],
          lineDiscountCapBp: 10_000,
          orderListCapBp: 10_000,
        },
      ],
    });
    expect(report.errors.map((error) => [error.code, error.sku])).toEqual([['free', 'TOTE']]);
  });
});

describe('price changes and campaign ends ahead', () => {
  /** A season-long campaign at 30% off, active now and all week, and the SKU's everyday floor of IDR 600,000. */
  const SEASON: PolicyInput = {
    catalog: { TOTE: { IDR: 1_000_000 } },
    floors: { TOTE: { IDR: 600_000 } },
    campaigns: [
      {
        id: 'season',
        startsAt: '2026-11-01T00:00:00+07:00',
        endsAt: '2026-12-01T00:00:00+07:00',
        skus: ['TOTE'],
        lineDiscountCapBp: 3000,
      },
    ],
  };
  /** The list price falls to IDR 800,000 in two days: 30% off it is IDR 560,000, under the floor. */
  const MARKDOWN: PolicyInput = {
    ...SEASON,
    priceChanges: [{ sku: 'TOTE', at: '2026-11-13T12:00:00+07:00', listPrice: { IDR: 800_000 } }],
  };

  it('judges a scheduled price change at its time: the campaign price under the floor is found then', () => {
    const report = check(MARKDOWN);
    expect(report.instants).toEqual([
      { at: '2026-11-11T05:00:00.000Z', starts: [], errors: 0, warnings: 0 },
      { at: '2026-11-13T05:00:00.000Z', starts: [], priceChanges: ['TOTE'], errors: 1, warnings: 0 },
    ]);
    expect(report.errors.map((error) => [error.code, error.sku, error.campaign, error.instants])).toEqual([
      ['below_floor', 'TOTE', 'season', ['2026-11-13T05:00:00.000Z']],
    ]);
    expect(report.errors[0]!.message).toContain(
      'TOTE can be paid IDR 560,000 a unit in IDR (70% of its list price IDR 800,000) at the price of campaign season (30% off): below its floor of IDR 600,000',
    );
    expect(report.conflictAhead).toBe('2026-11-13T05:00:00.000Z');
    expect(formatPreflight(report)).toContain(
      'Judged ahead, to 2026-11-18T05:00:00.000Z: 2026-11-13T05:00:00.000Z (price change of TOTE).',
    );
    // The rows are still the base instant's, at the list price in force now.
    expect(report.skus.map((row) => [row.sku, row.listPrice, row.lowest])).toEqual([
      ['TOTE', 1_000_000, 700_000],
    ]);
  });

  it('a price change outside the look-ahead, or already in force, is not an instant of its own', () => {
    const now = check(MARKDOWN, AT, undefined, 0);
    expect(now.instants.map((instant) => instant.at)).toEqual(['2026-11-11T05:00:00.000Z']);
    expect(now.ok).toBe(true);
    expect(check(MARKDOWN, AT, undefined, DAY).ok).toBe(true);
    // Judged from after the change, the new price is the one in force at the base instant.
    const after = check(MARKDOWN, Date.parse('2026-11-14T00:00:00+07:00'), undefined, 0);
    expect(after.errors.map((error) => [error.code, error.instants])).toEqual([
      ['below_floor', ['2026-11-13T17:00:00.000Z']],
    ]);
    // A rise reports nothing new: 30% off IDR 1,200,000 keeps over the floor.
    const rise = check({
      ...SEASON,
      priceChanges: [{ sku: 'TOTE', at: '2026-11-13T12:00:00+07:00', listPrice: { IDR: 1_200_000 } }],
    });
    expect(rise.instants.map((instant) => instant.priceChanges ?? [])).toEqual([[], ['TOTE']]);
    expect(rise.ok).toBe(true);
    expect(rise.errors).toEqual([]);
  });

  /**
   * A sale with a relaxed floor of its own, ending tomorrow, and a code valid all month that is kept off sale prices:
   * after the sale the code alone takes the SKU to 80% of its list price, under the everyday floor of 85%.
   */
  const SALE: PolicyInput = {
    catalog: { TOTE: { IDR: 1_000_000 } },
    floorBp: { all: 8500 },
    campaigns: [
      {
        id: 'sale',
        startsAt: '2026-11-10T00:00:00+07:00',
        endsAt: '2026-11-12T00:00:00+07:00',
        skus: ['TOTE'],
        lineDiscountCapBp: 5000,
        floorBp: 4000,
      },
    ],
    vouchers: {
      MONTH20: {
        endsAt: '2026-12-01T00:00:00+07:00',
        withCampaigns: false,
        discount: { percentBp: 2000, max: { IDR: 300_000 } },
        maxUses: 1000,
        maxUsesPerCustomer: 1,
        budget: { IDR: 100_000_000 },
      },
    },
  };

  it('judges the end of a campaign: a code that outlives it, alone on the list price, under the everyday floor', () => {
    const report = check(SALE);
    expect(report.instants).toEqual([
      { at: '2026-11-11T05:00:00.000Z', starts: [], errors: 0, warnings: 0 },
      {
        at: '2026-11-11T17:00:00.000Z',
        starts: [],
        ends: [{ kind: 'campaign', id: 'sale' }],
        errors: 1,
        warnings: 0,
      },
    ]);
    expect(
      report.errors.map((error) => [error.code, error.sku, error.campaign ?? null, error.instants]),
    ).toEqual([['below_floor', 'TOTE', null, ['2026-11-11T17:00:00.000Z']]]);
    expect(report.errors[0]!.message).toContain(
      'TOTE can be paid IDR 800,000 a unit in IDR (80% of its list price IDR 1,000,000) at its list price with MONTH20: below the global floor of 85%',
    );
    expect(report.conflictAhead).toBe('2026-11-11T17:00:00.000Z');
    expect(formatPreflight(report).replace(/\s+/g, ' ')).toContain(
      'Found at 2026-11-11T17:00:00.000Z (end of campaign sale).',
    );
    // During the sale its own floor of 40% applies: half price is fine.
    expect(check(SALE, AT, undefined, 0).ok).toBe(true);
  });

  it('judges the code alone near zero after the campaign, at the end instant, outside the campaign', () => {
    const report = check({
      ...SALE,
      floorBp: {},
      vouchers: { BIG: { ...SALE.vouchers!.MONTH20!, discount: { amount: { IDR: 960_000 } } } },
    });
    // Kept off sale prices, the code is already near zero on the list price during the sale, under the sale's
    // floor; once the sale is over, the same price is found again, on a line outside any campaign.
    expect(report.errors.map((error) => [error.code, error.campaign ?? null, error.instants])).toEqual([
      ['below_floor', 'sale', ['2026-11-11T05:00:00.000Z']],
      ['near_zero', 'sale', ['2026-11-11T05:00:00.000Z']],
      ['near_zero', null, ['2026-11-11T17:00:00.000Z']],
    ]);
    expect(report.errors[2]!.message).toBe(
      'TOTE can be paid IDR 40,000 a unit in IDR (4% of its list price IDR 1,000,000) at its list price with BIG: near zero, under 5% of its list price (nearZeroTotal.fractionBp).',
    );
  });

  it('a voucher window ending is not an instant: it only takes codes away', () => {
    const report = check({
      ...SALE,
      campaigns: [],
      floorBp: {},
      vouchers: { MONTH20: { ...SALE.vouchers!.MONTH20!, endsAt: '2026-11-13T00:00:00+07:00' } },
    });
    expect(report.instants.map((instant) => instant.at)).toEqual(['2026-11-11T05:00:00.000Z']);
    expect(formatPreflight(report)).toContain(
      'Judged ahead, to 2026-11-18T05:00:00.000Z: no campaign or voucher window starts, no campaign ends and no price changes by then.',
    );
  });

  it('names what happens at an instant once, however many changes the policy schedules then', () => {
    const at = '2026-11-12T00:00:00+07:00';
    const report = check({
      ...SALE,
      catalog: { TOTE: { IDR: 1_000_000 }, CUP: { IDR: 100_000 } },
      campaigns: [
        ...SALE.campaigns!,
        { ...SALE.campaigns![0]!, id: 'next', startsAt: at, endsAt: '2026-11-20T00:00:00+07:00' },
      ],
      priceChanges: [
        { sku: 'TOTE', at, listPrice: { IDR: 1_000_000 } },
        { sku: 'CUP', at, listPrice: { IDR: 100_000 } },
        { sku: 'TOTE', at, listPrice: { IDR: 1_000_000 } },
      ],
    });
    expect(report.instants.slice(1)).toMatchObject([
      {
        at: '2026-11-11T17:00:00.000Z',
        starts: [{ kind: 'campaign', id: 'next' }],
        ends: [{ kind: 'campaign', id: 'sale' }],
        priceChanges: ['TOTE', 'CUP'],
      },
    ]);
    expect(formatPreflight(report)).toContain(
      '2026-11-11T17:00:00.000Z (start of campaign next; end of campaign sale; price change of TOTE, CUP).',
    );
  });
});
