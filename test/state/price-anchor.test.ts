// test/state/price-anchor.test.ts
// The anchor's daily follow is one algorithm in two places: followAnchor (both stores' TypeScript) and
// history-push-1.lua (Redis). Random pushes must leave both with the same anchor, and amounts stay exact.

import fc from 'fast-check';
import { Redis } from 'ioredis';
import {
  ANCHOR_DAY_MS,
  type AnchorRecord,
  acceptedAnchor,
  anchorFromRedis,
  followAnchor,
} from '../../src/state/price-anchor';
import { PriceWindow, type WindowLimits } from '../../src/state/price-window';
import { registerCommands } from '../../src/state/redis/commands';
import { type RedisInstance, startRedis } from '../helpers/redis';

const settings = { since: undefined, minSamples: 3, maxSamples: 3, followBp: 1000, accept: false };

describe('followAnchor', () => {
  const at = (hours: number) => Date.UTC(2026, 10, 10) + hours * 3_600_000;
  const samples = (prices: number[], hours: number) => prices.map((price) => ({ price, at: at(hours) }));

  it('is learned from the median at minSamples, and marks when the price was last at or beyond it', () => {
    const window = samples([100, 120, 90], 0);
    expect(followAnchor(undefined, window.slice(0, 2), window.slice(0, 2), settings)).toBeUndefined();
    const learned = followAnchor(undefined, window, window.slice(2), settings)!;
    expect(learned).toMatchObject({ price: 100, source: 'learned', checkpoint: 100 });
    const later = followAnchor(learned, [...window, ...samples([80], 2)], samples([80], 2), settings)!;
    expect(later).toMatchObject({ price: 100, lastAbove: at(0), lastBelow: at(2) });
  });

  it('moves at most once a day, toward the median it recorded, by at most followBp of itself, exactly', () => {
    const anchor: AnchorRecord = { ...acceptedAnchor(9_007_199_254_740_000, at(0)), checkpoint: 1 };
    const window = samples([5, 5, 5], 25);
    expect(followAnchor(anchor, window, samples([5], 23), settings)!.price).toBe(anchor.price);
    const moved = followAnchor(anchor, window, samples([5], 25), settings)!;
    // 10% of 9,007,199,254,740,000 is 900,719,925,474,000 exactly: no float rounding.
    expect(moved).toMatchObject({ price: 8_106_479_329_266_000, source: 'learned', checkpoint: 5 });
  });

  it('is dropped by a declared price change after it was set, and set by confirmed samples', () => {
    const anchor = acceptedAnchor(1000, at(0));
    const window = samples([300, 300, 300], 5);
    const declared = { ...settings, since: at(4) };
    expect(followAnchor(anchor, window, samples([300], 5), declared)).toMatchObject({ price: 300 });
    const confirmed = followAnchor(anchor, window, samples([300], 1), { ...settings, accept: true });
    expect(confirmed).toMatchObject({ price: 300, source: 'accepted', at: at(1) });
  });
});

describe('history-push-1.lua moves the anchor as followAnchor does', () => {
  let server: RedisInstance;
  let client: Redis;

  beforeAll(async () => {
    server = await startRedis();
    client = new Redis(server.url);
  });
  afterAll(async () => {
    client.disconnect();
    await server.stop();
  });

  const limits: WindowLimits = { maxSamples: 7, bucketMs: 600_000, perBucket: 4 };
  const batch = fc.array(
    fc.record({
      price: fc.oneof(
        fc.integer({ min: 1, max: 2_000 }),
        fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
      ),
      gapMs: fc.oneof(fc.integer({ min: 0, max: 600_000 }), fc.constant(ANCHOR_DAY_MS)),
      verified: fc.boolean(),
    }),
    { minLength: 1, maxLength: 4 },
  );

  it('over random pushes, declarations and follow rates', async () => {
    const commands = registerCommands(client);
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(batch, { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }),
        async (batches, followBp, sinceBatch) => {
          run += 1;
          const base = `{anchor-test:h:P${run}}`;
          const window = new PriceWindow();
          let at = Date.UTC(2026, 10, 10);
          let since: number | undefined;
          for (const [index, samples] of batches.entries()) {
            if (index === sinceBatch) since = at;
            const added = [];
            const args: Array<string | number> = [];
            const accept = samples.every((sample) => sample.verified);
            for (const sample of samples) {
              at += sample.gapMs;
              const one = { price: sample.price, at };
              if (window.add(one, limits, accept)) added.push(one);
              args.push(`${one.price}:${one.at}`, accept ? 1 : 0);
            }
            window.follow(added, { since, minSamples: 3, maxSamples: limits.maxSamples, followBp, accept });
            const reply = (await commands.historyPush(
              base,
              'IDR',
              limits.maxSamples,
              30 * ANCHOR_DAY_MS,
              limits.bucketMs,
              limits.perBucket,
              since ?? -1,
              3,
              followBp,
              ...args,
            )) as [string[], string[], string];
            expect(anchorFromRedis(reply[1], reply[2])).toEqual(window.anchor);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
