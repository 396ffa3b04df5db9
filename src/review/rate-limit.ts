// src/review/rate-limit.ts
// Rate limit of the review API: per token name once authenticated, per client IP (or IPv6 /56) otherwise.

import type { Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import type { Reviewer } from './auth';

/** Rate-limit options of the review API. */
export interface ReviewRateLimitOptions {
  /** Length of the window in milliseconds. Defaults to 60,000. */
  windowMs?: number;
  /** Requests per token (or per IP for unauthenticated requests) per window. Defaults to 600. */
  limit?: number;
}

/**
 * The limiter, with express-rate-limit's default in-process memory store (limits are per instance).
 * Runs after `identify`, so a valid token is limited by its name wherever it comes from, and guessing
 * tokens is limited per address.
 */
export function reviewRateLimit(options: Required<ReviewRateLimitOptions>): RequestHandler {
  return rateLimit({
    windowMs: options.windowMs,
    limit: options.limit,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator(req: Request, res: Response) {
      const reviewer = res.locals.reviewer as Reviewer | undefined;
      return reviewer ? `token:${reviewer.name}` : `ip:${ipKeyGenerator(req.ip ?? 'unknown')}`;
    },
    handler(_req, res) {
      res.status(429).json({ error: 'rate_limited', message: 'Too many requests; slow down and retry.' });
    },
  });
}
