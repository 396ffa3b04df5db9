// test/replay/code-combination.test.ts
// Replay of a popular code abused in one combination (stacked with another by a checkout bug) while its normal use
// goes on: the trip holds the stacked uses and lets the code's single-code uses through, in memory and on Redis.

import { join } from 'node:path';
import { loadPolicyFile } from '../../src/config/policy-file';
import { replay } from '../../src/replay/replay';
import { ScenarioGenerator, toNdjson } from '../../tools/scenarios';
import { combinationPlan } from '../../tools/scenarios/kinds/code-combination';
import { startRedis, stopAll } from '../helpers/redis';
import { EXAMPLES } from './fixtures';

afterAll(() => stopAll());

describe('replay of a code abused in one combination (seed 11)', () => {
  const generator = new ScenarioGenerator({ seed: 11, ordersPerDay: 1200 });
  const stream = generator.codeCombination();
  const lines = toNdjson(stream).split('\n');
  const policy = loadPolicyFile(join(EXAMPLES, 'policy.general.yaml'));
  const plan = combinationPlan(generator);

  it('is a surge of stacked uses beside the code’s usual single-code uses, which go on during it', () => {
    const incident = stream.filter((order) => order.incident === 'code-combination');
    const abusive = incident.filter((order) => order.label === 'glitch');
    expect(abusive.length).toBeGreaterThan(50);
    for (const order of abusive)
      expect(order.vouchers?.map((voucher) => voucher.code)).toEqual(['DAILY10', 'ONGKIR20']);
    const normal = incident.filter((order) => order.label === 'legit');
    expect(normal.length).toBeGreaterThan(10);
    for (const order of normal) expect(order.vouchers?.map((voucher) => voucher.code)).toEqual(['DAILY10']);
  });

  it.each(['memory', 'redis'] as const)(
    'holds every stacked use from the trip on and none of the single-code uses (%s)',
    async (store) => {
      const redis = store === 'redis' ? await startRedis() : undefined;
      const report = await replay(lines, { policy, ...(redis ? { store, redisUrl: redis.url } : {}) });
      const incident = report.incidents['code-combination']!;
      // The abusive uses: all held once the code trips (the first few are what trips it).
      expect(incident.glitch).toBeGreaterThan(50);
      expect(incident.glitchAllowed).toBe(incident.escapedBeforeDetection);
      expect(incident.escapedBeforeDetection).toBeLessThanOrEqual(10);
      expect(incident.firstHeldByRule.voucher_velocity).toBeDefined();
      // The normal uses during the trip: a trip of every use held them all; scoped, at least 90% fewer are held.
      expect(incident.legit).toBeGreaterThan(10);
      expect(incident.legitHeld).toBeLessThanOrEqual(Math.floor(incident.legit * 0.1));
      expect(Date.parse(incident.firstHeldByRule.voucher_velocity!.at)).toBeGreaterThanOrEqual(plan.start);
    },
    // A few thousand orders through a real Redis: generous for a busy machine (no timing is asserted).
    180_000,
  );
});
