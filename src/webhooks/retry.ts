// src/webhooks/retry.ts
// The retry schedule of a failed delivery: exponential backoff with jitter, a receiver's Retry-After, the lease.

import type { ResolvedWebhookOptions } from './options';

/** Extra time a lease runs past the request timeout before another instance may attempt the delivery again. */
const LEASE_SLACK_MS = 5_000;

/** How long a claimed delivery is leased to the instance attempting it: the request timeout and some slack. */
export function leaseMs(options: Pick<ResolvedWebhookOptions, 'timeoutMs'>): number {
  return options.timeoutMs + LEASE_SLACK_MS;
}

/** The delay before retry number `attempt` (1-based): exponential, capped, with jitter (half to all of it). */
export function retryDelay(
  attempt: number,
  options: Pick<ResolvedWebhookOptions, 'baseDelayMs' | 'maxDelayMs'>,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/**
 * When a delivery that failed its attempt number `attempt` is tried again, in milliseconds: the backoff, or the
 * receiver's Retry-After when that is later, never beyond `maxDelayMs`. Undefined once `maxAttempts` are spent
 * (the delivery is given up).
 */
export function nextRetryInMs(
  attempt: number,
  retryAfterMs: number,
  options: Pick<ResolvedWebhookOptions, 'baseDelayMs' | 'maxDelayMs' | 'maxAttempts'>,
): number | undefined {
  if (attempt >= options.maxAttempts) return undefined;
  return Math.min(options.maxDelayMs, Math.max(retryDelay(attempt, options), retryAfterMs));
}

/** A Retry-After header in seconds as milliseconds; 0 when absent or not a positive number of seconds. */
export function retryAfterMs(header: string | null): number {
  const seconds = Number(header);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 0;
}
