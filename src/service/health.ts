// src/service/health.ts
// The service's probes: GET /healthz, GET /readyz, and the gate that holds orders until the overlay is read.

import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { ServiceConfig } from '../config/service';
import { asyncRoute } from '../express/async-route';
import type { GuardStore } from '../ports/store';
import { withTimeout } from '../ports/timeout';

/** GET /healthz: the process answers. */
export function liveness(): RequestHandler {
  return (_req, res) => {
    res.json({ status: 'ok' });
  };
}

/** What GET /readyz looks at. */
export interface ReadinessOptions {
  config: ServiceConfig;
  /** The store as the guard sees it. */
  store: GuardStore;
  /** True once the service is stopping. */
  stopping(): boolean;
  /** True once the runtime overlay has been read. */
  loaded(): boolean;
  /** The configuration file the policy came from, if any. */
  source(): string | undefined;
}

/** GET /readyz: ready once the overlay is read and while the store answers; 503 when stopping. */
export function readiness({ config, store, stopping, loaded, source }: ReadinessOptions): RequestHandler {
  return asyncRoute(async function readiness(_req, res) {
    if (stopping()) {
      res.status(503).json({ status: 'stopping' });
      return;
    }
    if (!loaded()) {
      res.status(503).json({ status: 'starting', message: 'the runtime overlay has not been read yet' });
      return;
    }
    try {
      // A short-lived write where the store can probe (so an out-of-memory or read-only Redis is not ready),
      // else a single-key read: the cheapest call every store has.
      await withTimeout(
        store.probe ? store.probe() : store.getHold('__readyz__').then(() => undefined),
        Math.max(config.service.storeTimeoutMs, 1000),
        'readiness probe',
      );
      res.json({
        status: 'ready',
        store: config.redisUrl ? 'redis' : 'memory',
        config: source() ?? 'defaults',
      });
    } catch (error) {
      res.status(503).json({ status: 'store_unavailable', message: (error as Error).message });
    }
  });
}

/** Until the overlay is loaded, orders are not judged: a retryable 503 (never an allow under a missing floor). */
export function requireReady(config: ServiceConfig, loaded: () => boolean): RequestHandler {
  return function requireReady(_req: Request, res: Response, next: NextFunction) {
    if (loaded()) {
      next();
      return;
    }
    res.set('Retry-After', String(config.service.retryAfterSeconds));
    res.status(503).json({
      error: 'guard_starting',
      message: 'the guard is loading its runtime floors and caps; retry shortly',
    });
  };
}
