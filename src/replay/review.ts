// src/replay/review.ts
// The simulated on-call of `replay --review-after MINUTES`: decides each labelled hold that long after it was held.

import type { ReviewWorkflow } from '../engine/review';
import type { ReviewSummary } from './report';

/** The reviewer's name in the store's audit trail. */
const ACTOR = 'replay-on-call';

interface Due {
  at: number;
  orderId: string;
  to: 'approved' | 'rejected';
}

/**
 * A reviewer who knows the labels: each held order labelled `legit` is approved, each `glitch` one rejected,
 * `afterMs` after it was held, through the review workflow like the review page. Approving tells the store a
 * held price was right, so a history rule learns it (an unannounced markdown stops being held); rejecting gives back
 * the capped voucher uses the order reserved. Orders with other labels or none are left pending.
 */
export class SimulatedOnCall {
  /** Holds waiting for their review, in due order (holds arrive in time order and the delay is fixed). */
  private readonly due: Due[] = [];
  private next = 0;
  private readonly summary: ReviewSummary;

  constructor(
    private readonly workflow: ReviewWorkflow,
    private readonly afterMs: number,
  ) {
    this.summary = { afterMinutes: afterMs / 60_000, approved: 0, rejected: 0, left: 0 };
  }

  /** A new hold at `heldAt`: scheduled for review when its label says what it is. */
  held(orderId: string, heldAt: number, label: string | undefined): void {
    if (label === 'legit' || label === 'glitch') {
      this.due.push({ at: heldAt + this.afterMs, orderId, to: label === 'legit' ? 'approved' : 'rejected' });
    } else this.summary.left++;
  }

  /** Decides every hold due at or before `now`, each at its own due time; resolves to true when any was decided. */
  async review(now: number): Promise<boolean> {
    let decided = false;
    while (this.next < this.due.length && this.due[this.next]!.at <= now) {
      const { at, orderId, to } = this.due[this.next++]!;
      const result = await this.workflow.decide({
        orderId,
        to,
        actor: ACTOR,
        note: `simulated on-call, ${this.summary.afterMinutes} min after the hold`,
        now: at,
      });
      if (result.ok) {
        if (to === 'approved') this.summary.approved++;
        else this.summary.rejected++;
        decided = true;
      }
    }
    if (this.next > 10_000) {
      this.due.splice(0, this.next);
      this.next = 0;
    }
    return decided;
  }

  /** What was decided so far. */
  result(): ReviewSummary {
    return { ...this.summary };
  }
}
