// src/vendure/runtime.ts
// What the plugin does inside Vendure: checks an order once its payment is authorised, keeps a held order in
// PriceGuardHold, and releases or cancels it in Vendure when on-call decides in the review queue.

import {
  ChannelService,
  Customer,
  type Injector,
  isGraphQlErrorResult,
  Order,
  OrderService,
  orderTotalIsCovered,
  Payment,
  ProcessContext,
  type RequestContext,
  RequestContextService,
  TransactionalConnection,
} from '@vendure/core';
import type { CheckResult, Guard } from '../engine/guard';
import type { Logger } from '../ports/logger';
import type { GuardStore } from '../ports/store';
import type { ReviewRouter } from '../review/router';
import { toGuardOrder, VendureMappingError, type VendureOrderSnapshot } from './mapping';
import type { ResolvedPluginOptions } from './options';

/** The order state a held order waits in: placed, payment authorised, nothing fulfilled or captured. */
export const HOLD_STATE = 'PriceGuardHold';

/**
 * Where an order is with the guard, kept in the order's `priceGuardStatus` custom field:
 * - `allowed`: checked and let through;
 * - `held`: in the review queue, waiting for on-call;
 * - `unstored`: held in Vendure but not yet in the review queue (the store was down); the plugin submits it again
 *   every `reconcileIntervalMs`;
 * - `unmappable`: held in Vendure, and never in the review queue: its cart cannot be represented in the order
 *   contract (the reason is in `priceGuardDetail`). It is not checked again; a Vendure administrator cancels it or
 *   moves it on;
 * - `released`: approved by on-call (or released by an administrator in Vendure) and sent on;
 * - `cancelling`: rejected by on-call (or cancelled by an administrator in Vendure); its payments are being voided
 *   or refunded;
 * - `rejected`: cancelled, and every payment voided or refunded.
 */
export type GuardStatus =
  | 'allowed'
  | 'held'
  | 'unstored'
  | 'unmappable'
  | 'released'
  | 'cancelling'
  | 'rejected';

/** The statuses of an order the guard holds: nothing captures, fulfils or moves it on but a decision. */
export const HOLDING_STATUSES: ReadonlySet<string> = new Set<GuardStatus>(['held', 'unstored', 'unmappable']);

declare module '@vendure/core/dist/entity/custom-entity-fields' {
  interface CustomOrderFields {
    priceGuardStatus?: string | null;
    priceGuardDetail?: string | null;
  }
}

declare module '@vendure/core' {
  interface CustomOrderStates {
    PriceGuardHold: never;
  }
}

/** The outcome of checking an order at payment. */
export interface Screening {
  status: 'allowed' | 'held' | 'unstored' | 'unmappable';
  /** For on-call and the admin: the rules that fired, or what kept the order from the review queue. */
  detail: string;
}

const DETAIL_LIMIT = 2_000;
const SWEEP_BATCH = 100;

/** What an administrator reads first on an order the guard cannot check; the reason follows. */
const UNMAPPABLE_DETAIL =
  'Not in the review queue: the price guard cannot check this cart. An administrator decides here: cancel the order, or move it on to release it (to PaymentAuthorized, or PaymentSettled if its payment was captured). Why:';

/** Says why a held order was held, in one line for the order's `priceGuardDetail`. */
function describe(result: CheckResult): string {
  switch (result.kind) {
    case 'held':
      return result.decision.reasons.map((reason) => `${reason.rule}: ${reason.message}`).join(' | ');
    case 'unavailable':
      return `held without the review store (it was unavailable: ${result.error.message}); submitted again until it is stored`;
    case 'invalid':
      return `${UNMAPPABLE_DETAIL} the order contract refuses the mapped order: ${result.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`;
    case 'conflict':
      return 'the order changed after it was checked under the same code; held for a person to look at';
    case 'allowed':
      return '';
  }
}

/** The plugin's work inside one Vendure process; built by `configure`, given Vendure's services at bootstrap. */
export class PriceGuardRuntime {
  readonly guard: Guard;
  readonly store: GuardStore;
  private readonly logger: Logger;
  private services:
    | {
        connection: TransactionalConnection;
        orders: OrderService;
        contexts: RequestContextService;
        channels: ChannelService;
      }
    | undefined;
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  private readonly busy = new Map<string, Promise<void>>();
  private readonly justHeld = new Set<string>();
  private chain: Promise<void> = Promise.resolve();
  /** Vendure's amount precision (its MoneyStrategy), read from the config. */
  precision = 2;
  /** The review page and API mounted in Vendure's server, unless the plugin was told not to mount one. */
  router: ReviewRouter | undefined;

  constructor(private readonly options: ResolvedPluginOptions) {
    this.guard = options.guard;
    this.store = options.store;
    this.logger = options.logger;
  }

  /** Takes Vendure's services (the processes' `init`); starts the reconciliation in the server process. */
  attach(injector: Injector): void {
    if (this.services) return;
    this.services = {
      connection: injector.get(TransactionalConnection),
      orders: injector.get(OrderService),
      contexts: injector.get(RequestContextService),
      channels: injector.get(ChannelService),
    };
    if (injector.get(ProcessContext).isServer) {
      this.timer = setInterval(() => void this.sweep(), this.options.reconcileIntervalMs);
      this.timer.unref();
    }
  }

  /** Stops the reconciliation and waits for the work in flight (the processes' `destroy`). */
  async detach(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.sweeping;
    await this.chain;
  }

  private get vendure() {
    if (!this.services) throw new Error('checkout-price-guard/vendure: the plugin is not bootstrapped yet');
    return this.services;
  }

  /** The fields of the order the mapping reads, with its promotions and customer groups loaded. */
  async snapshot(ctx: RequestContext, order: Order): Promise<VendureOrderSnapshot> {
    const { connection } = this.vendure;
    const promotions =
      order.couponCodes.length === 0
        ? []
        : await connection
            .getRepository(ctx, Order)
            .createQueryBuilder()
            .relation(Order, 'promotions')
            .of(order.id)
            .loadMany<{ id: string | number; couponCode: string | null }>();
    const customer = order.customerId
      ? await connection
          .getRepository(ctx, Customer)
          .findOne({ where: { id: order.customerId }, relations: ['groups'] })
      : null;
    const payments = order.payments ?? (await this.vendure.orders.getOrderPayments(ctx, order.id));
    return {
      code: order.code,
      currencyCode: order.currencyCode,
      customer: customer ? { id: customer.id, groups: customer.groups ?? [] } : null,
      couponCodes: order.couponCodes,
      promotions,
      lines: order.lines.map((line) => ({
        sku: line.productVariant?.sku ?? '',
        quantity: line.quantity,
        listPrice: line.listPrice,
        listPriceIncludesTax: line.listPriceIncludesTax,
        linePrice: line.linePrice,
        linePriceWithTax: line.linePriceWithTax,
        proratedLinePrice: line.proratedLinePrice,
        proratedLinePriceWithTax: line.proratedLinePriceWithTax,
        discounts: line.discounts,
        category: this.options.category?.(line),
      })),
      shippingLines: order.shippingLines.map((line) => ({
        listPriceIncludesTax: line.listPriceIncludesTax,
        price: line.price,
        priceWithTax: line.priceWithTax,
        discountedPrice: line.discountedPrice,
        discountedPriceWithTax: line.discountedPriceWithTax,
      })),
      surcharges: order.surcharges ?? [],
      subTotal: order.subTotal,
      subTotalWithTax: order.subTotalWithTax,
      shipping: order.shipping,
      shippingWithTax: order.shippingWithTax,
      totalWithTax: order.totalWithTax,
      payments: payments.map((payment) => ({
        method: payment.method,
        state: payment.state,
        amount: payment.amount,
      })),
    };
  }

  /**
   * Checks an order whose payments cover it. Never throws: whatever goes wrong holds the order. A cart the mapping
   * cannot represent (or the order contract refuses) is `unmappable`, logged at error once here: checking it again
   * would fail the same way, so it waits for an administrator. Any other failure is `unstored`, submitted again.
   */
  async screen(ctx: RequestContext, order: Order): Promise<Screening> {
    let result: CheckResult;
    try {
      const input = toGuardOrder(await this.snapshot(ctx, order), { precision: this.precision });
      result = await this.guard.check(input);
    } catch (error) {
      if (error instanceof VendureMappingError) {
        const detail = `${UNMAPPABLE_DETAIL} ${error.message}`;
        return this.unmappable(
          order,
          error.problems,
          'its cart cannot be mapped to the order contract',
          detail,
        );
      }
      this.logger.error(
        { err: error, orderCode: order.code },
        'price guard: could not check a Vendure order; it is held until it can be',
      );
      return { status: 'unstored', detail: (error as Error).message.slice(0, DETAIL_LIMIT) };
    }
    if (result.kind === 'allowed') return { status: 'allowed', detail: '' };
    if (result.kind === 'held') return { status: 'held', detail: describe(result).slice(0, DETAIL_LIMIT) };
    if (result.kind === 'invalid') {
      return this.unmappable(
        order,
        result.problems,
        'the order contract refuses its mapped cart',
        describe(result),
      );
    }
    this.logger.error(
      { orderCode: order.code, kind: result.kind },
      `price guard: order held in Vendure outside the review queue: ${describe(result)}`,
    );
    return { status: 'unstored', detail: describe(result).slice(0, DETAIL_LIMIT) };
  }

  /** An order the guard cannot check (`what` says why): logged at error once, left to an administrator. */
  private unmappable(order: Order, problems: unknown, what: string, detail: string): Screening {
    this.logger.error(
      { orderCode: order.code, problems },
      `price guard: a Vendure order cannot be checked: ${what}; it waits in PriceGuardHold until an administrator cancels it or moves it on in Vendure`,
    );
    return { status: 'unmappable', detail: detail.slice(0, DETAIL_LIMIT) };
  }

  /** Records the guard's status on the order (in the caller's transaction). */
  async record(
    ctx: RequestContext,
    order: Order,
    status: GuardStatus | null,
    detail?: string | null,
  ): Promise<void> {
    order.customFields.priceGuardStatus = status;
    if (detail !== undefined) order.customFields.priceGuardDetail = detail;
    await this.vendure.connection.getRepository(ctx, Order).update(order.id, {
      customFields: {
        priceGuardStatus: status,
        ...(detail === undefined ? {} : { priceGuardDetail: detail }),
      },
    });
  }

  /**
   * Records an administrator's decision, made in Vendure, on an order the guard could not check (in the transition's
   * transaction): released, it goes on like an approved order; cancelled, it is `cancelling` until the next
   * reconciliation has voided or refunded its payments, like a rejected one. `priceGuardDetail` keeps who decided
   * and why the guard could not check it.
   */
  async decidedInVendure(
    ctx: RequestContext,
    order: Order,
    decision: 'released' | 'cancelled',
  ): Promise<void> {
    const who = ctx.session?.user?.identifier ?? `user ${String(ctx.activeUserId)}`;
    const why = (order.customFields.priceGuardDetail ?? '').replace(UNMAPPABLE_DETAIL, '').trim();
    const detail = `${decision === 'released' ? 'Released' : 'Cancelled'} in Vendure by ${who}; the price guard could not check its cart: ${why}`;
    await this.record(
      ctx,
      order,
      decision === 'released' ? 'released' : 'cancelling',
      detail.slice(0, DETAIL_LIMIT),
    );
  }

  /** Notes an order the guard has just held, for `afterPayment`. */
  heldNow(orderId: Order['id']): void {
    this.justHeld.add(String(orderId));
  }

  /** After a payment: an order the guard has just held is still in ArrangingPayment; it goes to PriceGuardHold. */
  async afterPayment(ctx: RequestContext, orderId: Order['id']): Promise<void> {
    if (!this.justHeld.delete(String(orderId))) return; // nothing held: no query on an allowed checkout's way
    const order = await this.vendure.connection.getRepository(ctx, Order).findOne({ where: { id: orderId } });
    const status = order?.customFields.priceGuardStatus;
    if (order?.state !== 'ArrangingPayment' || !HOLDING_STATUSES.has(status ?? '')) return;
    const moved = await this.vendure.orders.transitionToState(ctx, orderId, HOLD_STATE);
    if (isGraphQlErrorResult(moved)) {
      this.logger.error(
        { orderCode: order.code, error: moved.message },
        'price guard: a held order could not enter PriceGuardHold; it stays in ArrangingPayment, still held',
      );
    }
  }

  /**
   * Brings one order in line with the review queue: approved in review, released; rejected, cancelled (payments
   * voided or refunded); its hold lost or never stored, checked again. One order at a time in this process (an
   * order already waiting is not queued twice), so decisions made in bulk do not contend for the database.
   */
  reconcile(code: string): Promise<void> {
    const waiting = this.busy.get(code);
    if (waiting) return waiting;
    const work = this.chain
      .then(() => {
        this.busy.delete(code);
        return this.reconcileNow(code);
      })
      .catch((error) => {
        this.logger.error(
          { err: error, orderCode: code },
          'price guard: could not bring a held order in line with its review; trying again at the next pass',
        );
      });
    this.busy.set(code, work);
    this.chain = work;
    return work;
  }

  /** One pass over the orders the guard is not done with. */
  sweep(): Promise<void> {
    if (this.sweeping) return this.sweeping;
    this.sweeping = (async () => {
      try {
        const repository = this.vendure.connection.rawConnection.getRepository(Order);
        for (const status of ['held', 'unstored', 'cancelling'] satisfies GuardStatus[]) {
          const orders = await repository.find({
            where: { customFields: { priceGuardStatus: status } },
            select: { id: true, code: true },
            order: { updatedAt: 'ASC' },
            take: SWEEP_BATCH,
          });
          for (const order of orders) await this.reconcile(order.code);
        }
      } catch (error) {
        this.logger.error({ err: error }, 'price guard: the reconciliation pass failed');
      } finally {
        this.sweeping = undefined;
      }
    })();
    return this.sweeping;
  }

  private async context(code: string): Promise<{ ctx: RequestContext; order: Order } | undefined> {
    const { connection, contexts, channels } = this.vendure;
    const found = await connection.rawConnection
      .getRepository(Order)
      .findOne({ where: { code }, relations: ['channels'] });
    if (!found) return undefined;
    const defaultChannel = await channels.getDefaultChannel();
    const channel = found.channels.find((c) => c.id !== defaultChannel.id) ?? defaultChannel;
    const ctx = await contexts.create({ apiType: 'admin', channelOrToken: channel });
    return { ctx, order: found };
  }

  private async reconcileNow(code: string): Promise<void> {
    const found = await this.context(code);
    if (!found) {
      this.logger.warn({ orderCode: code }, 'price guard: a review decision names no Vendure order');
      return;
    }
    const { ctx, order } = found;
    const status = order.customFields.priceGuardStatus;
    if (status === 'cancelling') {
      await this.returnPayments(ctx, order);
      return;
    }
    if (status !== 'held' && status !== 'unstored') return;
    const held = await this.store.getHold(code);
    if (held?.status === 'approved') {
      await this.release(ctx, code);
    } else if (held?.status === 'rejected') {
      await this.cancel(ctx, code, held.resolution?.note ?? '');
    } else if (held === undefined || status === 'unstored') {
      await this.rescreen(ctx, code);
    }
  }

  /** Checks a held order again: its hold was never stored (the store was down) or the store lost it. */
  private async rescreen(ctx: RequestContext, code: string): Promise<void> {
    const { connection, orders } = this.vendure;
    const released = await connection.withTransaction(ctx, async (tx) => {
      const order = await orders.findOneByCode(tx, code);
      if (!order) return false;
      order.payments = await orders.getOrderPayments(tx, order.id);
      const verdict = await this.screen(tx, order);
      if (verdict.status === 'allowed') return true;
      await this.record(tx, order, verdict.status, verdict.detail);
      return false;
    });
    if (released) {
      this.logger.warn(
        { orderCode: code },
        'price guard: an order held without the review store is allowed now that the store answers; releasing it',
      );
      await this.release(ctx, code);
    }
  }

  /** Approved: the order goes on as it would have without the guard (and its payments are captured if asked). */
  private async release(ctx: RequestContext, code: string): Promise<void> {
    const { connection, orders } = this.vendure;
    const toSettle = await connection.withTransaction(ctx, async (tx) => {
      const order = await orders.findOneByCode(tx, code);
      const status = order?.customFields.priceGuardStatus;
      if (!order || (status !== 'held' && status !== 'unstored')) return [];
      order.payments = await orders.getOrderPayments(tx, order.id);
      const target = orderTotalIsCovered(order, 'Settled')
        ? 'PaymentSettled'
        : orderTotalIsCovered(order, ['Authorized', 'Settled'])
          ? 'PaymentAuthorized'
          : undefined;
      if (target === undefined) {
        throw new Error(
          `order ${code} was approved but its payments no longer cover it (${order.payments.map((p) => `${p.method} ${p.state}`).join(', ')})`,
        );
      }
      await this.record(tx, order, 'released');
      const moved = await orders.transitionToState(tx, order.id, target);
      if (isGraphQlErrorResult(moved))
        throw new Error(`order ${code} could not be released: ${moved.message}`);
      return this.options.settleOnRelease ? order.payments.filter((p) => p.state === 'Authorized') : [];
    });
    for (const payment of toSettle) {
      // Each capture commits on its own: a provider's capture is never rolled back by a later failure.
      const settled = await connection.withTransaction(ctx, (tx) => orders.settlePayment(tx, payment.id));
      if (isGraphQlErrorResult(settled)) {
        this.logger.error(
          { orderCode: code, paymentId: payment.id, error: settled.message },
          'price guard: a released order could not be captured; capture it in the admin',
        );
      }
    }
  }

  /** Rejected: the order is cancelled, then each payment voided (authorised) or refunded (captured). */
  private async cancel(ctx: RequestContext, code: string, note: string): Promise<void> {
    const { connection, orders } = this.vendure;
    const order = await connection.withTransaction(ctx, async (tx) => {
      const order = await orders.findOneByCode(tx, code);
      const status = order?.customFields.priceGuardStatus;
      if (!order || (status !== 'held' && status !== 'unstored')) return order;
      await this.record(tx, order, 'cancelling');
      const cancelled = await orders.cancelOrder(tx, {
        orderId: order.id,
        reason: `Rejected in price review${note ? `: ${note}` : ''}`,
        cancelShipping: true,
      });
      if (isGraphQlErrorResult(cancelled))
        throw new Error(`order ${code} could not be cancelled: ${cancelled.message}`);
      return order;
    });
    if (order?.customFields.priceGuardStatus === 'cancelling') await this.returnPayments(ctx, order);
  }

  /**
   * Voids or refunds what the shopper paid for a cancelled order, then marks it `rejected`. A void that fails is tried
   * again at the next pass (voiding is safe to repeat). A refund is asked for once: Vendure asks the provider before it
   * records the refund, so a refund that fails may still have been paid out, and repeating it could pay twice; it is
   * logged and written on the order for a person to finish in the admin.
   */
  private async returnPayments(ctx: RequestContext, order: Order): Promise<void> {
    const { connection, orders } = this.vendure;
    const payments = await connection
      .getRepository(ctx, Payment)
      .find({ where: { order: { id: order.id } }, relations: ['refunds'] });
    let open = 0;
    const manual: string[] = [];
    for (const payment of payments) {
      const refunded = (payment.refunds ?? [])
        .filter((refund) => refund.state !== 'Failed')
        .reduce((sum, refund) => sum + refund.total, 0);
      if (payment.state === 'Authorized') {
        const voided = await connection
          .withTransaction(ctx, (tx) => orders.cancelPayment(tx, payment.id))
          .catch((error: Error) => ({ message: error.message, errorCode: 'THROWN' }));
        if (isGraphQlErrorResult(voided) || !('state' in voided) || voided.state !== 'Cancelled') {
          open += 1;
          this.logger.error(
            { orderCode: order.code, paymentId: payment.id },
            'price guard: a rejected order’s authorisation could not be voided; trying again at the next pass',
          );
        }
      } else if (payment.state === 'Settled' && refunded < payment.amount) {
        const refund = await connection
          .withTransaction(ctx, (tx) =>
            orders.refundOrder(tx, {
              paymentId: payment.id,
              amount: payment.amount - refunded,
              // Deprecated by Vendure in favour of `amount`, but still stored as NOT NULL columns.
              shipping: 0,
              adjustment: 0,
              reason: 'Rejected in price review',
            }),
          )
          .catch((error: Error) => ({ message: error.message, errorCode: 'THROWN' }));
        const failure =
          'errorCode' in refund
            ? refund.message
            : refund.state === 'Failed'
              ? 'the provider refused it'
              : undefined;
        if (failure !== undefined) {
          manual.push(
            `refund of payment ${payment.id} (${payment.method}, ${payment.amount - refunded}) failed: ${failure}; finish it in the admin`,
          );
          this.logger.error(
            { orderCode: order.code, paymentId: payment.id, error: failure },
            'price guard: a rejected order’s payment could not be refunded; it is not tried again (it may have been paid out): finish it in the admin',
          );
        }
      }
    }
    if (open === 0) {
      await connection.withTransaction(ctx, (tx) =>
        this.record(
          tx,
          order,
          'rejected',
          manual.length > 0 ? manual.join(' | ').slice(0, DETAIL_LIMIT) : undefined,
        ),
      );
    }
  }
}
