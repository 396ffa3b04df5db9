// test/vendure/plugin-parts.test.ts
// The Vendure plugin's parts that need no server: its options, checked with a precise message each, and the
// strategies that make a hold look to the shop's own strategies like the payment it stands for.

import type { OrderPlacedStrategy, RequestContext, StockAllocationStrategy } from '@vendure/core';
import { hashToken } from '../../src/review/auth';
import { MemoryStore } from '../../src/state/memory/store';
import { PriceGuardPluginOptionsError, resolvePluginOptions } from '../../src/vendure/options';
import { guardPlacedStrategy, guardStockStrategy } from '../../src/vendure/processes';

const silent = { warn() {}, error() {} };
const review = { tokens: [{ name: 'oncall', role: 'reviewer' as const, sha256: hashToken('t') }] };
const resolve = (options: unknown) => resolvePluginOptions(options as never, silent);

describe('PriceGuardPlugin.init options', () => {
  it('resolves the defaults: an embedded store, the review page at price-guard/review, a 30 s reconciliation', () => {
    const resolved = resolve({ review });
    expect(resolved).toMatchObject({
      reviewPath: 'price-guard/review',
      settleOnRelease: false,
      reconcileIntervalMs: 30_000,
    });
    expect(resolved.store).toBeInstanceOf(MemoryStore);
    expect(resolved.guard.store).toBe(resolved.store);
  });

  it.each<[string, unknown, RegExp]>([
    ['no options', undefined, /options must be an object such as \{ review: \{ tokens \} \}/],
    ['no review', {}, /option "review" is required/],
    ['a review with its own store', { review: { ...review, store: new MemoryStore() } }, /without "store"/],
    [
      'a reviewPath with a leading slash',
      { review, reviewPath: '/guard' },
      /option "reviewPath" must be a path/,
    ],
    [
      'settleOnRelease as a string',
      { review, settleOnRelease: 'yes' },
      /"settleOnRelease" must be true or false/,
    ],
    ['a reconciliation every 10 ms', { review, reconcileIntervalMs: 10 }, /from 50 to 3600000, got 10/],
    ['a category that is not a function', { review, category: 'bags' }, /"category" must be a function/],
    ['an Express-only option', { review, onHold: () => {} }, /"onHold" is for the Express middleware/],
    [
      'a store without a review queue',
      { review, store: { prepare() {}, hold() {}, commit() {} } },
      /"getHold"/,
    ],
    [
      'a typo',
      { review, polcy: {} },
      /unknown option "polcy"; did you mean "policy"\?.*the plugin also knows/,
    ],
    ['a bad policy', { review, policy: { floors: { TOTE: { IDR: -1 } } } }, /floors/],
  ])('refuses %s, naming the option', (_name, options, message) => {
    expect(() => resolve(options)).toThrow(PriceGuardPluginOptionsError);
    expect(() => resolve(options)).toThrow(message);
  });
});

describe('the strategies around a hold', () => {
  const ctx = {} as RequestContext;
  const order = {} as never;
  /** Vendure's default: placed, and stock allocated, when the payment moves the order out of ArrangingPayment. */
  const onPayment = (from: string, to: string) =>
    from === 'ArrangingPayment' && (to === 'PaymentAuthorized' || to === 'PaymentSettled');
  const placed: OrderPlacedStrategy = { shouldSetAsPlaced: (_c, from, to) => onPayment(from, to) };
  const allocated: StockAllocationStrategy = { shouldAllocateStock: (_c, from, to) => onPayment(from, to) };

  it('places the order and allocates its stock when it enters the hold, once', () => {
    for (const strategy of [guardPlacedStrategy(placed), guardStockStrategy(allocated)]) {
      const ask = (from: string, to: string) =>
        'shouldSetAsPlaced' in strategy
          ? strategy.shouldSetAsPlaced(ctx, from as never, to as never, order)
          : (strategy as StockAllocationStrategy).shouldAllocateStock(ctx, from as never, to as never, order);
      expect(ask('ArrangingPayment', 'PriceGuardHold')).toBe(true);
      expect(ask('PriceGuardHold', 'PaymentAuthorized')).toBe(false);
      expect(ask('PriceGuardHold', 'PaymentSettled')).toBe(false);
      expect(ask('PriceGuardHold', 'Cancelled')).toBe(false);
      expect(ask('ArrangingPayment', 'PaymentAuthorized')).toBe(true);
      expect(ask('AddingItems', 'ArrangingPayment')).toBe(false);
    }
  });

  it('answers a synchronous strategy synchronously (Vendure reads shouldSetAsPlaced without awaiting it)', () => {
    const answer = guardPlacedStrategy(placed).shouldSetAsPlaced(
      ctx,
      'AddingItems',
      'ArrangingPayment',
      order,
    );
    expect(answer).toBe(false);
  });

  it('places a held order on release when the shop places orders only once they are captured', async () => {
    const onCapture: OrderPlacedStrategy = {
      shouldSetAsPlaced: async (_c, from, to) => from === 'ArrangingPayment' && to === 'PaymentSettled',
    };
    const strategy = guardPlacedStrategy(onCapture);
    expect(await strategy.shouldSetAsPlaced(ctx, 'ArrangingPayment', 'PriceGuardHold', order)).toBe(false);
    expect(await strategy.shouldSetAsPlaced(ctx, 'PriceGuardHold', 'PaymentSettled', order)).toBe(true);
    expect(await strategy.shouldSetAsPlaced(ctx, 'PriceGuardHold', 'PaymentAuthorized', order)).toBe(false);
  });
});
