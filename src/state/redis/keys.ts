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
  /** The content an order id is bound to (a plain key: order ids spread over the cluster). */
  order(orderId: string): string {
    return `${this.prefix}:o:${orderId}`;
  }
  /** The sorted set of unknown voucher codes admitted to tracking. */
  get unknownVouchers(): string {
    return `{${this.prefix}:unknown}`;
  }
}
