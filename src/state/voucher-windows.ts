// src/state/voucher-windows.ts
// How a code's redemption counts are kept and read: per minute over the longest window, per quarter hour before.

import type { WindowCount } from '../core/facts';
import type { VelocityPolicy } from '../core/policy';

/** Minutes in a baseline bucket. */
export const QUARTER = 15;

/** A window's length in whole minutes, at least 1. */
export function toMinutes(seconds: number): number {
  return Math.max(1, Math.round(seconds / 60));
}

/**
 * The windows a code's counts are kept for, in whole minutes, shortest first (the velocity windows, and the window
 * of `maxPerWindow` when there is one), and how far back the baseline reaches.
 */
export function windowMinutes(velocity: VelocityPolicy): CountWindows {
  let windows = WINDOWS.get(velocity);
  if (windows === undefined) {
    windows = computeWindows(velocity);
    WINDOWS.set(velocity, windows);
  }
  return windows;
}

/** What `windowMinutes` returns. */
export interface CountWindows {
  windows: number[];
  longest: number;
  baseline: number;
}

/** Per velocity settings (they are built once per policy and code): read on every order with a voucher. */
const WINDOWS = new WeakMap<VelocityPolicy, CountWindows>();

function computeWindows(velocity: VelocityPolicy): CountWindows {
  // The velocity windows, and the window of an absolute limit (`maxPerWindow` per `windowSeconds`), counted exactly.
  const seconds =
    velocity.maxPerWindow === undefined ? velocity.windows : [...velocity.windows, velocity.windowSeconds];
  const windows = [...new Set(seconds.map((one) => toMinutes(one)))].sort((a, b) => a - b);
  const longest = windows.at(-1) ?? 1;
  return Object.freeze({
    windows: Object.freeze(windows) as number[],
    longest,
    baseline: Math.max(longest, Math.round(velocity.baselineSeconds / 60)),
  });
}

/**
 * Reads a code's counts at `minute`: the count of each window (per-minute fields younger than it), and the
 * baseline before the longest window (older minutes and the quarter-hour buckets still inside the baseline).
 * Returns the minutes to fold into quarters and the fields to drop, so a store can keep its counts small.
 */
export function readCounts(
  minutes: Iterable<[number, number]>,
  quarters: Iterable<[number, number]>,
  minute: number,
  velocity: VelocityPolicy,
): { windows: WindowCount[]; baselineCount: number; fold: number[]; dropQuarters: number[] } {
  const { windows, longest, baseline } = windowMinutes(velocity);
  const counts = windows.map(() => 0);
  let baselineCount = 0;
  const fold: number[] = [];
  for (const [at, count] of minutes) {
    const age = minute - at;
    if (age < longest) {
      for (let index = 0; index < windows.length; index++) if (age < windows[index]!) counts[index]! += count;
    } else {
      fold.push(at);
      if (age < baseline) baselineCount += count;
    }
  }
  const dropQuarters: number[] = [];
  for (const [quarter, count] of quarters) {
    if (minute - (quarter * QUARTER + QUARTER - 1) < baseline) baselineCount += count;
    else dropQuarters.push(quarter);
  }
  return {
    windows: windows.map((minutesLong, index) => ({ seconds: minutesLong * 60, count: counts[index]! })),
    baselineCount,
    fold,
    dropQuarters,
  };
}

/** Seconds of baseline the code has data for: from its first sighting to the start of the longest window. */
export function baselineSeconds(velocity: VelocityPolicy, firstSeen: number, now: number): number {
  const { longest, baseline } = windowMinutes(velocity);
  const observed = Math.floor((now - firstSeen) / 1000) - longest * 60;
  return Math.max(0, Math.min(observed, (baseline - longest) * 60));
}
