// test/core/preflight-warnings.test.ts
// Preflight's warnings: vouchers without terms or caps, campaigns at odds with their caps and floors, waived rules.

import { check, codes, FLASH, row } from './preflight-fixtures';

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
