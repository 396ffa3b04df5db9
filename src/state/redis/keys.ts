// src/state/redis/keys.ts
// Key names: every key of one SKU, one voucher code or the review queue shares one hash tag (one cluster slot).

/** Builds the keys of one store prefix. */
export class RedisKeys {
  constructor(readonly prefix: string) {
    if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(prefix)) {
      throw new TypeError(
        `RedisStore: option "prefix" must be 1-64 letters, digits, "_", ".", ":" or "-"; got ${JSON.stringify(prefix)}`,
      );
    }
  }
  /** Base of a SKU's price history: `{P:h:SKU}` (set of currencies), `{P:h:SKU}:CUR` (list of samples). */
  sku(sku: string): string {
    return `{${this.prefix}:h:${sku}}`;
  }
  /** Base of a voucher code's counters: `{P:v:CODE}` and its suffixes. */
  voucher(code: string): string {
    return `{${this.prefix}:v:${code}}`;
  }
  /** Base of the review queue: `{P:q}` and its suffixes. */
  get queue(): string {
    return `{${this.prefix}:q}`;
  }
  /**
   * The content an order id is bound to: `{P:o:BUCKET}:ORDER`. Order ids hash into ORDER_BUCKETS buckets, one hash
   * tag each, so a batch of bindings of one bucket is one script call on a cluster, and the buckets spread over it.
   */
  order(orderId: string): string {
    return `{${this.prefix}:o:${orderBucket(orderId)}}:${orderId}`;
  }
  /**
   * The index of tripped voucher codes (sorted set, code scored by its trip time), under the queue's hash tag: kept
   * after each trip write, resume and clear, and checked against each code's own state when read.
   */
  get trips(): string {
    return `${this.queue}:trips`;
  }
  /**
   * The counter of one rate-limit budget key (`token:NAME` or `ip:ADDRESS`): `{P:rl:KEY}`, one slot per key, so
   * the budget of every address and token spreads over a cluster.
   */
  rateLimit(key: string): string {
    return `{${this.prefix}:rl:${key}}`;
  }
  /** The sorted set of unknown voucher codes admitted to tracking. */
  get unknownVouchers(): string {
    return `{${this.prefix}:unknown}`;
  }
}

/** Buckets of order bindings (hash tags): enough to spread over a cluster's masters, few enough to batch well. */
export const ORDER_BUCKETS = 64;

/** The bucket of an order id: FNV-1a of its UTF-16 code units, modulo ORDER_BUCKETS. */
export function orderBucket(orderId: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < orderId.length; index++) {
    hash ^= orderId.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % ORDER_BUCKETS;
}
