// src/state/lru.ts
// Recency order on a Map (insertion order is recency): touch an entry, or set one and evict the least recent.

/** Moves `key` to the most recent end. */
export function touchLru<K, V>(map: Map<K, V>, key: K, value: V): void {
  map.delete(key);
  map.set(key, value);
}

/**
 * Sets `key` as the most recent entry, then evicts the least recent entries beyond `max`, skipping those
 * `keep` says must stay (e.g. with writes not yet flushed).
 */
export function setLru<K, V>(
  map: Map<K, V>,
  key: K,
  value: V,
  max: number,
  keep?: (value: V) => boolean,
): void {
  map.delete(key);
  map.set(key, value);
  if (map.size <= max) return;
  for (const [oldKey, oldValue] of map) {
    if (map.size <= max) break;
    if (keep?.(oldValue)) continue;
    map.delete(oldKey);
  }
}

/**
 * The last `capacity` keys added, for membership tests: a ring of keys beside a Set. Adding past the capacity forgets
 * the oldest in constant time (a Map used as a queue would leave deleted entries for every later scan to skip).
 */
export class RecentKeys<K> {
  private readonly ring: Array<K | undefined>;
  private readonly members = new Set<K>();
  private next = 0;

  constructor(readonly capacity: number) {
    this.ring = new Array<K | undefined>(capacity);
  }

  has(key: K): boolean {
    return this.members.has(key);
  }

  /** Adds `key` unless present; returns whether it was added. */
  add(key: K): boolean {
    if (this.members.has(key)) return false;
    const oldest = this.ring[this.next];
    if (oldest !== undefined) this.members.delete(oldest);
    this.ring[this.next] = key;
    this.next = (this.next + 1) % this.capacity;
    this.members.add(key);
    return true;
  }

  get size(): number {
    return this.members.size;
  }
}
