// src/review/bulk.ts
// Bulk decisions by filter: decide every pending order that matches, each on the version seen; safe to retry.

import type { ReviewWorkflow } from '../engine/review';
import type { DecisionRequest, HeldOrder, HoldFilter, IncidentBreakdown, MoneyAtStake } from '../ports/store';
import { addMoney, moneyOf, noMoney } from '../state/holds';

/** What a bulk action did. */
export interface BulkResult {
  /** Pending orders that matched the filter when the action started. */
  matched: number;
  /** Orders this action decided. */
  changed: number;
  /** Matched orders it left alone because someone else decided them meanwhile. */
  skipped: number;
  /** True when more than `maxOrders` matched: run the action again for the rest. */
  truncated: boolean;
  /** The money at stake in the matched orders, per currency (what a preview states before anything changes). */
  money: Record<string, MoneyAtStake>;
  /** How the matched orders split by rule and by payment method, in the shape of an incident's breakdown. */
  breakdown: IncidentBreakdown;
  /**
   * A few of the matched orders (at most `SAMPLE_SIZE`): one per payment method first, so a minority paid another
   * way is seen, then the newest.
   */
  samples: HeldOrder[];
  /** The orders this action decided (for webhooks and events). */
  decided: HeldOrder[];
}

/** How a bulk action runs. */
export interface BulkRequest {
  /** Narrowing filter; the status is always `pending`. */
  filter: Omit<HoldFilter, 'status'>;
  to: DecisionRequest['to'];
  actor: string;
  note: string;
  now: number;
  /** Only count the matches. */
  dryRun: boolean;
  /** Most orders one action decides. */
  maxOrders: number;
}

/** Most sample orders a bulk answer carries. */
export const SAMPLE_SIZE = 5;

const PAGE = 500;
const PARALLEL = 32;
const RETRIES = 3;

/**
 * Lists the matching pending orders first (so deciding them cannot shift the cursor), then decides each on
 * the version it saw. A claim in between (a version bump on a still pending order) is retried on the fresh
 * version; an order decided by someone else is skipped, never flipped.
 */
export async function bulkDecide(review: ReviewWorkflow, request: BulkRequest): Promise<BulkResult> {
  const { store } = review;
  const filter: HoldFilter = { ...request.filter, status: 'pending' };
  const seen: Array<{ orderId: string; version: number }> = [];
  const money: Record<string, MoneyAtStake> = {};
  const breakdown: IncidentBreakdown = { rules: {}, paymentMethods: {} };
  const firstPerMethod = new Map<string, HeldOrder>();
  const newest: HeldOrder[] = [];
  let cursor: string | undefined;
  let truncated = false;
  do {
    const page = await store.listHolds(filter, PAGE, cursor);
    for (const held of page.items) {
      if (seen.length >= request.maxOrders) {
        truncated = true;
        break;
      }
      seen.push({ orderId: held.orderId, version: held.version });
      money[held.currency] ??= noMoney();
      addMoney(money[held.currency]!, moneyOf(held), 1);
      for (const rule of held.rules) breakdown.rules[rule] = (breakdown.rules[rule] ?? 0) + 1;
      const method = held.order.paymentMethod;
      breakdown.paymentMethods[method] = (breakdown.paymentMethods[method] ?? 0) + 1;
      if (!firstPerMethod.has(method) && firstPerMethod.size < SAMPLE_SIZE) firstPerMethod.set(method, held);
      if (newest.length < SAMPLE_SIZE) newest.push(held);
    }
    cursor = page.nextCursor;
  } while (cursor !== undefined && !truncated);
  const samples = [...firstPerMethod.values()];
  for (const held of newest) if (samples.length < SAMPLE_SIZE && !samples.includes(held)) samples.push(held);
  const result: BulkResult = {
    matched: seen.length,
    changed: 0,
    skipped: 0,
    truncated,
    money,
    breakdown,
    samples,
    decided: [],
  };
  if (request.dryRun) return result;

  for (let start = 0; start < seen.length; start += PARALLEL) {
    await Promise.all(
      seen.slice(start, start + PARALLEL).map(async ({ orderId, version }) => {
        let expectedVersion = version;
        for (let attempt = 0; attempt < RETRIES; attempt++) {
          const outcome = await review.decide({
            orderId,
            to: request.to,
            actor: request.actor,
            note: request.note,
            expectedVersion,
            now: request.now,
          });
          if (outcome.ok) {
            result.changed += 1;
            result.decided.push(outcome.held);
            return;
          }
          if (outcome.reason !== 'version_conflict' || outcome.held?.status !== 'pending') break;
          expectedVersion = outcome.held.version;
        }
        result.skipped += 1;
      }),
    );
  }
  return result;
}
