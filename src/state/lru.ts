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
