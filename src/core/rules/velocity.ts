// src/core/rules/velocity.ts
// voucher_velocity: a code redeemed far faster than its normal or declared rate, by a Poisson test over several windows.

import type { TrafficState, VoucherState } from '../facts';
import { type Policy, ruleMode, type VelocityPolicy, velocityFor } from '../policy';
import { isActive } from '../totals';
import {
  decideScope,
  inSegment,
  normalUseSurges,
  scopeWords,
  type TripScope,
  traitValues,
} from '../voucher-traits';
import { type Effects, type Rule, reason } from './context';

/*
 * Counts of a code's redemptions in a window are compared with what its normal rate makes likely. The normal rate
 * is the larger of the declared `expectedPerHour` and the code's own baseline (the day before the longest
 * window), smoothed with one hour at `priorPerHour` so a young code is not judged on minutes of history. A window
 * is anomalous when its count is at least `minRedemptions`, at least `surgeMultiplier` times the expected count,
 * and the chance of so many under the normal rate is below 1 in `oneIn`. These are probabilities, not money: the
 * test works in floating point; amounts never do.
 */

/** log(n!) by Stirling's series for large n, exactly for small n. */
function logFactorial(n: number): number {
  if (n < 2) return 0;
  if (n < 32) {
    let sum = 0;
    for (let k = 2; k <= n; k++) sum += Math.log(k);
    return sum;
  }
  return n * Math.log(n) - n + 0.5 * Math.log(2 * Math.PI * n) + 1 / (12 * n) - 1 / (360 * n ** 3);
}

/** P(X ≥ k) for X ~ Poisson(lambda): the chance of at least `k` events when `lambda` are expected. */
export function poissonTail(k: number, lambda: number): number {
  if (k <= 0) return 1;
  if (lambda <= 0) return 0;
  if (k <= lambda) {
    // Below the mean the tail is large; 1 − P(X < k), summing the few terms under k.
    let term = Math.exp(-lambda);
    let below = term;
    for (let i = 1; i < k; i++) {
      term *= lambda / i;
      below += term;
    }
    return Math.max(0, 1 - below);
  }
  // Above the mean: sum the terms from k up, in log space, until they no longer matter.
  let logTerm = -lambda + k * Math.log(lambda) - logFactorial(k);
  let sum = 0;
  for (let i = k; i < k + 1000; i++) {
    const term = Math.exp(logTerm);
    sum += term;
    if (term < sum * 1e-12) break;
    logTerm += Math.log(lambda) - Math.log(i + 1);
  }
  return Math.min(1, sum);
}

/** The code's normal rate, per second: declared, or its own baseline smoothed toward the prior. */
export function normalRatePerSecond(
  velocity: VelocityPolicy,
  state: Pick<VoucherState, 'baselineCount' | 'baselineSeconds'>,
): number {
  const declared = (velocity.expectedPerHour ?? 0) / 3600;
  const priorSeconds = 3600;
  const smoothed = (state.baselineCount + velocity.priorPerHour) / (state.baselineSeconds + priorSeconds);
  return Math.max(declared, smoothed);
}

/** Orders of the baseline before the code's share of them is trusted. */
const MIN_TRAFFIC_BASELINE = 200;

/**
 * The count a window of the code would have if the code kept its usual share of the shop's orders: its share of
 * the baseline's orders times the other orders in the window. A code that rises with the traffic of a national
 * shopping day is not surging; a leaked code outgrows the orders around it.
 */
function trafficExpected(
  state: VoucherState,
  traffic: TrafficState | undefined,
  seconds: number,
  count: number,
): number {
  if (traffic === undefined || traffic.baselineCount < MIN_TRAFFIC_BASELINE) return 0;
  const window = traffic.windows.find((candidate) => candidate.seconds === seconds);
  if (window === undefined) return 0;
  const share = Math.min(0.9, (state.baselineCount + 1) / traffic.baselineCount);
  const others = Math.max(0, window.count - count);
  return (share / (1 - share)) * others;
}

/** One window judged against the normal rate. */
export interface WindowVerdict {
  seconds: number;
  count: number;
  expected: number;
  chance: number;
  anomalous: boolean;
}

/** The most anomalous of the code's windows (the smallest chance), or undefined when none is. */
export function surge(
  velocity: VelocityPolicy,
  state: VoucherState,
  traffic?: TrafficState,
): WindowVerdict | undefined {
  const rate = normalRatePerSecond(velocity, state);
  let worst: WindowVerdict | undefined;
  for (const { seconds, count } of state.windows) {
    // The surge test runs on the velocity windows; the window kept only for `maxPerWindow` is not one of them.
    if (!velocity.windows.some((one) => Math.max(1, Math.round(one / 60)) * 60 === seconds)) continue;
    const expected = Math.max(rate * seconds, trafficExpected(state, traffic, seconds, count));
    if (count < velocity.minRedemptions || count < velocity.surgeMultiplier * expected) continue;
    const chance = poissonTail(count, expected);
    if (chance * velocity.oneIn >= 1) continue;
    if (worst === undefined || chance < worst.chance)
      worst = { seconds, count, expected, chance, anomalous: true };
  }
  return worst;
}

/** "1 in a million" style words for a small chance. */
export function chanceWords(chance: number): string {
  if (chance <= 0) return 'chance practically nil';
  const oneIn = 1 / chance;
  const magnitude = 10 ** Math.floor(Math.log10(oneIn));
  const words: Record<number, string> = { 1e3: 'a thousand', 1e6: 'a million', 1e9: 'a billion' };
  const base = magnitude >= 1e9 ? 1e9 : magnitude >= 1e6 ? 1e6 : Math.min(magnitude, 1e3);
  const named = words[base] ?? base.toLocaleString('en-US');
  return `chance under 1 in ${oneIn >= 1e12 ? 'a trillion' : named}`;
}

const minutes = (seconds: number) => (seconds % 60 === 0 ? `${seconds / 60} min` : `${seconds} s`);

/** True when a planned, active campaign names the code: its mass use is expected. */
function planned(policy: Policy, code: string, now: number): boolean {
  return policy.campaigns.some((campaign) => campaign.vouchers?.includes(code) && isActive(campaign, now));
}

/** Asks the store to widen a scoped trip of `code` to every use. */
function widen(effects: Effects, code: string): void {
  effects.widenVouchers ??= [];
  effects.widenVouchers.push(code);
}

/** The trip's scope in a reason: "for uses stacked with LAUNCH25 (…)" or nothing for a trip of every use. */
const scopeClause = (scope: TripScope | undefined) =>
  scope === undefined ? '' : ` for its uses ${scopeWords(scope)}`;

export const voucherVelocity: Rule = {
  id: 'voucher_velocity',
  check(context) {
    const { order, policy, facts, now } = context;
    if (ruleMode(policy, 'voucher_velocity') === 'off' || order.vouchers.length === 0) return;
    if (facts.unavailable.has('vouchers')) {
      context.abstentions.push({
        rule: 'voucher_velocity',
        message: 'Voucher counters are unavailable (store degraded).',
      });
      return;
    }
    for (const { code } of order.vouchers) {
      const state = facts.vouchers.get(code);
      if (state === undefined) continue; // an unknown code not (yet) tracked: see unknownVouchers
      const velocity = velocityFor(policy, code);
      const limitSeconds = Math.max(1, Math.round(velocity.windowSeconds / 60)) * 60;
      const limitWindow =
        state.windows.find((window) => window.seconds === limitSeconds) ??
        state.windows.find((window) => window.seconds >= limitSeconds) ??
        state.windows.at(-1);
      if (
        velocity.maxPerWindow !== undefined &&
        limitWindow !== undefined &&
        limitWindow.count > velocity.maxPerWindow
      ) {
        // A declared hard limit holds every use: it is not scoped.
        if (state.trippedAt === undefined) context.effects.tripVouchers.push(code);
        else if (state.scope !== undefined) widen(context.effects, code);
        context.effects.anomalousVouchers.push(code);
        reason(context, 'voucher_velocity', {
          message: `Voucher ${code} was redeemed ${limitWindow.count} times in the last ${minutes(limitWindow.seconds)}; its limit is ${velocity.maxPerWindow}.`,
          voucher: code,
          observed: limitWindow.count,
          limit: velocity.maxPerWindow,
          unit: 'count',
        });
        continue;
      }
      const values = traitValues(order, code);
      // The segment the trip in force holds: none once the policy holds every use of the code (the trip widens).
      const current = velocity.scoped ? state.scope : undefined;
      const widenForPolicy = state.trippedAt !== undefined && state.scope !== undefined && !velocity.scoped;
      const found = planned(policy, code, now) ? undefined : surge(velocity, state, facts.traffic);
      if (found !== undefined) {
        context.effects.anomalousVouchers.push(code);
        let scope = state.trippedAt === undefined ? undefined : current;
        if (widenForPolicy) widen(context.effects, code);
        if (state.trippedAt === undefined) {
          context.effects.tripVouchers.push(code);
          scope = velocity.scoped ? decideScope(velocity, state, facts.traffic, surge) : undefined;
          if (scope !== undefined) {
            context.effects.tripScopes ??= [];
            context.effects.tripScopes.push({ code, scope });
          }
        }
        if (scope !== undefined && !inSegment(scope, values)) {
          // The code's normal use: it goes on while the surge's segment is held, unless it surges too.
          if (state.trippedAt === undefined || !normalUseSurges(velocity, state, scope, facts.traffic, surge))
            continue;
          widen(context.effects, code);
          reason(context, 'voucher_velocity', {
            message: `Voucher ${code} was tripped for its uses ${scopeWords(scope)}; its normal use is surging too (${found.count} uses in ${minutes(found.seconds)} in all), so every use is held from now on.`,
            voucher: code,
            observed: found.count,
            unit: 'count',
          });
          continue;
        }
        reason(context, 'voucher_velocity', {
          message: `Voucher ${code} was redeemed ${found.count} times in ${minutes(found.seconds)} where about ${formatExpected(found.expected)} ${found.expected >= 0.95 && found.expected < 1.5 ? 'is' : 'are'} expected; ${chanceWords(found.chance)}.${state.trippedAt === undefined ? ` Its new uses${scope === undefined ? '' : ` ${scopeWords(scope)}`} are held while the surge lasts${scope === undefined ? '' : '; its normal use goes on'}.` : scope === undefined ? '' : ` It is tripped for its uses ${scopeWords(scope)}.`}`,
          voucher: code,
          observed: found.count,
          limit: Math.ceil(Math.max(velocity.minRedemptions, velocity.surgeMultiplier * found.expected)),
          unit: 'count',
        });
        continue;
      }
      if (state.trippedAt === undefined) continue;
      // Tripped, and not anomalous now: it resumes once the rate has been normal long enough, unless on-call
      // made the trip stick.
      const calmSince = state.anomalousAt ?? state.trippedAt;
      const sticky = velocity.sticky || (state.stickyUntil !== undefined && state.stickyUntil > now);
      if (!sticky && now - calmSince >= velocity.resumeAfterSeconds * 1000) {
        context.effects.resumeVouchers.push(code);
        continue;
      }
      if (widenForPolicy) widen(context.effects, code);
      const scope = current;
      if (scope !== undefined && !inSegment(scope, values)) continue;
      const until = sticky
        ? velocity.sticky
          ? 'until on-call clears it'
          : `until ${new Date(state.stickyUntil!).toISOString()} (extended by on-call)`
        : `until its rate has been normal for ${minutes(velocity.resumeAfterSeconds)} (from ${new Date(calmSince + velocity.resumeAfterSeconds * 1000).toISOString()})`;
      reason(context, 'voucher_velocity', {
        message: `Voucher ${code} is suspended since ${new Date(state.trippedAt).toISOString()} after a redemption surge${scopeClause(scope)}${state.widenedAt === undefined ? '' : ` (widened to every use at ${new Date(state.widenedAt).toISOString()})`}; its uses${scope === undefined ? '' : ` ${scopeWords(scope)}`} are held ${until}.`,
        voucher: code,
        observed: state.windows[0]?.count ?? 0,
        unit: 'count',
      });
    }
  },
};

function formatExpected(expected: number): string {
  if (expected >= 10) return String(Math.round(expected));
  if (expected >= 1) return expected.toFixed(1).replace(/\.0$/, '');
  return expected.toFixed(2).replace(/0$/, '');
}
