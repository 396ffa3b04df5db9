// src/review/rate-limit.ts
// One rate-limit budget per token name once authenticated, per client IP (or IPv6 /56) otherwise, for every router that mounts it.

import type { Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator, rateLimit, type Store } from 'express-rate-limit';
import type { Reviewer } from './auth';

/** Rate-limit options of the review API (and of the service's admin API, which draws from the same budget). */
export interface ReviewRateLimitOptions {
  /** Length of the window in milliseconds. Defaults to 60,000. */
  windowMs?: number;
  /** Requests per token (or per IP for unauthenticated requests) per window. Defaults to 600. */
  limit?: number;
  /**
   * Where the counts live: an express-rate-limit `Store`. Defaults to express-rate-limit's in-process memory store
   * (each instance counts on its own); `new RedisRateLimitStore({ client })` from `checkout-price-guard/redis`
   * makes every instance on that Redis draw from one budget.
   */
  store?: Store;
}

/**
 * One limiter, with its one store: every router that mounts it draws from the same budget (the service mounts it
 * in the review API and the admin API, so an address gets one budget, not one per API). Made by `rateLimitBudget`.
 */
export type RateLimitBudget = RequestHandler & { readonly windowMs: number; readonly limit: number };

const budgets = new WeakSet<object>();

/** True for a budget made by `rateLimitBudget`. */
export function isRateLimitBudget(value: unknown): value is RateLimitBudget {
  return typeof value === 'function' && budgets.has(value);
}

/**
 * The limiter of checked options (`rateLimitBudget` checks them), mounted after `identify` (so a valid token is
 * limited by its name wherever it comes from, and guessing tokens is limited per address). Over the limit: 429
 * JSON with `RateLimit` headers (draft 8).
 */
export function limiterFor(options: {
  windowMs: number;
  limit: number;
  store?: Store | undefined;
}): RateLimitBudget {
  const limiter = rateLimit({
    windowMs: options.windowMs,
    limit: options.limit,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    ...(options.store ? { store: options.store } : {}),
    // A store that fails throws: never a request let through uncounted. RedisRateLimitStore does not throw; it
    // counts in the process while Redis fails (see there why neither open nor closed).
    passOnStoreError: false,
    keyGenerator(req: Request, res: Response) {
      const reviewer = res.locals.reviewer as Reviewer | undefined;
      return reviewer ? `token:${reviewer.name}` : `ip:${ipKeyGenerator(req.ip ?? 'unknown')}`;
    },
    handler(_req, res) {
      res.status(429).json({ error: 'rate_limited', message: 'Too many requests; slow down and retry.' });
    },
  });
  const budget = Object.assign(limiter, { windowMs: options.windowMs, limit: options.limit });
  budgets.add(budget);
  return budget;
}
