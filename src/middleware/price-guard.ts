// src/middleware/price-guard.ts
// priceGuard(options): the Express middleware for an order-submission route, with options checked up front.

import type { RequestHandler } from 'express';
import { type Language, negotiateLanguage, shopperMessage } from '../core/messages';
import type { CheckResult, Guard } from '../engine/guard';
import { asyncRoute } from '../express/async-route';
import { bodyUnread, orderBodyProblem, unsupportedMediaTypeBody } from '../express/json-body';
import { bodyOf, type PriceGuardOptions, resolveOptions } from './options';

export { type HoldContext, OptionsError, type PriceGuardOptions, resolveOptions } from './options';

/** The 400 body for a malformed order: a machine-readable list of problems. */
export function invalidOrderBody(result: Extract<CheckResult, { kind: 'invalid' }>) {
  return {
    error: 'invalid_order',
    message: `The order is malformed (${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}).`,
    problems: result.problems,
  };
}

/** The 409 body for an order id reused with other content: for the integrator, with a text for the shopper. */
export function conflictBody(result: Extract<CheckResult, { kind: 'conflict' }>, language: Language) {
  return {
    error: 'order_id_reused',
    orderId: result.order.orderId,
    message: `Order id ${result.order.orderId} was already used for an order with other content${result.boundAt === undefined ? '' : ` (decided at ${new Date(result.boundAt).toISOString()})`}; a changed cart needs a new order id.`,
    shopperMessage: shopperMessage('reused', language),
  };
}

/** What the middleware says once when it keeps holds where no review router can read them. */
export const UNREVIEWABLE_WARNING =
  'priceGuard: no store given, so held orders go to an in-process MemoryStore that no review router can read: ' +
  'shoppers are told their order is being checked and nobody can check it (and a restart loses it). Create the ' +
  'store yourself and pass the same one to priceGuard({ store }) and reviewRouter({ store }), or use RedisStore ' +
  'from checkout-price-guard/redis.';

/** A guard middleware; `guard` gives access to the store and the policy (for reloads and the review router). */
export type PriceGuardMiddleware = RequestHandler & { guard: Guard };

/**
 * Creates the middleware for an order-submission route. Mount it after `express.json()`:
 * `app.post('/checkout', express.json(), priceGuard({ policy }), placeOrder)`.
 */
export function priceGuard(options: PriceGuardOptions = {}): PriceGuardMiddleware {
  const resolved = resolveOptions(options);
  const { guard, style, toOrder, onHold, defaultLanguage, retryAfterSeconds } = resolved;
  if (resolved.unreviewable && guard.policy.mode === 'enforce') {
    // Safe by default: a hold nobody can review is an order the shopper was told is being checked, and is not.
    resolved.logger.warn({ store: 'memory' }, UNREVIEWABLE_WARNING);
  }

  const middleware = asyncRoute(async function priceGuardMiddleware(req, res, next) {
    let input: unknown;
    try {
      input = toOrder(req);
    } catch (error) {
      next(error);
      return;
    }
    // The order is the body (the default): it must be JSON. A mapping reads what it likes; when it finds nothing and
    // no parser read the body, the same answer tells the integrator why.
    const problem =
      toOrder === bodyOf || (input === undefined && bodyUnread(req)) ? orderBodyProblem(req) : undefined;
    if (problem === 'unsupported_media_type') {
      res.status(415).json(unsupportedMediaTypeBody());
      return;
    }
    if (problem) {
      next(problem);
      return;
    }
    let result: CheckResult;
    try {
      result = await guard.check(input);
    } catch (error) {
      next(error);
      return;
    }
    // Only answers to the shopper need their language: an allowed order goes on without it.
    const language = () => negotiateLanguage(req.get('accept-language'), defaultLanguage);
    switch (result.kind) {
      case 'invalid':
        res.status(400).json(invalidOrderBody(result));
        return;
      case 'allowed':
        res.locals.priceGuard = result.decision;
        next();
        return;
      case 'conflict':
        res.status(409).json(conflictBody(result, language()));
        return;
      case 'unavailable':
        res.set('Retry-After', String(retryAfterSeconds));
        res.status(503).json({
          error: 'guard_unavailable',
          orderId: result.order.orderId,
          message: shopperMessage('unavailable', language()),
        });
        return;
      case 'held': {
        res.locals.priceGuard = result.decision;
        if (style === 'annotate') {
          next();
          return;
        }
        const spoken = language();
        const message = shopperMessage('held', spoken);
        if (onHold) {
          onHold(req, res, next, { decision: result.decision, language: spoken, message });
          return;
        }
        res.status(202).json({
          status: 'held',
          orderId: result.order.orderId,
          reviewId: result.held.orderId,
          language: spoken,
          message,
        });
        return;
      }
    }
  }) as PriceGuardMiddleware;
  middleware.guard = guard;
  return middleware;
}
