// test/vendure/plugin-parts.test.ts
// The Vendure plugin's parts that need no server: its options, checked with a precise message each, the
// strategies that make a hold look to the shop's own strategies like the payment it stands for, and an order whose
// cart the guard cannot check, which waits for an administrator's decision in Vendure.

import {
  type Channel,
  LanguageCode,
  type Order,
  type OrderPlacedStrategy,
  type PaymentMethodHandler,
  Permission,
  RequestContext,
  type StockAllocationStrategy,
} from '@vendure/core';
import { shopperMessage } from '../../src/core/messages';
import { hashToken } from '../../src/review/auth';
import { MemoryStore } from '../../src/state/memory/store';
import type { VendureOrderSnapshot } from '../../src/vendure/mapping';
import { PriceGuardPluginOptionsError, resolvePluginOptions } from '../../src/vendure/options';
import { PriceGuardOrderResolver } from '../../src/vendure/plugin';
import {
  guardCapture,
  guardFulfillmentProcess,
  guardFulfilment,
  guardOrderProcess,
  guardPaymentProcess,
  guardPlacedStrategy,
  guardStockStrategy,
} from '../../src/vendure/processes';
import { HOLD_STATE, PriceGuardRuntime } from '../../src/vendure/runtime';

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

/** A card case at IDR 1,250,000 (prices include tax; Vendure's unit: IDR 1 is 100), paid by card: mappable. */
const CART: VendureOrderSnapshot = {
  code: 'VND-UNMAPPABLE',
  currencyCode: 'IDR',
  customer: null,
  couponCodes: [],
  promotions: [],
  lines: [
    {
      sku: 'MJ-CARD-CASE',
      quantity: 1,
      listPrice: 125_000_000,
      listPriceIncludesTax: true,
      linePrice: 112_612_613,
      linePriceWithTax: 125_000_000,
      proratedLinePrice: 112_612_613,
      proratedLinePriceWithTax: 125_000_000,
      discounts: [],
    },
  ],
  shippingLines: [],
  surcharges: [],
  subTotal: 112_612_613,
  subTotalWithTax: 125_000_000,
  shipping: 0,
  shippingWithTax: 0,
  totalWithTax: 125_000_000,
  payments: [{ method: 'bank-card', state: 'Authorized', amount: 125_000_000 }],
};

/** The same cart with a cash-on-delivery fee: a surcharge has no field in the order contract. */
const WITH_SURCHARGE: VendureOrderSnapshot = {
  ...CART,
  surcharges: [{ description: 'COD fee', price: 450_450, priceWithTax: 500_000 }],
  totalWithTax: 125_500_000,
};

/** An order as Vendure's processes see it: its state and the guard's custom fields. */
function vendureOrder(
  state: string,
  priceGuardStatus: string | null,
  priceGuardDetail: string | null = null,
) {
  return {
    id: 42,
    code: CART.code,
    state,
    customFields: { priceGuardStatus, priceGuardDetail },
  } as unknown as Order;
}

/** A Vendure request context: the Shop or Admin API, with a user holding `permissions`, or none (the plugin's own). */
function context(apiType: 'shop' | 'admin', user?: { identifier: string; permissions: Permission[] }) {
  const channel = { id: 1, code: '__default_channel__', token: 'default' } as unknown as Channel;
  return new RequestContext({
    apiType,
    channel,
    isAuthorized: true,
    authorizedAsOwnerOnly: false,
    languageCode: LanguageCode.en,
    ...(user
      ? {
          session: {
            id: 1,
            token: 'session',
            expires: new Date(Date.now() + 3_600_000),
            cacheExpiry: 3_600,
            user: {
              id: 7,
              identifier: user.identifier,
              verified: true,
              channelPermissions: [
                { id: 1, token: 'default', code: '__default_channel__', permissions: user.permissions },
              ],
            },
          },
        }
      : {}),
  });
}

const ADMIN = context('admin', {
  identifier: 'ana@shop.example',
  permissions: [Permission.ReadOrder, Permission.UpdateOrder],
});
const VIEWER = context('admin', { identifier: 'vic@shop.example', permissions: [Permission.ReadOrder] });
const PLUGIN = context('admin'); // the plugin's own: no user
const SHOPPER = context('shop', { identifier: 'ayu@example.com', permissions: [Permission.Owner] });

describe('an order whose cart the guard cannot check', () => {
  function runtime() {
    const logger = { warn: jest.fn(), error: jest.fn() };
    const built = new PriceGuardRuntime(resolvePluginOptions({ review: false }, logger));
    return { runtime: built, logger, check: jest.spyOn(built.guard, 'check') };
  }
  const screen = (built: PriceGuardRuntime, cart: VendureOrderSnapshot) => {
    jest.spyOn(built, 'snapshot').mockResolvedValue(cart);
    return built.screen(PLUGIN, vendureOrder('ArrangingPayment', null));
  };

  it('checks a cart it can map as usual (the fixture is a valid order)', async () => {
    const { runtime: built, logger } = runtime();
    expect(await screen(built, CART)).toEqual({ status: 'allowed', detail: '' });
    expect(logger.error).not.toHaveBeenCalled();
  });

  it('is unmappable, not unstored: the reason and what to do on the order, logged at error once, never in the review queue', async () => {
    const { runtime: built, logger, check } = runtime();
    const verdict = await screen(built, WITH_SURCHARGE);
    expect(verdict.status).toBe('unmappable');
    expect(verdict.detail).toMatch(
      /^Not in the review queue: .*An administrator decides here: cancel the order/,
    );
    expect(verdict.detail).toContain(
      'surcharges[0]: a surcharge ("COD fee", 500000) has no field in the order contract',
    );
    expect(logger.error).toHaveBeenCalledTimes(1);
    expect(logger.error).toHaveBeenCalledWith(
      expect.objectContaining({
        orderCode: CART.code,
        problems: [expect.objectContaining({ path: 'surcharges[0]' })],
      }),
      expect.stringMatching(/cannot be mapped.*until an administrator cancels it or moves it on in Vendure/),
    );
    expect(check).not.toHaveBeenCalled();
    expect(await built.store.getHold(CART.code)).toBeUndefined();
  });

  it('is unmappable when the order contract refuses the mapped cart (a SKU with a bidi override)', async () => {
    const { runtime: built } = runtime();
    const line = { ...CART.lines[0]!, sku: 'MJ-CARD\u202eCASE' };
    const verdict = await screen(built, { ...CART, lines: [line] });
    expect(verdict.status).toBe('unmappable');
    expect(verdict.detail).toMatch(
      /the order contract refuses the mapped order: lines\[0\]\.sku: must not contain control, bidirectional-override/,
    );
  });

  it('stays unstored, submitted again, when the failure may pass (the database did not answer)', async () => {
    const { runtime: built } = runtime();
    jest.spyOn(built, 'snapshot').mockRejectedValue(new Error('Connection terminated unexpectedly'));
    expect(await built.screen(PLUGIN, vendureOrder('ArrangingPayment', null))).toEqual({
      status: 'unstored',
      detail: 'Connection terminated unexpectedly',
    });
  });

  it('moves on or is cancelled only by an administrator who may update orders, through the Admin API', async () => {
    const process = guardOrderProcess(runtime().runtime);
    const start = (ctx: RequestContext, from: string, to: string, status = 'unmappable') =>
      process.onTransitionStart!(from as never, to as never, { ctx, order: vendureOrder(from, status) });
    for (const to of ['PaymentAuthorized', 'PaymentSettled', 'Cancelled']) {
      for (const from of [HOLD_STATE, 'ArrangingPayment']) {
        expect(await start(ADMIN, from, to)).toBeUndefined();
        for (const nobody of [SHOPPER, PLUGIN, VIEWER]) {
          expect(await start(nobody, from, to)).toMatch(
            /the price guard cannot check its cart .*an administrator cancels it, or moves it on/,
          );
        }
      }
      // An order in the review queue is still on-call's to decide, not an administrator's.
      for (const status of ['held', 'unstored']) {
        expect(await start(ADMIN, HOLD_STATE, to, status)).toMatch(
          /on-call releases or cancels it in the review queue/,
        );
      }
    }
    // It entered the hold as any held order does, and a cart sent back to the shopper is checked afresh.
    expect(await start(PLUGIN, 'ArrangingPayment', HOLD_STATE)).toBeUndefined();
    expect(await start(SHOPPER, 'ArrangingPayment', 'AddingItems')).toBeUndefined();
  });

  it("records the administrator's decision on the order: released, or cancelling until its payments are returned", async () => {
    const { runtime: built } = runtime();
    const recorded: Array<[string | null, string | null | undefined]> = [];
    jest.spyOn(built, 'record').mockImplementation(async (_ctx, _order, status, detail) => {
      recorded.push([status, detail]);
    });
    const process = guardOrderProcess(built);
    const why = (await screen(built, WITH_SURCHARGE)).detail;
    for (const to of ['Cancelled', 'PaymentAuthorized']) {
      await process.onTransitionEnd!(HOLD_STATE as never, to as never, {
        ctx: ADMIN,
        order: vendureOrder(to, 'unmappable', why),
      });
    }
    expect(recorded).toEqual([
      [
        'cancelling',
        expect.stringMatching(
          /^Cancelled in Vendure by ana@shop\.example; the price guard could not check its cart: checkout-price-guard\/vendure: order VND-UNMAPPABLE cannot be mapped .*surcharges\[0\]/,
        ),
      ],
      ['released', expect.stringMatching(/^Released in Vendure by ana@shop\.example; .*surcharges\[0\]/)],
    ]);
  });

  it('is never captured or fulfilled while it waits, wherever it waits', async () => {
    const settle = jest.fn(async () => ({ success: true as const }));
    const create = jest.fn(async () => ({ method: 'courier' }));
    const handler = { settlePayment: settle } as unknown as PaymentMethodHandler;
    const fulfilment = { createFulfillment: create } as never as Parameters<typeof guardFulfilment>[0];
    guardCapture(handler);
    guardFulfilment(fulfilment);
    const payments = guardPaymentProcess(runtime().runtime);
    const fulfilments = guardFulfillmentProcess();
    const refused = /the price guard cannot check its cart/;
    for (const state of [HOLD_STATE, 'ArrangingPayment']) {
      const order = vendureOrder(state, 'unmappable');
      const captured = await handler.settlePayment(ADMIN, order, {} as never, [] as never, {} as never);
      expect(captured).toMatchObject({
        success: false,
        state: 'Authorized',
        errorMessage: expect.stringMatching(refused),
      });
      expect(
        await payments.onTransitionStart!('Authorized', 'Settled', { ctx: ADMIN, order } as never),
      ).toMatch(refused);
      expect(() => fulfilment.createFulfillment(ADMIN, [order], [], [] as never)).toThrow(refused);
      expect(
        await fulfilments.onTransitionStart!('Created', 'Pending', { ctx: ADMIN, orders: [order] } as never),
      ).toMatch(refused);
    }
    expect(settle).not.toHaveBeenCalled();
    expect(create).not.toHaveBeenCalled();
  });

  it('tells the shopper it is held, as any held order', () => {
    const resolver = new PriceGuardOrderResolver();
    expect(resolver.priceGuard(vendureOrder(HOLD_STATE, 'unmappable'), context('shop'))).toEqual({
      status: 'held',
      message: shopperMessage('held', 'en'),
    });
  });
});
