// src/state/history.ts
// Which prices enter a SKU's history: those of allowed orders, and those on-call confirmed by approving. Shared by both stores.

import type { Evaluation } from '../core/evaluate';
import type { ConfirmedPrice, HeldOrder } from '../ports/store';

/** Price samples an allowed order contributes: paid unit prices of lines outside campaigns. */
export function historySamples(evaluation: Evaluation): Array<{ sku: string; unitPaid: number }> {
  if (evaluation.decision.wouldDecide !== 'allow') return []; // held orders must not poison the history
  const samples: Array<{ sku: string; unitPaid: number }> = [];
  for (const line of evaluation.totals.lines) {
    if (line.campaign !== undefined || line.paid <= 0) continue;
    samples.push({ sku: line.sku, unitPaid: Math.floor(line.paid / line.quantity) });
  }
  return samples;
}

/**
 * Price samples an approved hold contributes: the lines a history rule held, at the price a reviewer has now
 * confirmed by approving the order. (Lines held for other reasons say nothing about the SKU's normal price.)
 */
export function approvedSamples(held: HeldOrder): ConfirmedPrice[] {
  const samples: ConfirmedPrice[] = [];
  const lines = new Set<number>();
  for (const reason of held.decision.reasons) {
    if (
      (reason.rule === 'below_recent_price' || reason.rule === 'above_recent_price') &&
      reason.line !== undefined
    ) {
      lines.add(reason.line);
    }
  }
  for (const index of lines) {
    const line = held.order.lines[index];
    if (line === undefined) continue;
    const paid = line.unitPrice * line.quantity - line.discount;
    if (paid > 0) samples.push({ sku: line.sku, unitPaid: Math.floor(paid / line.quantity) });
  }
  return samples;
}

/**
 * The samples one confirmed price stands for in the history: `weight` of them at `now` (a reviewer's confirmation
 * counts for several shoppers' purchases; see the stores' `approvalWeight`).
 */
export function weighted(price: number, weight: number, now: number): Array<{ price: number; at: number }> {
  return Array.from({ length: weight }, () => ({ price, at: now }));
}
