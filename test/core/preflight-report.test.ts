// test/core/preflight-report.test.ts
// formatPreflight: the text report for people, with what was judged, the deepest prices, errors and warnings.

import { formatPreflight } from '../../src/core/preflight';
import { check, FLASH } from './preflight-fixtures';

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
