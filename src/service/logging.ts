// src/service/logging.ts
// Structured JSON logs with pino: the service logger, and one line per request carrying its request id.

import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { type Logger, pino } from 'pino';

/** Creates the service's JSON logger on stdout. */
export function createLogger(level = 'info'): Logger {
  return pino(
    {
      level,
      base: { service: 'checkout-price-guard', pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    // Synchronous, so the last lines before process.exit (shutdown, bad reload) are never lost.
    pino.destination({ dest: 1, sync: true }),
  );
}

const REQUEST_ID = /^[\w.:@/-]{1,128}$/;

/**
 * Takes the request id from `X-Request-Id` (when it is a sane token) or makes one, echoes it in the response
 * header, and logs one line per request with method, path, status, duration and the guard's decision
 * (`res.locals.decision`, set by the routes that decide).
 */
export function requestLogger(logger: Logger) {
  return function logRequest(req: Request, res: Response, next: NextFunction): void {
    const started = process.hrtime.bigint();
    const given = req.get('x-request-id');
    const requestId = given && REQUEST_ID.test(given) ? given : randomUUID();
    res.locals.requestId = requestId;
    res.set('X-Request-Id', requestId);
    // At debug level, arrival is logged too: a request that was received but never logged as finished was lost.
    if (logger.isLevelEnabled('debug'))
      logger.debug({ reqId: requestId, method: req.method, path: req.path }, 'request received');
    let logged = false;
    const log = (aborted: boolean) => {
      if (logged) return;
      logged = true;
      const line = {
        reqId: requestId,
        method: req.method,
        path: req.path,
        status: aborted ? undefined : res.statusCode,
        durationMs: Math.round(Number(process.hrtime.bigint() - started) / 1e4) / 100,
        decision: (res.locals.decision ?? res.locals.priceGuard?.decision) as string | undefined,
        orderId: res.locals.orderId as string | undefined,
        ...(aborted ? { aborted: true } : {}),
      };
      if (aborted || res.statusCode >= 500) logger.warn(line, 'request');
      else logger.info(line, 'request');
    };
    res.on('finish', () => log(false));
    res.on('close', () => log(!res.writableFinished));
    next();
  };
}
