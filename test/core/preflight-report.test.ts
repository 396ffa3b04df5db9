// test/core/preflight-report.test.ts
// formatPreflight: the text report for people, with what was judged, the deepest prices, errors and warnings.

import type { PolicyInput } from '../../src/core/policy';
import { formatPreflight } from '../../src/core/preflight';
import { AT, check, FLASH } from './preflight-fixtures';

describe('the report for people', () => {
  it('says what was judged, shows the deepest prices, every error and the warnings by kind', () => {
    const policy: PolicyInput = {
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
    };
    // Six hours ahead: flash ends in twelve.
    const report = check(policy, AT, undefined, 6 * 60 * 60 * 1000);
    const text = formatPreflight(report);
    expect(text).toContain('Preflight at 2026-11-11T05:00:00.000Z: 2 prices of 2 SKUs (IDR).');
    expect(text).toContain('Campaigns active: flash (1 price). Codes stacked: none.');
    expect(text).toContain(
      'Judged ahead, to 2026-11-11T11:00:00.000Z: no campaign or voucher window starts, no campaign ends and no price changes by then.\n' +
        'Not active at any instant judged, so not checked: xmas (2026-12-23T17:00:00.000Z to 2026-12-25T17:00:00.000Z); --at or --within judges other instants.',
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
    // A week ahead, the end of flash is judged too.
    expect(formatPreflight(check(policy))).toContain(
      'Judged ahead, to 2026-11-18T05:00:00.000Z: 2026-11-11T17:00:00.000Z (end of campaign flash).',
    );
  });
});

describe('the report ahead', () => {
  it('names the window starts judged, and when a finding is found if not at every instant', () => {
    const report = check({
      catalog: { TOTE: { IDR: 1_000_000 } },
      floorBp: { all: 4000 },
      campaigns: [
        {
          ...FLASH,
          id: 'flash-1212',
          skus: ['TOTE'],
          startsAt: '2026-11-14T00:00:00+07:00',
          endsAt: '2026-11-15T00:00:00+07:00',
          lineDiscountCapBp: 7000,
          orderListCapBp: 7000,
        },
      ],
    });
    const text = formatPreflight(report);
    expect(text).toContain(
      'Judged ahead, to 2026-11-18T05:00:00.000Z: 2026-11-13T17:00:00.000Z (start of campaign flash-1212); 2026-11-14T17:00:00.000Z (end of campaign flash-1212).',
    );
    expect(text).toContain('Deepest prices at 2026-11-11T05:00:00.000Z:');
    // The error is found at the sale's start only, and says so (the text wraps at 100 characters).
    expect(text.replace(/\s+/g, ' ')).toContain(
      'give it floorBp or floors. Found at 2026-11-13T17:00:00.000Z (start of campaign flash-1212).',
    );
    expect(text).not.toContain('Not active at any instant judged');
  });
});
