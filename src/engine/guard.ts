// src/engine/guard.ts
// The guard: parses an order, gathers facts from the store, evaluates, and stores holds. No HTTP here.

import { z } from 'zod';
import { type Evaluation, evaluate } from '../core/evaluate';
import type { Facts } from '../core/facts';
import { foldLookalikes } from '../core/lookalikes';
import { guardMode, orderLimits, storeTimeoutMs } from '../core/option-fields';
import {
  functionOption,
  loggerOption,
  type OptionProblem,
  OptionsProblemError,
  parseOptions,
  withMethods,
} from '../core/options';
import type { Order, OrderLimits } from '../core/order';
import { orderDigest } from '../core/order-digest';
import { OrderParser } from '../core/order-parser';
import type { Policy } from '../core/policy';
import type { Problem } from '../core/problems';
import type { Effects } from '../core/rules/context';
import { deriveTotals } from '../core/totals';
import type { Decision, Mode } from '../core/types';
import { type Logger, SILENT_LOGGER } from '../ports/logger';
import { type GuardMetrics, NO_METRICS } from '../ports/metrics';
import type { GuardState, HeldOrder, OrderBinding } from '../ports/store';
import { withTimeout } from '../ports/timeout';
import { MemoryStore } from '../state/memory/store';

/** Options of the Guard, checked once when it is built (a GuardOptionsError names each bad one). */
export interface GuardOptions {
  /** The policy to judge by, parsed (`parsePolicy(input)` or `loadPolicyFile(path)`). Required. */
  policy: Policy;
  /** Where holds, price history and voucher counters live. Defaults to a new embedded MemoryStore. */
  store?: GuardState;
  /** Order limits (maxLines, maxQuantity, maxVouchers, strict); the rest from DEFAULT_ORDER_LIMITS. Defaults to DEFAULT_ORDER_LIMITS. */
  limits?: Partial<OrderLimits>;
  /** `enforce` or `shadow`, over the policy's own mode. Defaults to the policy's mode. */
  mode?: Mode;
  /** Milliseconds to wait for the store before deciding without it. Defaults to 200. */
  storeTimeoutMs?: number;
  /** Clock in epoch ms, for tests and replays. Defaults to Date.now. */
  clock?: () => number;
  /** Where store failures are reported. Defaults to silence. */
  logger?: Logger;
  /** Metrics sink (see createMetrics). Defaults to none. */
  metrics?: GuardMetrics;
}

/** Thrown when a Guard is built with a bad option; names the option, the value and the fix. */
export class GuardOptionsError extends OptionsProblemError {
  constructor(problems: readonly OptionProblem[]) {
    super('ERR_GUARD_OPTIONS', 'Guard', problems);
  }
}

/** A parsed policy: what parsePolicy and loadPolicyFile return (a raw policy object has no `mode` or `rules`). */
const parsedPolicy = z.custom<Policy>(
  (value) =>
    value !== null &&
    typeof value === 'object' &&
    typeof (value as Policy).mode === 'string' &&
    typeof (value as Policy).rules === 'object',
  { error: 'must be a parsed policy: parsePolicy(input) or loadPolicyFile(path)' },
);

/** The Guard's options schema: each field checked, and defaulted, once. */
export const guardOptionsSchema = z.strictObject({
  policy: parsedPolicy,
  store: withMethods<GuardState>('GuardState (prepare, hold, commit)', ['prepare', 'hold', 'commit', 'bind'])
    .optional()
    .transform((store) => store ?? new MemoryStore()),
  limits: orderLimits,
  mode: guardMode.optional(),
  storeTimeoutMs,
  clock: functionOption<() => number>('a function returning epoch ms').default(() => Date.now),
  logger: loggerOption<Logger>().default(() => SILENT_LOGGER),
  metrics: withMethods<GuardMetrics>('GuardMetrics (createMetrics() does)', [
    'evaluated',
    'held',
    'invalidOrder',
    'fault',
  ]).default(() => NO_METRICS),
});

/** The outcome of checking one order. */
export type CheckResult =
  | { kind: 'invalid'; problems: Problem[] }
  | { kind: 'allowed'; order: Order; evaluation: Evaluation; decision: Decision }
  | {
      kind: 'held';
      order: Order;
      evaluation: Evaluation;
      decision: Decision;
      held: HeldOrder;
      created: boolean;
    }
  /** The order must be held but the hold could not be stored: answer 503 and let the client retry. */
  | { kind: 'unavailable'; order: Order; evaluation: Evaluation; decision: Decision; error: Error }
  /**
   * The order id was already used for an order with other content: refused (409 `order_id_reused`), never
   * decided afresh. A storefront that changes a cart sends a new order id.
   */
  | { kind: 'conflict'; order: Order; boundAt: number | undefined };

const UNAVAILABLE_FACTS: Facts = Object.freeze({
  history: new Map(),
  vouchers: new Map(),
  unavailable: new Set<'history' | 'vouchers'>(['history', 'vouchers']),
});

/** The effects of a decision that is only repeated. */
const NO_EFFECTS: Effects = Object.freeze({
  tripVouchers: [],
  anomalousVouchers: [],
  resumeVouchers: [],
}) as Effects;

/** Checks orders against a policy and a store. Build one at start-up; `check` is the hot path. */
export class Guard {
  readonly store: GuardState;
  private policyValue: Policy;
  private readonly parser: OrderParser;
  private readonly storeTimeoutMs: number;
  private readonly clock: () => number;
  private readonly logger: Logger;
  private readonly metrics: GuardMetrics;
  private readonly modeOverride: Mode | undefined;

  constructor(options: GuardOptions) {
    const resolved = parseOptions(
      guardOptionsSchema,
      options,
      (problems) => new GuardOptionsError(problems),
      {
        unknownWord: { limits: 'limit' },
      },
    );
    this.modeOverride = resolved.mode;
    this.policyValue = this.withMode(resolved.policy);
    this.store = resolved.store;
    this.parser = new OrderParser(resolved.limits);
    this.storeTimeoutMs = resolved.storeTimeoutMs;
    this.clock = resolved.clock;
    this.logger = resolved.logger;
    this.metrics = resolved.metrics;
  }

  /** The policy in force. */
  get policy(): Policy {
    return this.policyValue;
  }

  /** Swaps the policy in one assignment: an evaluation sees the old policy or the new, never a mix. */
  setPolicy(policy: Policy): void {
    this.policyValue = this.withMode(policy);
  }

  /** Parses and validates an order without evaluating it. */
  parse(input: unknown) {
    return this.parser.parse(input);
  }

  /** Checks one order end to end. Never throws for bad input or a failing store. */
  async check(input: unknown): Promise<CheckResult> {
    const started = process.hrtime.bigint();
    const parsed = this.parser.parse(input);
    if (!parsed.ok) {
      this.metrics.invalidOrder();
      return { kind: 'invalid', problems: parsed.problems };
    }
    const policy = this.policyValue;
    // A look-alike spelling of a declared code (a Cyrillic А, an accent) is that code, held for its spelling.
    const order = foldLookalikes(parsed.order, policy);
    const now = this.clock();
    const digest = orderDigest(order);

    // Both asked at once; the facts often come from the store's cache, without a promise.
    const binding = this.bind(order, digest, now);
    const prepared = this.prepare(order, policy, now);
    const bound = await binding;
    const facts = prepared instanceof Promise ? await prepared : prepared;
    if (bound.status === 'conflict') {
      this.metrics.orderIdReused?.();
      return { kind: 'conflict', order, boundAt: bound.boundAt };
    }
    if (bound.status === 'same' && bound.verdict?.decision === 'allow') {
      // A retry of an allowed order: the first answer again, and nothing counted twice.
      const { verdict } = bound;
      const decision: Decision = {
        decision: 'allow',
        wouldDecide: verdict.wouldDecide,
        orderId: order.orderId,
        mode: policy.mode,
        reasons: [],
        abstentions: [],
        exceptions: [],
        evaluatedAt: now,
        repeatOf: { decidedAt: verdict.at },
      };
      const evaluation: Evaluation = {
        decision,
        totals: deriveTotals(order, policy, now),
        effects: NO_EFFECTS,
        digest,
      };
      return { kind: 'allowed', order, evaluation, decision };
    }

    const evaluation = evaluate(order, policy, facts, now);
    evaluation.digest = digest;
    const { decision } = evaluation;
    this.metrics.evaluated(order, evaluation, Number(process.hrtime.bigint() - started) / 1e9, policy);

    if (decision.decision === 'hold') {
      try {
        const { held, created } = await withTimeout(
          this.store.hold(order, evaluation, policy, now),
          this.storeTimeoutMs * 5,
          'hold',
        );
        if (created) {
          decision.reviewId = held.orderId;
          this.metrics.held(order, evaluation);
          return { kind: 'held', order, evaluation, decision, held, created };
        }
        // A retry of a held order: the first decision, as the queue keeps it.
        const first: Decision = {
          ...held.decision,
          reviewId: held.orderId,
          repeatOf: { decidedAt: held.heldAt },
        };
        return { kind: 'held', order, evaluation, decision: first, held, created };
      } catch (error) {
        this.metrics.fault('hold_unstored');
        this.logger.error(
          { err: error, orderId: order.orderId },
          'price guard: could not store a hold; answering 503',
        );
        return { kind: 'unavailable', order, evaluation, decision, error: error as Error };
      }
    }
    try {
      const committed = this.store.commit(order, evaluation, policy, now);
      if (committed instanceof Promise) {
        committed.catch((error) => {
          this.metrics.fault('commit_failed');
          this.logger.warn(
            { err: error, orderId: order.orderId },
            'price guard: could not record an allowed order',
          );
        });
      }
    } catch (error) {
      this.metrics.fault('commit_failed');
      this.logger.warn(
        { err: error, orderId: order.orderId },
        'price guard: could not record an allowed order',
      );
    }
    return { kind: 'allowed', order, evaluation, decision };
  }

  /** The order id's binding; a store that cannot answer is treated as `new`, and counted. */
  private async bind(order: Order, digest: string, now: number): Promise<OrderBinding> {
    try {
      return await withTimeout(this.store.bind(order.orderId, digest, now), this.storeTimeoutMs, 'bind');
    } catch (error) {
      this.metrics.fault('binding_unavailable');
      this.logger.warn(
        { err: error, orderId: order.orderId },
        'price guard: order id binding unavailable; judging the order as new',
      );
      return { status: 'new' };
    }
  }

  /**
   * The facts of the stateful rules; what the store cannot give is marked unavailable, and counted. Returns the
   * facts themselves when the store answers without a promise.
   */
  private prepare(order: Order, policy: Policy, now: number): Facts | Promise<Facts> {
    let prepared: Facts | Promise<Facts>;
    try {
      prepared = this.store.prepare(order, policy, now);
    } catch (error) {
      return this.factsUnavailable(order, error);
    }
    if (!(prepared instanceof Promise)) return this.counted(prepared);
    return withTimeout(prepared, this.storeTimeoutMs, 'prepare').then(
      (facts) => this.counted(facts),
      (error: unknown) => this.factsUnavailable(order, error),
    );
  }

  private counted(facts: Facts): Facts {
    for (const kind of facts.unavailable) this.metrics.fault(`${kind}_unavailable`);
    return facts;
  }

  private factsUnavailable(order: Order, error: unknown): Facts {
    this.metrics.fault('facts_unavailable');
    this.logger.warn(
      { err: error, orderId: order.orderId },
      'price guard: store unavailable, judging without history and voucher counters',
    );
    return this.counted(UNAVAILABLE_FACTS);
  }

  private withMode(policy: Policy): Policy {
    return this.modeOverride === undefined || this.modeOverride === policy.mode
      ? policy
      : { ...policy, mode: this.modeOverride };
  }
}
