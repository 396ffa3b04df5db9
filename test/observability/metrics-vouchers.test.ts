// test/observability/metrics-vouchers.test.ts
// Per-voucher series: redemptions, discount and velocity trips under the codes the policy in force declares.

import { parsePolicy } from '../../src/core/policy';
import { declaredVoucherCodes, OTHER } from '../../src/observability/metrics';
import { line, order } from '../helpers/orders';
import { allowedOrder, samples, setup, value } from './metrics-fixtures';

describe('per-voucher metrics follow the codes the policy in force declares', () => {
  const withVoucher = (code: string, discount = 15_000, currency = 'IDR') =>
    order({ currency, lines: [line('TEE-01', 150_000)], vouchers: [{ code, discount }] });
  const campaign = {
    id: 'harbolnas',
    note: '11.11',
    startsAt: '2026-11-10T17:00:00Z',
    endsAt: '2026-11-11T17:00:00Z',
    vouchers: ['HARBOLNAS11'],
  };

  it('count redemption attempts and discount per declared code and currency, any other code as "other"', async () => {
    const { registry, guard } = setup(
      { vouchers: { BANKONLY100: { paymentMethods: ['CARD:BANK-X'] } }, campaigns: [campaign] },
      { voucherLabels: [' tmrw100pekr6x50'] },
    );
    await guard.check(withVoucher('BANKONLY100', 100_000));
    await guard.check(withVoucher('BANKONLY100', 100_000, 'USD'));
    await guard.check(withVoucher('HARBOLNAS11', 20_000));
    await guard.check(withVoucher('TMRW100PEKR6X50', 50_000));
    await guard.check(withVoucher('GUESSED123', 7_000));
    await guard.check(withVoucher('ANOTHERGUESS', 3_000));
    await guard.check(allowedOrder());

    expect(await value(registry, 'voucherRedemptions', { voucher: 'BANKONLY100' })).toBe(2);
    expect(await value(registry, 'voucherRedemptions', { voucher: 'HARBOLNAS11' })).toBe(1);
    expect(await value(registry, 'voucherRedemptions', { voucher: 'TMRW100PEKR6X50' })).toBe(1);
    expect(await value(registry, 'voucherRedemptions', { voucher: OTHER })).toBe(2);
    expect(await value(registry, 'voucherDiscount', { voucher: 'BANKONLY100', currency: 'IDR' })).toBe(
      100_000,
    );
    expect(await value(registry, 'voucherDiscount', { voucher: 'BANKONLY100', currency: 'USD' })).toBe(
      100_000,
    );
    expect(await value(registry, 'voucherDiscount', { voucher: OTHER, currency: 'IDR' })).toBe(10_000);
    const labels = new Set((await samples(registry, 'voucherRedemptions')).map((s) => s.labels.voucher));
    expect([...labels].sort()).toEqual(['BANKONLY100', 'HARBOLNAS11', 'TMRW100PEKR6X50', OTHER]);
  });

  it('create the series of declared codes at 0 before the first order, and retire codes a reload drops', async () => {
    const { registry, metrics, guard } = setup();
    const first = parsePolicy({ vouchers: { LEAK50: {}, QUIET10: {} }, campaigns: [campaign] });
    expect(metrics.usePolicy(first)).toEqual({
      labelled: ['LEAK50', 'QUIET10', 'HARBOLNAS11'],
      unlabelled: [],
    });
    const trips = async () =>
      (await samples(registry, 'voucherVelocityTrips')).map((s) => `${s.labels.voucher}=${s.value}`).sort();
    expect(await trips()).toEqual(['HARBOLNAS11=0', 'LEAK50=0', 'QUIET10=0', `${OTHER}=0`]);
    expect(await value(registry, 'voucherRedemptions', { voucher: 'LEAK50' })).toBe(0);

    // A reload (the guard reports the policy it judged by): QUIET10 and the campaign go, NEW20 comes.
    guard.setPolicy(parsePolicy({ vouchers: { LEAK50: {}, NEW20: {} } }));
    await guard.check(withVoucher('QUIET10'));
    expect(await trips()).toEqual(['LEAK50=0', 'NEW20=0', `${OTHER}=0`]);
    expect(await value(registry, 'voucherRedemptions', { voucher: OTHER })).toBe(1);
    // Retired codes lose their discount series; `other` keeps one per currency (at 0 from the start).
    const discounts = (await samples(registry, 'voucherDiscount')).map((s) => s.labels.voucher);
    expect([...new Set(discounts)]).toEqual([OTHER]);
  });

  it('label at most maxVoucherLabels codes, voucherLabels first, and report the rest', async () => {
    const { registry, metrics, guard } = setup(
      { vouchers: { BBB: {}, AAA: {}, CCC: {} } },
      { voucherLabels: ['ZZZ'], maxVoucherLabels: 3 },
    );
    expect(metrics.usePolicy(guard.policy)).toEqual({ labelled: ['ZZZ', 'BBB', 'AAA'], unlabelled: ['CCC'] });
    await guard.check(withVoucher('CCC'));
    expect(await value(registry, 'voucherRedemptions', { voucher: OTHER })).toBe(1);
    expect(await value(registry, 'voucherRedemptions', { voucher: 'CCC' })).toBe(0);
    // The same policy again costs nothing and answers the same.
    expect(metrics.usePolicy(guard.policy)).toBe(metrics.usePolicy(guard.policy));
  });

  it('reads the declared codes of a policy in canonical form, terms first, without duplicates', () => {
    const policy = parsePolicy({
      vouchers: { LEAK50: {}, HARBOLNAS11: {} },
      campaigns: [campaign, { ...campaign, id: 'again', vouchers: ['harbolnas11', 'Ｎｅｗ２０'] }],
    });
    expect(declaredVoucherCodes(policy)).toEqual(['LEAK50', 'HARBOLNAS11', 'NEW20']);
  });

  it('count a velocity trip under its declared code even when it is not in voucherLabels', async () => {
    const { registry, guard } = setup({ vouchers: { LEAK50: { velocity: { maxPerWindow: 1 } } } });
    for (let i = 0; i < 2; i++) await guard.check(withVoucher('LEAK50'));
    expect(await value(registry, 'voucherVelocityTrips', { voucher: 'LEAK50' })).toBe(1);
    expect(await value(registry, 'voucherVelocityTrips', { voucher: OTHER })).toBe(0);
  });
});
