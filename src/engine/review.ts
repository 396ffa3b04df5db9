// src/engine/review.ts
// The review workflow above the store port: decisions and their consequences, on-call's controls and their audit.

import { type Logger, SILENT_LOGGER } from '../ports/logger';
import type {
  DecisionRequest,
  HeldOrder,
  ReviewQueue,
  StateControls,
  TransitionResult,
} from '../ports/store';
import { approvedSamples } from '../state/history';

/** What the review workflow needs of a store: the queue, and whichever state controls the store has. */
export type ReviewStore = ReviewQueue & StateControls;

/** On-call's controls over the guard's state, each needing one of the store's `StateControls`. */
export type ReviewControl = 'clearVoucher' | 'extendVoucher' | 'acceptPrice' | 'resetHistory';

const CONTROL_NEEDS: Record<ReviewControl, keyof StateControls> = {
  clearVoucher: 'clearTrip',
  extendVoucher: 'extendTrip',
  acceptPrice: 'rebaseHistory',
  resetHistory: 'forgetHistory',
};

/** Thrown when a control is asked of a store without the state control it needs; the review API answers 501. */
export class UnsupportedControlError extends Error {
  readonly code = 'ERR_STORE_UNSUPPORTED';
  constructor(
    readonly control: ReviewControl,
    readonly method: keyof StateControls,
  ) {
    super(`the store does not implement ${method}(), which ${control} needs`);
    this.name = this.constructor.name;
  }
}

/** Options of the review workflow. */
export interface ReviewWorkflowOptions {
  /** Where a consequence of a decision that could not be written is reported. Defaults to silence. */
  logger?: Logger;
}

/**
 * Every change a reviewer or on-call makes, written once above the store port for every store: a decision is the
 * store's atomic transition (with its audit entry and webhook event), then its consequences (a rejected order
 * gives back the hard-capped voucher uses it reserved; approving an order a history rule held confirms its
 * prices); each control is the store's plain write, then its audit entry. The review router, bulk actions and
 * replay's simulated on-call all decide through here.
 */
export class ReviewWorkflow {
  private readonly logger: Logger;

  constructor(
    readonly store: ReviewStore,
    options: ReviewWorkflowOptions = {},
  ) {
    this.logger = options.logger ?? SILENT_LOGGER;
  }

  /** True when the store has what `control` needs. */
  supports(control: ReviewControl): boolean {
    return typeof this.store[CONTROL_NEEDS[control]] === 'function';
  }

  /** Assigns a pending hold to a reviewer. */
  claim(orderId: string, actor: string, now: number): Promise<TransitionResult> {
    return this.store.claim(orderId, actor, now);
  }

  /**
   * Approves or rejects a pending hold, once (of concurrent decisions exactly one wins), then carries out what the
   * decision means for the guard's state. A consequence that cannot be written is logged, never thrown: the
   * decision itself is recorded and final, and a retry would only be refused as already decided.
   */
  async decide(request: DecisionRequest): Promise<TransitionResult> {
    const result = await this.store.transition(request);
    if (result.ok) await this.settle(result.held, request.now);
    return result;
  }

  /** Clears a tripped voucher so its orders flow again; false when it is not tripped. Audited. */
  async clearVoucher(code: string, actor: string, now: number): Promise<boolean> {
    if (!(await this.control('clearVoucher').clearTrip!(code, now))) return false;
    await this.store.audit({ at: now, actor, action: 'voucher_cleared', voucher: code });
    return true;
  }

  /** Keeps a tripped voucher held until `until` (epoch ms); false when it is not tripped. Audited. */
  async extendVoucher(code: string, until: number, actor: string, now: number): Promise<boolean> {
    if (!(await this.control('extendVoucher').extendTrip!(code, until))) return false;
    await this.store.audit({
      at: now,
      actor,
      action: 'voucher_extended',
      voucher: code,
      note: `until ${new Date(until).toISOString()}`,
    });
    return true;
  }

  /** Accepts a new normal price for a SKU in one currency: its history starts over at it. Audited. */
  async acceptPrice(sku: string, currency: string, price: number, actor: string, now: number): Promise<void> {
    await this.control('acceptPrice').rebaseHistory!(sku, currency, price, now);
    await this.store.audit({ at: now, actor, action: 'price_accepted', sku, note: `${currency} ${price}` });
  }

  /** Forgets a SKU's price history in every currency (after a catalog fix). Audited. */
  async resetHistory(sku: string, actor: string, now: number): Promise<void> {
    await this.control('resetHistory').forgetHistory!(sku);
    await this.store.audit({ at: now, actor, action: 'history_reset', sku });
  }

  /** The store, once it is known to have what `control` needs. */
  private control(control: ReviewControl): ReviewStore {
    if (!this.supports(control)) throw new UnsupportedControlError(control, CONTROL_NEEDS[control]);
    return this.store;
  }

  /** What a recorded decision does to the guard's state. */
  private async settle(held: HeldOrder, now: number): Promise<void> {
    try {
      if (held.status === 'rejected') {
        await this.store.releaseUses?.(held);
        return;
      }
      // A reviewer confirmed the prices a history rule held: they enter the history.
      const prices = approvedSamples(held);
      if (prices.length > 0) await this.store.confirmPrices?.(held.currency, prices, now);
    } catch (error) {
      this.logger.error(
        { err: error, orderId: held.orderId, status: held.status },
        held.status === 'rejected'
          ? 'review: could not give back the voucher uses a rejected order reserved'
          : 'review: could not add the prices an approval confirmed to the history',
      );
    }
  }
}
