// src/express/security-headers.ts
// The response headers every API of the guard sends (review and admin alike): no sniffing, no framing, no referrer.

import type { NextFunction, Request, Response } from 'express';

/** Headers for JSON APIs and the review page alike; the page adds its Content-Security-Policy. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Resource-Policy': 'same-origin',
});

/** Sets SECURITY_HEADERS on every response. */
export function securityHeaders(_req: Request, res: Response, next: NextFunction): void {
  res.set(SECURITY_HEADERS);
  next();
}
