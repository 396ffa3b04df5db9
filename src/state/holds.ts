// src/state/holds.ts
// Held orders as the queue keeps them: summaries, filter matching, list cursors and group keys. Shared by both stores.

import type { Evaluation } from '../core/evaluate';
import type { Order } from '../core/order';
import type { GroupKind, HeldOrder, HoldFilter, HoldOrder, MoneyAtStake } from '../ports/store';

/** Summaries a held order is searched by, derived from the evaluation. */
export function summarizeHold(order: Order, evaluation: Evaluation, now: number): HeldOrder {
  const { decision, totals } = evaluation;
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
    discount: totals.lineDiscounts + totals.voucherDiscounts,
    rules: [...new Set(decision.reasons.map((reason) => reason.rule))],
    skus: [...new Set(order.lines.map((line) => line.sku))],
    vouchers: [...new Set(order.vouchers.map((voucher) => voucher.code))],
  };
}

/** True when a held order matches a filter. */
export function matchesFilter(held: HeldOrder, filter: HoldFilter): boolean {
  return (
    (filter.status === undefined || held.status === filter.status) &&
    (filter.rule === undefined || held.rules.includes(filter.rule)) &&
    (filter.sku === undefined || held.skus.includes(filter.sku)) &&
    (filter.voucher === undefined || held.vouchers.includes(filter.voucher)) &&
    (filter.from === undefined || held.heldAt >= filter.from) &&
    (filter.to === undefined || held.heldAt < filter.to)
  );
}

/** Where a page ends: the sort score of its last hold (heldAt, or its discount for `money`) and its order id. */
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
export function sortScore(held: Pick<HeldOrder, 'heldAt' | 'discount'>, order: HoldOrder): number {
  return order === 'money' ? held.discount : held.heldAt;
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

/** The money one held order puts at stake: one order, its list value, its discounts and its total. */
export function moneyOf(held: Pick<HeldOrder, 'listValue' | 'discount' | 'order'>): MoneyAtStake {
  return { orders: 1, listValue: held.listValue, discount: held.discount, total: held.order.total };
}

/** Adds `sign` times `money` to `into` (in place). */
export function addMoney(into: MoneyAtStake, money: MoneyAtStake, sign: 1 | -1): void {
  into.orders += sign * money.orders;
  into.listValue += sign * money.listValue;
  into.discount += sign * money.discount;
  into.total += sign * money.total;
}
