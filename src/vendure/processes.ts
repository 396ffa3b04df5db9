// src/vendure/processes.ts
// The order, payment and fulfilment processes and the placed/stock strategies that make a hold mean what it
// means: checked at payment, kept as a placed order, nothing captured or fulfilled until on-call decides.

import {
  type FulfillmentHandler,
  type FulfillmentProcess,
  type OrderPlacedStrategy,
  type OrderProcess,
  type OrderState,
  type PaymentMethodHandler,
  type PaymentProcess,
  Permission,
  type RequestContext,
  type StockAllocationStrategy,
} from '@vendure/core';
import { HOLD_STATE, HOLDING_STATUSES, type PriceGuardRuntime } from './runtime';

/** Why a transition out of a hold, or into fulfilment or capture, was refused. */
const HELD =
  'checkout-price-guard: the order is held for a price check; on-call releases or cancels it in the review queue';

/** The same refusal for an order the review queue never gets (its cart cannot be checked): an administrator decides. */
const HELD_UNMAPPABLE =
  'checkout-price-guard: the order is held: the price guard cannot check its cart (priceGuardDetail says why); an administrator cancels it, or moves it on to release it, in the Admin API';

type GuardedOrder = { state: string; customFields: { priceGuardStatus?: string | null } };

const isHeld = (order: GuardedOrder) =>
  order.state === HOLD_STATE || HOLDING_STATUSES.has(order.customFields.priceGuardStatus ?? '');

const refusal = (order: GuardedOrder) =>
  order.customFields.priceGuardStatus === 'unmappable' ? HELD_UNMAPPABLE : HELD;

/** Where an administrator may move an order the guard cannot check: on (released) or cancelled. */
const DECISIONS = new Set<string>(['PaymentAuthorized', 'PaymentSettled', 'Cancelled']);

/**
 * An administrator's decision on an unmappable order: a transition out of the hold (or out of ArrangingPayment, if
 * it never reached the hold) asked through the Admin API by a user who may update orders. The plugin's own
 * contexts have no user, and the shopper's are the Shop API's: neither ever moves such an order.
 */
function administratorDecides(ctx: RequestContext, fromState: string, toState: string): boolean {
  return (
    (fromState === HOLD_STATE || fromState === 'ArrangingPayment') &&
    DECISIONS.has(toState) &&
    ctx.apiType === 'admin' &&
    ctx.userHasPermissions([Permission.UpdateOrder])
  );
}

/**
 * The order process: adds the PriceGuardHold state (after ArrangingPayment, before fulfilment), checks an order on
 * its way from ArrangingPayment to PaymentAuthorized or PaymentSettled, and keeps a held order where it is until
 * the review queue decides (or, for an order whose cart the guard cannot check, an administrator in Vendure).
 */
export function guardOrderProcess(runtime: PriceGuardRuntime): OrderProcess<typeof HOLD_STATE> {
  return {
    transitions: {
      ArrangingPayment: { to: [HOLD_STATE], mergeStrategy: 'merge' },
      [HOLD_STATE]: { to: ['PaymentAuthorized', 'PaymentSettled', 'Cancelled'] },
    },
    init: (injector) => runtime.attach(injector),
    destroy: () => runtime.detach(),
    async onTransitionStart(fromState, toState, { ctx, order }) {
      const status = order.customFields.priceGuardStatus ?? '';
      if (status === 'unmappable' && (fromState === HOLD_STATE || DECISIONS.has(toState))) {
        // Never checked, never in the review queue: only an administrator's own decision moves it on.
        return administratorDecides(ctx, fromState, toState) ? undefined : HELD_UNMAPPABLE;
      }
      if (
        fromState === 'ArrangingPayment' &&
        (toState === 'PaymentAuthorized' || toState === 'PaymentSettled')
      ) {
        if (status === 'allowed' || status === 'released') return;
        if (HOLDING_STATUSES.has(status)) return HELD;
        const verdict = await runtime.screen(ctx, order);
        if (verdict.status === 'allowed') {
          // Saved with the order by the transition itself: no query of its own on the way of an allowed checkout.
          order.customFields.priceGuardStatus = 'allowed';
          return undefined;
        }
        // A held order stays in ArrangingPayment for now (the transition is refused, so it is recorded here); the
        // payment process then moves it into PriceGuardHold.
        await runtime.record(ctx, order, verdict.status, verdict.detail);
        runtime.heldNow(order.id);
        return verdict.status === 'unmappable' ? HELD_UNMAPPABLE : HELD;
      }
      if (toState === HOLD_STATE) {
        return HOLDING_STATUSES.has(status)
          ? undefined
          : 'checkout-price-guard: only the price guard holds an order';
      }
      if (fromState === HOLD_STATE) {
        if (toState === 'Cancelled') return status === 'cancelling' ? undefined : HELD;
        return status === 'released' ? undefined : HELD;
      }
      if (fromState === 'ArrangingPayment' && toState === 'Cancelled' && HOLDING_STATUSES.has(status))
        return HELD;
      return undefined;
    },
    async onTransitionEnd(fromState, toState, { ctx, order }) {
      const status = order.customFields.priceGuardStatus;
      // An administrator decided an order the guard could not check (onTransitionStart let nobody else): recorded
      // as a review decision is. A cancelled one's payments are voided or refunded by the next reconciliation.
      if (status === 'unmappable' && DECISIONS.has(toState)) {
        await runtime.decidedInVendure(ctx, order, toState === 'Cancelled' ? 'cancelled' : 'released');
        return;
      }
      // Back to the cart: what was checked is no longer the order, so the next payment checks it again.
      if (toState === 'AddingItems' && fromState === 'ArrangingPayment' && status) {
        await runtime.record(ctx, order, null, null);
      }
    },
  };
}

/**
 * The payment process: once a payment covers the order, a held order enters PriceGuardHold; while it is held its
 * authorised payments are not captured (only voided, when on-call rejects it).
 */
export function guardPaymentProcess(runtime: PriceGuardRuntime): PaymentProcess<never> {
  return {
    // Authorized -> Authorized is where a refused capture lands (see guardCapture): always refused, with the reason.
    transitions: { Authorized: { to: ['Authorized'], mergeStrategy: 'merge' } },
    async onTransitionStart(fromState, toState, { order }) {
      if (fromState === 'Authorized' && toState === 'Authorized') return refusal(order);
      if (fromState === 'Authorized' && toState === 'Settled' && isHeld(order)) return refusal(order);
      return undefined;
    },
    async onTransitionEnd(_fromState, toState, { ctx, order }) {
      if (toState === 'Authorized' || toState === 'Settled') await runtime.afterPayment(ctx, order.id);
    },
  };
}

/**
 * Keeps a payment provider from capturing a held order's payment: Vendure asks the provider to capture before it
 * changes the payment's state, so the refusal has to come first. The payment stays Authorized and the admin sees why.
 */
export function guardCapture(handler: PaymentMethodHandler): void {
  const capture = handler.settlePayment.bind(handler);
  handler.settlePayment = async (ctx, order, payment, args, method) =>
    isHeld(order)
      ? { success: false, state: 'Authorized', errorMessage: refusal(order) }
      : capture(ctx, order, payment, args, method);
}

/**
 * Keeps a fulfilment of a held order from being created at all (Vendure creates it before its state changes, and a
 * fulfilment left in Created would block the real one after release).
 */
export function guardFulfilment(handler: FulfillmentHandler): void {
  const create = handler.createFulfillment.bind(handler);
  handler.createFulfillment = (ctx, orders, lines, args) => {
    const held = orders.find(isHeld);
    if (held) throw new Error(refusal(held));
    return create(ctx, orders, lines, args);
  };
}

/** The fulfilment process: no fulfilment of a held order gets past Created. */
export function guardFulfillmentProcess(): FulfillmentProcess<never> {
  return {
    async onTransitionStart(fromState, toState, { orders }) {
      const held = orders.find(isHeld);
      if (fromState === 'Created' && toState !== 'Cancelled' && held) return refusal(held);
      return undefined;
    },
  };
}

type Verdict = boolean | Promise<boolean>;
type Ask = (fromState: OrderState, toState: OrderState) => Verdict;

/** `a && !b` over answers that may be promises; synchronous when both are (Vendure's order process does not await
 * `shouldSetAsPlaced`, so a promise there would read as true). */
function andNot(a: Verdict, b: () => Verdict): Verdict {
  if (a instanceof Promise) return a.then((value) => (value ? not(b()) : false));
  return a ? not(b()) : false;
}

function not(verdict: Verdict): Verdict {
  return verdict instanceof Promise ? verdict.then((value) => !value) : !verdict;
}

/**
 * What the shop's strategy would have said without the guard. Entering PriceGuardHold is ArrangingPayment ->
 * PaymentAuthorized to it (the order is placed, its stock allocated); leaving it for X is ArrangingPayment -> X
 * unless the hold already did that, so nothing happens twice and nothing is skipped.
 */
function asIfUnheld(ask: Ask, fromState: OrderState, toState: OrderState): Verdict {
  if (toState === HOLD_STATE) {
    return fromState === 'ArrangingPayment' && ask('ArrangingPayment', 'PaymentAuthorized');
  }
  if (fromState === HOLD_STATE) {
    return andNot(ask('ArrangingPayment', toState), () => ask('ArrangingPayment', 'PaymentAuthorized'));
  }
  return ask(fromState, toState);
}

/** Wraps the shop's OrderPlacedStrategy: a held order is placed (no longer the shopper's cart). */
export function guardPlacedStrategy(inner: OrderPlacedStrategy): OrderPlacedStrategy {
  return {
    init: inner.init?.bind(inner),
    destroy: inner.destroy?.bind(inner),
    shouldSetAsPlaced(ctx, fromState, toState, order) {
      return asIfUnheld((from, to) => inner.shouldSetAsPlaced(ctx, from, to, order), fromState, toState);
    },
  };
}

/** Wraps the shop's StockAllocationStrategy: a held order's stock is allocated (and released if it is cancelled). */
export function guardStockStrategy(inner: StockAllocationStrategy): StockAllocationStrategy {
  return {
    init: inner.init?.bind(inner),
    destroy: inner.destroy?.bind(inner),
    shouldAllocateStock(ctx, fromState, toState, order) {
      return asIfUnheld((from, to) => inner.shouldAllocateStock(ctx, from, to, order), fromState, toState);
    },
  };
}
