// src/review/csrf.ts
// Cross-site request defences for state-changing review requests: JSON only, same origin only.

import type { NextFunction, Request, Response } from 'express';

/** The host (and port) of an Origin header; `null` origins (sandboxed frames, file:) have none. */
function originHost(origin: string): string | undefined {
  try {
    return new URL(origin).host.toLowerCase();
  } catch {
    return undefined;
  }
}

/**
 * The host the browser addressed. The scheme is not compared: behind a TLS-terminating proxy the app sees http
 * while the page's origin is https, and a foreign site cannot share our host name anyway.
 */
function ownHost(req: Request): string {
  return (req.get('host') ?? '').toLowerCase();
}

/**
 * Refuses a state-changing request that a foreign page could have sent. The bearer token travels in a header
 * a browser never adds by itself, which already defeats CSRF; these checks are defence in depth:
 * - a body must be `application/json` (an HTML form cannot send that without a CORS preflight); a request with
 *   no body and no content type (a bare `POST .../claim`) is accepted;
 * - an `Origin` header, when present, must name this server's own host or be one of `allowedOrigins`;
 * - `Sec-Fetch-Site: cross-site` is refused.
 */
export function sameOriginJson(allowedOrigins: readonly string[]) {
  const allowed = new Set(allowedOrigins.map((origin) => origin.toLowerCase()));
  return function requireSameOriginJson(req: Request, res: Response, next: NextFunction) {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') {
      next();
      return;
    }
    const origin = req.get('origin');
    if (origin !== undefined && !allowed.has(origin.toLowerCase()) && originHost(origin) !== ownHost(req)) {
      res.status(403).json({
        error: 'cross_origin',
        message: `Requests from origin ${JSON.stringify(origin)} are refused (this server is ${ownHost(req)}).`,
      });
      return;
    }
    if (req.get('sec-fetch-site') === 'cross-site') {
      res.status(403).json({ error: 'cross_origin', message: 'Cross-site requests are refused.' });
      return;
    }
    // A POST with no body at all (no Content-Type, no Content-Length or 0, no Transfer-Encoding) is accepted:
    // claim, approve and clear need none. An HTML form always names its content type, so it is still refused.
    const bodyless =
      req.get('content-type') === undefined &&
      req.get('transfer-encoding') === undefined &&
      (req.get('content-length') ?? '0') === '0';
    if (!bodyless && !req.is('application/json')) {
      res.status(415).json({
        error: 'unsupported_media_type',
        message: 'State-changing requests must send Content-Type: application/json.',
      });
      return;
    }
    next();
  };
}
