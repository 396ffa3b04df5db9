// src/service/evaluate.ts
// POST /v1/evaluate: one order judged by the guard and answered as JSON, for a shop that does not run on Node.

import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import type { ServiceConfig } from '../config/service';
import { currencyExponent } from '../core/currencies';
import { negotiateLanguage, shopperMessage } from '../core/messages';
import type { Decision } from '../core/types';
import type { CheckResult, Guard } from '../engine/guard';
import { asyncRoute } from '../express/async-route';
import { orderBodyProblem, unsupportedMediaTypeBody } from '../express/json-body';
import { conflictBody, invalidOrderBody } from '../middleware/price-guard';
import type { Lifecycle } from './lifecycle';

/**
 * The unit the service read the order's amounts in: 10^-exponent of the currency's major unit (IDR 0: whole rupiah;
 * USD 2: cents). A client checks it against the unit it sends; a mismatch means every amount is off by a power of 10.
 */
export function amountUnit(currency: string) {
  return { currency, exponent: currencyExponent(currency) ?? 2 };
}

/** The body of POST /v1/evaluate for a decided order. */
function decisionBody(decision: Decision, currency: string, message?: string) {
  return {
    decision: decision.decision,
    orderId: decision.orderId,
    amounts: amountUnit(currency),
    reasons: decision.reasons,
    ...(decision.reviewId !== undefined ? { reviewId: decision.reviewId } : {}),
    mode: decision.mode,
    wouldDecide: decision.wouldDecide,
    // What could not be checked (too little history, a floor in another currency, the store degraded).
    abstentions: decision.abstentions,
    exceptions: decision.exceptions.map((exception) => ({ id: exception.id, note: exception.note })),
    ...(decision.repeatOf !== undefined ? { repeatOf: decision.repeatOf } : {}),
    ...(message !== undefined ? { message } : {}),
  };
}

/** What the evaluate route needs. */
export interface EvaluateOptions {
  config: ServiceConfig;
  /** The guard behind the route. */
  guard: Guard;
  logger: Logger;
  /** Counts each evaluation in flight, for the drain at shutdown. */
  lifecycle: Lifecycle;
}

/** The handler of POST /v1/evaluate (after the readiness gate and the JSON body parser). */
export function evaluateRoute({ config, guard, logger, lifecycle }: EvaluateOptions): RequestHandler {
  return asyncRoute(async function evaluateOrder(req: Request, res: Response) {
    lifecycle.begin();
    try {
      if (orderBodyProblem(req) !== undefined) {
        res.status(415).json(unsupportedMediaTypeBody());
        return;
      }
      let result: CheckResult;
      try {
        result = await guard.check(req.body);
      } catch (error) {
        logger.error({ err: error, reqId: res.locals.requestId }, 'guard.check threw; answering 503');
        res.set('Retry-After', String(config.service.retryAfterSeconds));
        res
          .status(503)
          .json({ error: 'guard_unavailable', message: 'the guard cannot decide right now; retry' });
        return;
      }
      const language = negotiateLanguage(req.get('accept-language'), 'en');
      switch (result.kind) {
        case 'invalid':
          res.status(400).json(invalidOrderBody(result));
          return;
        case 'conflict':
          res.locals.decision = 'conflict';
          res.locals.orderId = result.order.orderId;
          res.status(409).json(conflictBody(result, language));
          return;
        case 'unavailable':
          res.locals.decision = 'unavailable';
          res.locals.orderId = result.order.orderId;
          res.set('Retry-After', String(config.service.retryAfterSeconds));
          res.status(503).json({
            error: 'guard_unavailable',
            orderId: result.order.orderId,
            message: shopperMessage('unavailable', language),
          });
          return;
        case 'allowed':
        case 'held':
          res.locals.decision = result.decision.decision;
          res.locals.orderId = result.order.orderId;
          res.json(
            decisionBody(
              result.decision,
              result.order.currency,
              result.kind === 'held' ? shopperMessage('held', language) : undefined,
            ),
          );
          return;
      }
    } finally {
      lifecycle.done();
    }
  });
}
