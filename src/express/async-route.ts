// src/express/async-route.ts
// asyncRoute(handler): an async Express handler whose rejection goes to next(), on Express 4 as on Express 5.

import type { NextFunction, Request, RequestHandler, Response } from 'express';

/** A route handler or middleware written as an async function. */
export type AsyncHandler = (req: Request, res: Response, next: NextFunction) => Promise<unknown>;

/**
 * Wraps an async handler so a rejected promise (or a synchronous throw) reaches `next(error)` and so the app's
 * error handler. Express 5 does this itself; Express 4 does not, and a rejection there would leave the request
 * hanging and the rejection unhandled. Every async handler in src/http and src/review goes through here.
 * The wrapper keeps the handler's name, for stack traces.
 */
export function asyncRoute(handler: AsyncHandler): RequestHandler {
  const route: RequestHandler = (req, res, next) => {
    let settled: Promise<unknown>;
    try {
      settled = Promise.resolve(handler(req, res, next));
    } catch (error) {
      next(error);
      return;
    }
    settled.catch((error: unknown) => next(error ?? new Error('an async handler rejected without a reason')));
  };
  Object.defineProperty(route, 'name', { value: handler.name || 'asyncRoute' });
  return route;
}
