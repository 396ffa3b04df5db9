// src/state/redis/order-bindings.ts
// Order ids bound to the digest of their content in Redis: a retry is recognised, a reused id refused.

import type { Cluster, Redis } from 'ioredis';
import type { Evaluation } from '../../core/evaluate';
import type { Verdict } from '../../core/types';
import type { Logger } from '../../ports/logger';
import type { OrderBinding } from '../../ports/store';
import type { Commands } from './commands';
import { orderBucket, type RedisKeys } from './keys';
import { TurnBatcher } from './turn-batch';

const VERDICT: Record<Verdict, string> = { allow: 'a', hold: 'h' };
const FROM_LETTER: Record<string, Verdict> = { a: 'allow', h: 'hold' };

/** Most bindings in one script call; a busier tick sends several. */
export const MAX_BIND_BATCH = 512;

/** A binding asked for and not yet answered. */
interface Asked {
  key: string;
  digest: string;
}

/**
 * One key per order id for the idempotency window. Bound synchronously, the only round trip of an allowed order:
 * the orders that arrive in one turn of the event loop are bound together, in one script call (one per bucket on a
 * cluster), which costs a fraction of a command each. Verdicts are recorded behind (`settle`, written at the next
 * flush, in one call per bucket as well).
 */
export class RedisOrderBindings {
  /** Verdicts to record: key → value. */
  private pending = new Map<string, string>();
  /**
   * Verdicts of the flush under way, until Redis has answered it: a binding answered by Redis before that flush
   * landed still finds them (a retry that arrives while its verdict is being written gets the first answer).
   */
  private writing = new Map<string, string>();
  /** Bindings asked for in this turn of the event loop, sent together (by bucket on a cluster). */
  private readonly batcher: TurnBatcher<Asked, OrderBinding>;
  private readonly cluster: boolean;

  constructor(
    client: Redis | Cluster,
    private readonly commands: Commands,
    private readonly keys: RedisKeys,
    private readonly ttlMs: number,
    private readonly logger: Logger,
  ) {
    this.cluster = (client as { isCluster?: boolean }).isCluster === true;
    this.batcher = new TurnBatcher(MAX_BIND_BATCH, (asked) => this.send(asked));
  }

  bind(orderId: string, digest: string): Promise<OrderBinding> {
    return this.batcher.add(
      { key: this.keys.order(orderId), digest },
      this.cluster ? orderBucket(orderId) : 0,
    );
  }

  private async send(asked: Asked[]): Promise<OrderBinding[]> {
    const args: Array<string | number> = [asked.length];
    for (const one of asked) args.push(one.key);
    args.push(this.ttlMs);
    for (const one of asked) args.push(one.digest);
    const stored = (await this.commands.orderBind(
      ...(args as [number, ...Array<string | number>]),
    )) as string[];
    return asked.map((one, index) => this.binding(one, stored[index] ?? ''));
  }

  /** What a stored value says about the order that asked. */
  private binding(asked: Asked, stored: string): OrderBinding {
    if (stored === '') return { status: 'new' };
    // A verdict this process recorded but has not written yet is as good as the stored one.
    const unwritten = this.pending.get(asked.key) ?? this.writing.get(asked.key);
    const bound = unwritten?.startsWith(`${stored}|`) ? unwritten : stored;
    const [boundDigest, decision, wouldDecide, at] = bound.split('|');
    if (boundDigest !== asked.digest)
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

  /** Writes the buffered verdicts: one script call per batch of keys (SET XX, only over a binding that exists). */
  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const written = this.pending;
    this.pending = new Map();
    this.writing = written;
    const batches = new Map<number, Array<[string, string]>>();
    for (const entry of written) {
      const batch = this.cluster ? bucketOfKey(entry[0]) : 0;
      let entries = batches.get(batch);
      if (entries === undefined) {
        entries = [];
        batches.set(batch, entries);
      }
      entries.push(entry);
    }
    const calls: Array<Promise<unknown>> = [];
    for (const entries of batches.values()) {
      for (let start = 0; start < entries.length; start += MAX_BIND_BATCH) {
        const chunk = entries.slice(start, start + MAX_BIND_BATCH);
        calls.push(
          this.commands.orderSettle(
            chunk.length,
            ...chunk.map(([key]) => key),
            this.ttlMs,
            ...chunk.map(([, value]) => value),
          ),
        );
      }
    }
    const results = await Promise.allSettled(calls);
    if (this.writing === written) this.writing = new Map();
    const failed = results.find((result) => result.status === 'rejected');
    if (failed === undefined) return;
    // Written again at the next flush (SET XX is idempotent); a verdict recorded since wins.
    for (const [key, value] of written) if (!this.pending.has(key)) this.pending.set(key, value);
    this.logger.warn({ err: failed.reason }, 'price guard: could not record order verdicts; will retry');
  }
}

/** The bucket in a key `{P:o:BUCKET}:ORDER`. */
function bucketOfKey(key: string): number {
  const close = key.indexOf('}');
  return Number(key.slice(key.lastIndexOf(':', close) + 1, close));
}
