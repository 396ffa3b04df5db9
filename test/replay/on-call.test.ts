// test/replay/on-call.test.ts
// The replay's simulated on-call: held orders approved or rejected after a delay, ending markdown holds.

import { parsePolicy } from '../../src/core/policy';
import { formatReport, replay } from '../../src/replay/replay';
import { line, order } from '../helpers/orders';
import { at, ndjson } from './fixtures';

describe('simulated on-call', () => {
  // A SKU sold at 100,000 for half an hour, then marked down to 30,000 for good without telling the guard.
  const markdownRows = () => {
    const rows: object[] = [];
    for (let minute = 0; minute < 60; minute++) {
      const price = minute < 30 ? 100_000 : 30_000;
      rows.push({
        ...order({ orderId: `m${minute}`, lines: [line('S1', price)] }),
        timestamp: at(minute),
        label: 'legit',
        incident: minute < 30 ? undefined : 'markdown',
      });
    }
    rows.push({
      ...order({ orderId: 'free', lines: [line('S2', 80_000, 80_000)] }),
      timestamp: at(31),
      label: 'glitch',
    });
    return ndjson(
      rows.sort((a, b) =>
        (a as { timestamp: string }).timestamp < (b as { timestamp: string }).timestamp ? -1 : 1,
      ),
    );
  };
  const policy = parsePolicy({ history: { minSamples: 20 } });

  it('without review, an unannounced markdown is held for good', async () => {
    const report = await replay(markdownRows(), { policy });
    expect(report.incidents.markdown).toMatchObject({ legit: 30, legitHeld: 30 });
    expect(report.review).toBeUndefined();
  });

  it('approves held legit orders and rejects held glitch ones after the delay; approvals end the markdown holds', async () => {
    const report = await replay(markdownRows(), { policy, reviewAfterMinutes: 10 });
    const markdown = report.incidents.markdown!;
    // Held until the approvals of the first few held orders (10 minutes each after its hold) move the median.
    expect(markdown.legitHeld).toBeGreaterThan(0);
    expect(markdown.legitHeld).toBeLessThan(20);
    expect(Date.parse(markdown.lastLegitHeld!.at) - Date.parse(at(30))).toBeLessThan(20 * 60_000);
    expect(report.review).toEqual({ afterMinutes: 10, approved: markdown.legitHeld, rejected: 1, left: 0 });
    expect(formatReport(report)).toContain('Simulated on-call, 10 min after each hold: approved');
  });
});
