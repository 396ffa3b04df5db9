// src/state/price-anchor.ts
// A SKU's anchor as both stores keep it: set by on-call, learned from the median, and moved at most once a day by a
// bounded step toward the median of the day before (history-push-1.lua does the same in Redis).

import { medianOfSorted, type PriceAnchor, sortAscending } from '../core/facts';
import { applyBp } from '../core/money';

/** One paid unit price and when it was paid (epoch ms), as the price window keeps it. */
type PriceSample = { price: number; at: number };

/** A day, in ms: the anchor moves at most once per day. */
export const ANCHOR_DAY_MS = 86_400_000;

/** The anchor and the bookkeeping of its daily move. */
export interface AnchorRecord extends PriceAnchor {
  /** When it last moved (or was set), epoch ms. */
  movedAt: number;
  /** The median when it last moved: where it moves next, a day later at the earliest. */
  checkpoint: number;
}

/** What the anchor of one SKU and currency follows by. */
export interface FollowSettings {
  /** The last scheduled price change in force (epoch ms): an anchor set before it is superseded. */
  since: number | undefined;
  minSamples: number;
  /** The window's size: a learned anchor is refined to the median until the window is full once. */
  maxSamples: number;
  /** Most the anchor moves in one daily step, in basis points of itself. */
  followBp: number;
  /** The new samples were confirmed by a person (an approved hold): the anchor is set to the median. */
  accept: boolean;
}

/** An anchor set at `price` by on-call at `at`. */
export function acceptedAnchor(price: number, at: number): AnchorRecord {
  return {
    price,
    at,
    source: 'accepted',
    movedAt: at,
    checkpoint: price,
    lastAbove: at,
    lastBelow: at,
  };
}

/**
 * The anchor after `added` samples entered the window (`window`: every sample in it, the added included):
 * - an anchor set before the last declared price change is dropped (the declared price rules until a new one);
 * - confirmed samples (`accept`) set it to the window's median, as accepted;
 * - without one, it is learned from the median once the window has `minSamples` samples since the declaration,
 *   and refined to the median until the window is full (or until its first daily move);
 * - otherwise the added samples mark when a price at or above (at or below) it was last paid, and once a day it
 *   moves toward the median it recorded a day before, by at most `followBp` of itself: a drift that has not lasted
 *   a day has not moved it at all.
 * Pure; returns the record to keep (a new object when anything changed).
 */
export function followAnchor(
  anchor: AnchorRecord | undefined,
  window: readonly PriceSample[],
  added: readonly PriceSample[],
  settings: FollowSettings,
): AnchorRecord | undefined {
  if (added.length === 0) return anchor;
  let now = 0;
  for (const sample of added) now = Math.max(now, sample.at);
  const { since } = settings;
  let current = anchor !== undefined && since !== undefined && anchor.at < since ? undefined : anchor;
  const eligible = since === undefined ? window : window.filter((sample) => sample.at >= since);
  const median = () => medianOfSorted(sortAscending(eligible.map((sample) => sample.price)));
  if (settings.accept && eligible.length > 0) return acceptedAnchor(median(), now);
  if (current === undefined) {
    if (eligible.length < settings.minSamples) return undefined;
    const learned = median();
    return { ...acceptedAnchor(learned, now), source: 'learned' };
  }
  current = { ...current };
  const young = window.length < settings.maxSamples && eligible.length > 0;
  if (young && current.source === 'learned' && current.movedAt === current.at) {
    // Learned from a young history (minSamples): refined to the median until the window has filled once, so
    // the anchor is the median of a full window, not of the first few sales.
    const refined = median();
    current.price = refined;
    current.checkpoint = refined;
  }
  for (const sample of added) {
    if (sample.price >= current.price) current.lastAbove = Math.max(current.lastAbove ?? 0, sample.at);
    if (sample.price <= current.price) current.lastBelow = Math.max(current.lastBelow ?? 0, sample.at);
  }
  if (now - current.movedAt >= ANCHOR_DAY_MS) {
    const step = applyBp(current.price, settings.followBp);
    const moved = Math.min(current.price + step, Math.max(current.price - step, current.checkpoint));
    if (moved !== current.price) current.source = 'learned';
    current.price = moved;
    current.movedAt = now;
    if (eligible.length >= settings.minSamples) current.checkpoint = median();
  }
  return current;
}

/** The anchor as the rules see it. */
export function anchorFact(anchor: AnchorRecord): PriceAnchor {
  const fact: PriceAnchor = { price: anchor.price, at: anchor.at, source: anchor.source };
  if (anchor.lastAbove !== undefined) fact.lastAbove = anchor.lastAbove;
  if (anchor.lastBelow !== undefined) fact.lastBelow = anchor.lastBelow;
  return fact;
}

/**
 * An anchor from the fields Redis keeps (`{P:h:SKU}:CUR:a`, see history-push-1.lua), or from the accepted price an
 * older version kept as `price:epochMs` (`:anchor`). Undefined when there is neither.
 */
export function anchorFromRedis(fields: readonly string[], legacy: string): AnchorRecord | undefined {
  if (fields.length >= 2) {
    const map = new Map<string, string>();
    for (let n = 0; n + 1 < fields.length; n += 2) map.set(fields[n]!, fields[n + 1]!);
    const price = Number(map.get('p'));
    const at = Number(map.get('at'));
    if (Number.isSafeInteger(price) && Number.isSafeInteger(at)) {
      const optional = (name: string) => {
        const value = map.get(name);
        return value === undefined || value === '' ? undefined : Number(value);
      };
      const record: AnchorRecord = {
        price,
        at,
        source: map.get('s') === 'l' ? 'learned' : 'accepted',
        movedAt: optional('m') ?? at,
        checkpoint: optional('c') ?? price,
      };
      const above = optional('hi');
      const below = optional('lo');
      if (above !== undefined) record.lastAbove = above;
      if (below !== undefined) record.lastBelow = below;
      return record;
    }
  }
  const colon = legacy.indexOf(':');
  if (legacy === '' || colon < 0) return undefined;
  return acceptedAnchor(Number(legacy.slice(0, colon)), Number(legacy.slice(colon + 1)));
}
