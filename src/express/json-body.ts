// src/express/json-body.ts
// Whether an order arrived as a JSON body express.json() read, told the same way on Express 4 and Express 5.

import type { Request } from 'express';

/** The 415 body for an order that is not sent as JSON. */
export function unsupportedMediaTypeBody() {
  return {
    error: 'unsupported_media_type',
    message: 'Send the order as JSON, with Content-Type: application/json.',
  };
}

/**
 * True when no body parser read the body: Express 5's parsers leave `req.body` undefined for a body they skip
 * (another content type, or none), Express 4's set it to `{}` without marking the request as read. A `{}` a JSON
 * parser did read (Express 4 marks it; Express 5 reads only the types it is given) is a body.
 */
export function bodyUnread(req: Request): boolean {
  const body = req.body as unknown;
  if (body === undefined) return true;
  if ((req as Request & { _body?: unknown })._body === true) return false;
  return (
    typeof body === 'object' &&
    body !== null &&
    Object.getPrototypeOf(body) === Object.prototype &&
    Object.keys(body).length === 0 &&
    !req.is('application/json')
  );
}

/** `application/json`, with or without parameters: how nearly every order arrives. */
const PLAIN_JSON = /^application\/json\s*(?:;|$)/i;

/** True when an object has an own enumerable key (without allocating the list of them). */
function hasKeys(body: object): boolean {
  for (const _key in body) return true;
  return false;
}

/**
 * Why the body cannot be judged as an order: `unsupported_media_type` (answer 415) when it is not JSON (another
 * content type, a form a form parser read, or no body at all), an Error (for next()) when it is JSON but no
 * parser read it (express.json() is not mounted before the route). Undefined when it can be judged.
 */
export function orderBodyProblem(req: Request): 'unsupported_media_type' | Error | undefined {
  // The hot path: a JSON body a parser read, told without type-is (which costs more than half a microsecond).
  const body = req.body as unknown;
  if (
    typeof body === 'object' &&
    body !== null &&
    PLAIN_JSON.test(req.headers['content-type'] ?? '') &&
    ((req as Request & { _body?: unknown })._body === true ||
      (body as { orderId?: unknown }).orderId !== undefined ||
      hasKeys(body))
  ) {
    return undefined;
  }
  // type-is answers null for a request without a body, whatever its Content-Type says.
  if (!req.is('application/json')) return 'unsupported_media_type';
  if (req.body === undefined) {
    return new Error('checkout-price-guard: req.body is undefined; mount express.json() before priceGuard()');
  }
  return undefined;
}
