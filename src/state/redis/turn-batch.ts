// src/state/redis/turn-batch.ts
// Calls asked for in one turn of the event loop, sent to Redis together: one script call per batch, not one each.

/** One call asked for and not yet answered. */
interface Queued<Item, Result> {
  item: Item;
  resolve(result: Result): void;
  reject(error: unknown): void;
}

/**
 * Collects items during one turn of the event loop and sends them at the end of it (`setImmediate`), in batches of
 * at most `maxBatch`, by batch number (a cluster bucket, so every key of one call is in one slot; 0 otherwise).
 * `send` answers one result per item, in order; when it fails, every item of that batch fails with its error.
 * Each call costs ioredis a command object, a promise, a timer and a reply parse: sent together, the orders of a
 * busy turn share them.
 */
export class TurnBatcher<Item, Result> {
  private batches = new Map<number, Array<Queued<Item, Result>>>();
  private scheduled = false;

  constructor(
    private readonly maxBatch: number,
    private readonly send: (items: Item[]) => Promise<Result[]>,
  ) {}

  /** Queues `item` for the end of this turn and resolves with its result. */
  add(item: Item, batch = 0): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      let queued = this.batches.get(batch);
      if (queued === undefined) {
        queued = [];
        this.batches.set(batch, queued);
      }
      queued.push({ item, resolve, reject });
      if (queued.length >= this.maxBatch) {
        this.batches.delete(batch);
        this.dispatch(queued);
      } else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.sendAll());
      }
    });
  }

  private sendAll(): void {
    this.scheduled = false;
    const batches = this.batches;
    this.batches = new Map();
    for (const queued of batches.values()) this.dispatch(queued);
  }

  private dispatch(queued: Array<Queued<Item, Result>>): void {
    let sent: Promise<Result[]>;
    try {
      sent = this.send(queued.map((one) => one.item));
    } catch (error) {
      for (const one of queued) one.reject(error);
      return;
    }
    sent.then(
      (results) => {
        for (let index = 0; index < queued.length; index++) queued[index]!.resolve(results[index]!);
      },
      (error: unknown) => {
        for (const one of queued) one.reject(error);
      },
    );
  }
}
