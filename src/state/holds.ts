// src/state/holds.ts
// Held orders as the queue keeps them: summaries, exposure, primary cause, filter matching, list cursors and group
// keys. Shared by both stores.

import type { Evaluation } from '../core/evaluate';
import type { Order } from '../core/order';
import type { Decision, Reason } from '../core/types';
import type {
  GroupKind,
  HeldOrder,
  HoldFilter,
  HoldOrder,
  IncidentCause,
  MoneyAtStake,
} from '../ports/store';

/** Summaries a held order is searched by, derived from the evaluation. */
export function summarizeHold(order: Order, evaluation: Evaluation, now: number): HeldOrder {
  const { decision, totals } = evaluation;
  const discount = totals.lineDiscounts + totals.voucherDiscounts;
  const { exposure, overcharge } = exposureOf(order, totals.listValue, discount);
  return {
    orderId: order.orderId,
    status: 'pending',
    version: 1,
    order,
    decision,
    heldAt: now,
    updatedAt: now,
    currency: order.currency,
    listValue: totals.listValue,
    discount,
    exposure,
    overcharge,
    cause: causeOf(order, decision),
    rules: [...new Set(decision.reasons.map((reason) => reason.rule))],
    skus: [...new Set(order.lines.map((line) => line.sku))],
    vouchers: [...new Set(order.vouchers.map((voucher) => voucher.code))],
  };
}

/**
 * What an order leaves unpaid of its full list value, and what it overcharges, in minor units. The total recomputed
 * from its parts is `listValue − discount + shipping − shippingDiscount + tax`; the claimed total falls short of it
 * by the unexplained gap (a tampered total) or exceeds it (the shopper pays too much). `exposure` is the line and
 * voucher discounts plus that shortfall; `overcharge` is the excess, shown apart as the shopper's harm.
 */
export function exposureOf(
  order: Pick<Order, 'shipping' | 'shippingDiscount' | 'tax' | 'total'>,
  listValue: number,
  discount: number,
): { exposure: number; overcharge: number } {
  const recomputed = listValue - discount + order.shipping - order.shippingDiscount + order.tax;
  const gap = recomputed - order.total;
  return { exposure: discount + Math.max(0, gap), overcharge: Math.max(0, -gap) };
}

/** The id of an incident: `<kind>:<key>` (the key may itself contain colons). */
export function incidentId(cause: IncidentCause): string {
  return `${cause.kind}:${cause.key}`;
}

/** The reasons that held the order: the enforcing ones (all of them when, oddly, none enforces). */
function holdingReasons(decision: Pick<Decision, 'reasons'>): Reason[] {
  const enforcing = decision.reasons.filter((reason) => reason.mode !== 'shadow');
  return enforcing.length > 0 ? enforcing : decision.reasons;
}

/**
 * The primary cause of a held order, which puts it in exactly one incident: the voucher a reason named (of several,
 * the one with the largest discount on the order), else the SKU a line's reason named (of several, the line with
 * the most money at stake: its discount, then its list value), else the order-level rule: `total_mismatch` when it
 * fired (a total that does not follow from the order's parts is the cause, whatever its zero or near-zero total also
 * tripped), else the first reason's. Other causes of the order show in its incident's breakdown, never as incidents
 * of their own.
 */
export function causeOf(
  order: Pick<Order, 'lines' | 'vouchers'>,
  decision: Pick<Decision, 'reasons'>,
): IncidentCause {
  const reasons = holdingReasons(decision);
  let voucher: { code: string; discount: number } | undefined;
  for (const reason of reasons) {
    if (reason.voucher === undefined) continue;
    let discount = 0;
    for (const applied of order.vouchers) if (applied.code === reason.voucher) discount += applied.discount;
    if (voucher === undefined || discount > voucher.discount) voucher = { code: reason.voucher, discount };
  }
  if (voucher !== undefined) return { kind: 'voucher', key: voucher.code };
  let line: { sku: string; discount: number; value: number } | undefined;
  for (const reason of reasons) {
    const indexes =
      reason.line !== undefined && order.lines[reason.line] !== undefined
        ? [reason.line]
        : reason.sku !== undefined
          ? order.lines.flatMap((candidate, index) => (candidate.sku === reason.sku ? [index] : []))
          : [];
    for (const index of indexes) {
      const candidate = order.lines[index]!;
      const value = candidate.unitPrice * candidate.quantity;
      if (
        line === undefined ||
        candidate.discount > line.discount ||
        (candidate.discount === line.discount && value > line.value)
      ) {
        line = { sku: candidate.sku, discount: candidate.discount, value };
      }
    }
    if (indexes.length === 0 && reason.sku !== undefined && line === undefined) {
      line = { sku: reason.sku, discount: -1, value: -1 }; // a SKU no line carries: still the reason's own cause
    }
  }
  if (line !== undefined) return { kind: 'sku', key: line.sku };
  const mismatch = reasons.find((reason) => reason.rule === 'total_mismatch');
  return { kind: 'rule', key: (mismatch ?? reasons[0])?.rule ?? 'unexplained' };
}

/**
 * The summaries a stored hold of an earlier version lacks (exposure, overcharge, primary cause), derived from its
 * order and decision as this version would have.
 */
export function completeHold<T extends Pick<HeldOrder, 'order' | 'decision' | 'listValue' | 'discount'>>(
  held: T & Partial<Pick<HeldOrder, 'exposure' | 'overcharge' | 'cause'>>,
): T & Pick<HeldOrder, 'exposure' | 'overcharge' | 'cause'> {
  if (held.exposure !== undefined && held.overcharge !== undefined && held.cause !== undefined) {
    return held as T & Pick<HeldOrder, 'exposure' | 'overcharge' | 'cause'>;
  }
  const { exposure, overcharge } = exposureOf(held.order, held.listValue, held.discount);
  return { ...held, exposure, overcharge, cause: causeOf(held.order, held.decision) };
}

/** True when a held order matches a filter. */
export function matchesFilter(held: HeldOrder, filter: HoldFilter): boolean {
  return (
    (filter.status === undefined || held.status === filter.status) &&
    (filter.incident === undefined || incidentId(held.cause) === filter.incident) &&
    (filter.paymentMethod === undefined || held.order.paymentMethod === filter.paymentMethod) &&
    (filter.rule === undefined || held.rules.includes(filter.rule)) &&
    (filter.sku === undefined || held.skus.includes(filter.sku)) &&
    (filter.voucher === undefined || held.vouchers.includes(filter.voucher)) &&
    (filter.from === undefined || held.heldAt >= filter.from) &&
    (filter.to === undefined || held.heldAt < filter.to)
  );
}

/** Where a page ends: the sort score of its last hold (heldAt, or its exposure for `money`) and its order id. */
export interface CursorPosition {
  score: number;
  orderId: string;
}

const CURSOR = /^(newest|oldest|money):(-?\d{1,16}):([\s\S]{1,256})$/;

/** The cursor after `position` in `order`: `<order>:<score>:<orderId>`. */
export function encodeCursor(order: HoldOrder, position: CursorPosition): string {
  return `${order}:${position.score}:${position.orderId}`;
}

/** Why `cursor` is not a cursor of a list in `order`, or undefined when it is one. */
export function cursorProblem(cursor: string, order: HoldOrder): string | undefined {
  const match = CURSOR.exec(cursor);
  if (match === null) {
    return 'is not a cursor this API returned (pass nextCursor back unchanged, with the same filter and order)';
  }
  if (match[1] !== order) return `belongs to a list in ${match[1]} order, not ${order}`;
  if (!Number.isSafeInteger(Number(match[2]))) return 'is not a cursor this API returned';
  return undefined;
}

/** The position a cursor names; throws a TypeError naming the problem for a malformed one. */
export function decodeCursor(cursor: string, order: HoldOrder): CursorPosition {
  const problem = cursorProblem(cursor, order);
  if (problem !== undefined) throw new TypeError(`listHolds: cursor ${JSON.stringify(cursor)} ${problem}`);
  const match = CURSOR.exec(cursor)!;
  return { score: Number(match[2]), orderId: match[3]! };
}

/** The score a hold sorts by in `order`. */
export function sortScore(held: Pick<HeldOrder, 'heldAt' | 'exposure'>, order: HoldOrder): number {
  return order === 'money' ? held.exposure : held.heldAt;
}

/** The prefix of a group's index suffix in the Redis keys (`vch:CODE`, `sku:SKU`, `rule:ID`), per kind. */
export const GROUP_PREFIX: Record<GroupKind, 'vch' | 'sku' | 'rule'> = Object.freeze({
  voucher: 'vch',
  sku: 'sku',
  rule: 'rule',
});

/** Every group a held order belongs to while it is pending. */
export function groupsOf(
  held: Pick<HeldOrder, 'rules' | 'skus' | 'vouchers'>,
): Array<{ kind: GroupKind; key: string }> {
  return [
    ...held.vouchers.map((key) => ({ kind: 'voucher' as const, key })),
    ...held.skus.map((key) => ({ kind: 'sku' as const, key })),
    ...held.rules.map((key) => ({ kind: 'rule' as const, key })),
  ];
}

/** No money: zero orders. */
export function noMoney(): MoneyAtStake {
  return { orders: 0, listValue: 0, discount: 0, total: 0, exposure: 0, overcharge: 0 };
}

/** The money one held order puts at stake: one order, its list value, discounts, total, exposure and overcharge. */
export function moneyOf(
  held: Pick<HeldOrder, 'listValue' | 'discount' | 'order' | 'exposure' | 'overcharge'>,
): MoneyAtStake {
  return {
    orders: 1,
    listValue: held.listValue,
    discount: held.discount,
    total: held.order.total,
    exposure: held.exposure,
    overcharge: held.overcharge,
  };
}

/** Adds `sign` times `money` to `into` (in place). */
export function addMoney(into: MoneyAtStake, money: MoneyAtStake, sign: 1 | -1): void {
  into.orders += sign * money.orders;
  into.listValue += sign * money.listValue;
  into.discount += sign * money.discount;
  into.total += sign * money.total;
  into.exposure += sign * money.exposure;
  into.overcharge += sign * money.overcharge;
}
