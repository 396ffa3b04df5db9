// src/state/redis/order-bindings.ts
// Order ids bound to the digest of their content in Redis: a retry is recognised, a reused id refused.

import type { Cluster, Redis } from 'ioredis';
import type { Evaluation } from '../../core/evaluate';
import type { Verdict } from '../../core/types';
import type { Logger } from '../../guard';
import type { OrderBinding } from '../types';
import type { Commands } from './commands';
import type { RedisKeys } from './keys';

const VERDICT: Record<Verdict, string> = { allow: 'a', hold: 'h' };
const FROM_LETTER: Record<string, Verdict> = { a: 'allow', h: 'hold' };

/**
 * One key per order id for the idempotency window: bound synchronously (one script call per order, the only
 * round trip of an allowed order), its verdict recorded behind (`settle`, written at the next flush).
 */
export class RedisOrderBindings {
  /** Verdicts to record: key → value. */
  private pending = new Map<string, string>();

  constructor(
    private readonly client: Redis | Cluster,
    private readonly commands: Commands,
    private readonly keys: RedisKeys,
    private readonly ttlMs: number,
    private readonly logger: Logger,
  ) {}

  async bind(orderId: string, digest: string): Promise<OrderBinding> {
    const key = this.keys.order(orderId);
    const stored = (await this.commands.orderBind(key, digest, this.ttlMs)) as string | null;
    if (stored === null) return { status: 'new' };
    // A verdict this process recorded but has not written yet is as good as the stored one.
    const unwritten = this.pending.get(key);
    const bound = unwritten?.startsWith(`${stored}|`) ? unwritten : stored;
    const [boundDigest, decision, wouldDecide, at] = bound.split('|');
    if (boundDigest !== digest)
      return { status: 'conflict', boundAt: at === undefined ? undefined : Number(at) };
    const verdict =
      decision !== undefined && wouldDecide !== undefined && FROM_LETTER[decision] && FROM_LETTER[wouldDecide]
        ? { decision: FROM_LETTER[decision]!, wouldDecide: FROM_LETTER[wouldDecide]!, at: Number(at) }
        : undefined;
    return { status: 'same', verdict };
  }

  /** Records the verdict of an order whose id this process bound; written at the next flush. */
  settle(orderId: string, evaluation: Evaluation, now: number): void {
    if (evaluation.digest === undefined) return;
    const { decision, wouldDecide } = evaluation.decision;
    this.pending.set(
      this.keys.order(orderId),
      `${evaluation.digest}|${VERDICT[decision]}|${VERDICT[wouldDecide]}|${now}`,
    );
  }

  /** Buffered verdicts not yet written. */
  get unflushed(): number {
    return this.pending.size;
  }

  /** Writes the buffered verdicts in one pipeline (SET XX: only over a binding that still exists). */
  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    const pipeline = this.client.pipeline();
    for (const [key, value] of batch) pipeline.set(key, value, 'PX', this.ttlMs, 'XX');
    try {
      const results = (await pipeline.exec()) ?? [];
      const failed = results.find(([error]) => error);
      if (failed) throw failed[0];
    } catch (error) {
      for (const [key, value] of batch) if (!this.pending.has(key)) this.pending.set(key, value);
      this.logger.warn({ err: error }, 'price guard: could not record order verdicts; will retry');
    }
  }
}
