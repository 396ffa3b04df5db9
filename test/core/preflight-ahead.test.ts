// test/core/preflight-ahead.test.ts
// Preflight looks ahead: the start of every campaign and voucher window within `within` is judged too, and caps
// that allow a price of 0 (or near it) are errors even without a list price.

import { type PolicyInput, parsePolicy } from '../../src/core/policy';
import { PREFLIGHT_WITHIN_MS, preflight, preflightSteps } from '../../src/core/preflight';
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
      expect(warning.instants).toEqual(['2026-11-11T05:00:00.000Z', '2026-11-13T17:00:00.000Z']);
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
      ['free', 'now', 2],
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
    expect(yielded).toEqual([250, 500, 850, 1100]);
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
