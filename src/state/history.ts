// src/state/history.ts
// Which prices of an allowed order enter a SKU's history. Shared by both stores.

import type { Evaluation } from '../core/evaluate';

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
