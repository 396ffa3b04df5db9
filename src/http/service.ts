// src/http/service.ts
// createService(config): builds the HTTP app (evaluate, demo checkout, health, admin) around one Guard; the caller listens.

import express, {
  type Express,
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';
import type { Logger } from 'pino';
import type { ServiceConfig } from '../config/service';
import { negotiateLanguage, shopperMessage } from '../core/messages';
import type { Policy } from '../core/policy';
import type { Decision } from '../core/types';
import { type CheckResult, type Guard, withTimeout } from '../guard';
import { instrumentStore } from '../observability/instrument-store';
import { createMetrics, type PriceGuardMetrics } from '../observability/metrics';
import { type ReviewRouter, reviewRouter } from '../review/router';
import { MemoryStore } from '../state/memory/store';
import {
  applyOverlay,
  emptyOverlay,
  MemoryOverlayStore,
  type Overlay,
  type OverlayStore,
} from '../state/overlay';
import type { GuardStore, ShutdownReport } from '../state/types';
import { adminRouter } from './admin';
import { asyncRoute } from './async-route';
import { createLogger, requestLogger } from './logging';
import {
  conflictBody,
  invalidOrderBody,
  type PriceGuardMiddleware,
  type PriceGuardOptions,
  priceGuard,
  resolveOptions,
  unsupportedMediaTypeBody,
} from './middleware';

/** How long shutdown waits for queued review webhooks before logging them as undelivered. */
const WEBHOOK_DRAIN_MS = 5_000;

/** What createService may be given besides the configuration; everything has a default. */
export interface ServiceDeps {
  /** The guard's store. Defaults to a new embedded MemoryStore. */
  store?: GuardStore;
  /** Where runtime floors and caps live. Defaults to an in-process overlay. */
  overlay?: OverlayStore;
  /** The JSON logger. Defaults to pino on stdout at the configured level. */
  logger?: Logger;
  /** Clock in epoch ms. Defaults to Date.now. */
  clock?: () => number;
  /** The metrics. Defaults to createMetrics() on a private registry, with the config's metrics section. */
  metrics?: PriceGuardMetrics;
  /** Serves GET /metrics. Defaults to `metrics.handler()`; a worker of several serves every worker's metrics. */
  metricsHandler?: RequestHandler;
}

/** A built service: the app to listen with, and the handles the process needs for reloads and shutdown. */
export interface Service {
  app: Express;
  /** The guard behind POST /v1/evaluate. */
  guard: Guard;
  /** The middleware behind the demo POST /checkout. */
  checkout: PriceGuardMiddleware;
  /** The store as the guard sees it (timed by the metrics). */
  store: GuardStore;
  overlay: OverlayStore;
  logger: Logger;
  metrics: PriceGuardMetrics;
  /** The review API and page at /review; undefined when no review token is configured. */
  review: ReviewRouter | undefined;
  /** Swaps in a new file policy (after a validated reload); the runtime overlay stays merged over it. */
  setFilePolicy(policy: Policy, source?: string): void;
  /** Re-reads the runtime overlay and applies it if it changed. */
  refreshOverlay(): Promise<void>;
  /**
   * Resolves once the runtime overlay has been read (from a connected Redis, when it lives there): until then the
   * order routes answer 503 and /readyz is not ready, so no order is judged without an emergency floor.
   */
  whenReady(): Promise<void>;
  /** Evaluations under way. */
  inFlight(): number;
  /** Marks the service as stopping (readyz answers 503) and resolves once no evaluation is under way. */
  drain(): Promise<void>;
  /** Stops the overlay poll, then flushes and releases the store and the overlay. */
  close(): Promise<ShutdownReport | undefined>;
}

/** The body of POST /v1/evaluate for a decided order. */
function decisionBody(decision: Decision, message?: string) {
  return {
    decision: decision.decision,
    orderId: decision.orderId,
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

/** Builds the service app from a loaded configuration. Listening, signals and exit codes are the caller's. */
export function createService(config: ServiceConfig, deps: ServiceDeps = {}): Service {
  const logger = deps.logger ?? createLogger(config.service.logLevel);
  const metrics =
    deps.metrics ??
    createMetrics({
      defaultMetrics: config.metrics.defaultMetrics,
      voucherLabels: config.metrics.voucherLabels,
    });
  const store: GuardStore = instrumentStore(deps.store ?? new MemoryStore(), metrics);
  metrics.watchQueue(store);
  const overlay = deps.overlay ?? new MemoryOverlayStore();
  const guardOptions: PriceGuardOptions = {
    policy: config.policyInput,
    store,
    ...(config.service.mode ? { mode: config.service.mode } : {}),
    limits: config.service.limits,
    storeTimeoutMs: config.service.storeTimeoutMs,
    retryAfterSeconds: config.service.retryAfterSeconds,
    logger,
    ...(deps.clock ? { clock: deps.clock } : {}),
    metrics,
  };
  // Both routes are built through resolveOptions, so options are validated exactly as for a Node shop.
  const { guard } = resolveOptions(guardOptions);
  const checkout = priceGuard({ ...guardOptions, style: 'respond' });
  // Per-voucher series for the codes the policy declares, at 0 before the first order (issue 14).
  const declareVouchers = (policy: Policy) => {
    const { unlabelled } = metrics.usePolicy(policy);
    if (unlabelled.length > 0) {
      logger.warn(
        { unlabelled: unlabelled.length, first: unlabelled.slice(0, 5) },
        'metrics: more declared voucher codes than maxVoucherLabels; the rest count as voucher="other"',
      );
    }
  };
  declareVouchers(guard.policy);

  let filePolicy: Policy = guard.policy;
  let source = config.source;
  let currentOverlay: Overlay = emptyOverlay();
  let overlayApplied = false;
  let stopping = false;
  let active = 0;
  let idle: Array<() => void> = [];

  const apply = () => {
    const merged = applyOverlay(filePolicy, currentOverlay);
    guard.setPolicy(merged);
    checkout.guard.setPolicy(merged);
    declareVouchers(merged);
  };
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  let overlayLoaded = false;
  const refreshOverlay = async () => {
    const next = await overlay.read();
    if (!overlayLoaded) {
      overlayLoaded = true;
      markReady();
    }
    // The overlay store returns the same object while nothing changed.
    if (next === currentOverlay) return;
    const first = !overlayApplied;
    overlayApplied = true;
    currentOverlay = next;
    apply();
    const empty =
      Object.keys(next.floors).length + Object.keys(next.caps).length + Object.keys(next.catalog).length ===
      0;
    if (first && empty) return;
    logger.info(
      {
        floors: Object.keys(next.floors).length,
        caps: Object.keys(next.caps).length,
        catalog: Object.keys(next.catalog).length,
      },
      'runtime floors, caps and catalog applied',
    );
  };
  const poll = setInterval(() => {
    refreshOverlay().catch((error) => logger.warn({ err: error }, 'could not read the runtime overlay'));
  }, config.service.overlayRefreshMs);
  poll.unref();
  // The first read is retried quickly (Redis may still be connecting): orders wait for it, so it should not
  // take a whole refresh interval.
  void (async () => {
    for (let attempt = 0; !overlayLoaded && !stopping; attempt++) {
      try {
        await refreshOverlay();
      } catch (error) {
        if (attempt >= 5)
          logger.warn({ err: error }, 'could not read the runtime overlay yet; orders wait for it');
        await new Promise((resolve) =>
          setTimeout(resolve, Math.min(25 * 2 ** attempt, config.service.overlayRefreshMs)),
        );
      }
    }
  })();

  const app = express();
  app.disable('x-powered-by');
  // Decisions are answers to POSTs, never cached: no ETag to compute for every response body.
  app.set('etag', false);
  app.set('trust proxy', false);
  app.use(requestLogger(logger));
  app.use(function closeWhenStopping(_req, res, next) {
    // Once stopping, keep-alive clients are told to reconnect (to another instance).
    if (stopping) res.set('Connection', 'close');
    next();
  });

  // Until the overlay is loaded, orders are not judged: a retryable 503 (never an allow under a missing floor).
  const requireReady = (_req: Request, res: Response, next: NextFunction) => {
    if (overlayLoaded) {
      next();
      return;
    }
    res.set('Retry-After', String(config.service.retryAfterSeconds));
    res.status(503).json({
      error: 'guard_starting',
      message: 'the guard is loading its runtime floors and caps; retry shortly',
    });
  };

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.get(
    '/readyz',
    asyncRoute(async function readiness(_req, res) {
      if (stopping) {
        res.status(503).json({ status: 'stopping' });
        return;
      }
      if (!overlayLoaded) {
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
          config: source ?? 'defaults',
        });
      } catch (error) {
        res.status(503).json({ status: 'store_unavailable', message: (error as Error).message });
      }
    }),
  );

  app.get('/metrics', deps.metricsHandler ?? metrics.handler());
  // The review API and page. It needs at least one token; without one it stays off rather than open.
  const review =
    config.review.tokens.length > 0
      ? reviewRouter({
          store,
          tokens: config.review.tokens,
          webhooks: {
            endpoints: config.review.webhooks.map((hook) => ({
              url: hook.url,
              secret: hook.secret!,
              events: hook.events,
            })),
          },
          logger,
          metrics,
          ...(deps.clock ? { clock: deps.clock } : {}),
        })
      : undefined;
  // The outbox size gauge: absent while no webhook endpoint is configured.
  metrics.watchOutbox(() => review?.webhooks?.stats().pending);
  if (review) {
    app.use('/review', review);
  } else {
    logger.warn('no review tokens configured (review.tokens or PRICE_GUARD_REVIEW_TOKENS): /review is off');
    app.use('/review', (_req, res) => {
      res.status(404).json({ error: 'review_disabled', message: 'no review tokens are configured' });
    });
  }

  const json = express.json({ limit: config.service.bodyLimit });

  app.post(
    '/v1/evaluate',
    requireReady,
    json,
    asyncRoute(async function evaluateOrder(req: Request, res: Response) {
      active += 1;
      try {
        if (req.body === undefined && !req.is('application/json')) {
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
                result.kind === 'held' ? shopperMessage('held', language) : undefined,
              ),
            );
            return;
        }
      } finally {
        active -= 1;
        if (active === 0) {
          for (const resolve of idle) resolve();
          idle = [];
        }
      }
    }),
  );

  // The demo storefront: the middleware mounted exactly as a Node shop mounts it.
  app.post('/checkout', requireReady, json, checkout, function placeOrder(req: Request, res: Response) {
    const decision = res.locals.priceGuard as Decision;
    res.locals.decision = decision.decision;
    res
      .status(201)
      .json({ status: 'placed', orderId: req.body.orderId, guard: decision.decision, mode: decision.mode });
  });

  app.use(
    '/v1/admin',
    adminRouter({
      tokens: config.review.tokens,
      overlay,
      store,
      logger,
      refresh: refreshOverlay,
      policy: () => guard.policy,
      withOverlay: (policy) => applyOverlay(policy, currentOverlay),
      describe: () => {
        const policy = guard.policy;
        const catalog = Object.values(currentOverlay.catalog);
        return {
          overlay: { floors: currentOverlay.floors, caps: currentOverlay.caps },
          floors: policy.floors,
          skuCaps: policy.discountCaps.skus,
          catalog: {
            skus: catalog.length,
            prices: catalog.reduce((sum, prices) => sum + Object.keys(prices).length, 0),
          },
          source,
        };
      },
    }),
  );

  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found', message: 'no such route' });
  });

  app.use(function errorHandler(error: unknown, _req: Request, res: Response, next: NextFunction) {
    if (res.headersSent) {
      next(error);
      return;
    }
    const failure = error as { type?: string; status?: number; limit?: number; message?: string };
    if (failure.type === 'entity.too.large') {
      res.status(413).json({
        error: 'payload_too_large',
        message: `the body is larger than the limit of ${failure.limit} bytes`,
        limit: failure.limit,
      });
      return;
    }
    if (failure.type === 'entity.parse.failed') {
      res.status(400).json({
        error: 'invalid_json',
        message: 'The body is not valid JSON.',
        problems: [{ path: '', message: `is not valid JSON: ${failure.message}` }],
      });
      return;
    }
    if (typeof failure.status === 'number' && failure.status >= 400 && failure.status < 500) {
      res.status(failure.status).json({ error: failure.type ?? 'bad_request', message: failure.message });
      return;
    }
    logger.error({ err: error, reqId: res.locals.requestId }, 'unhandled error');
    res.status(500).json({ error: 'internal_error', message: 'unexpected error; see the service log' });
  });

  return {
    app,
    guard,
    checkout,
    store,
    overlay,
    logger,
    metrics,
    review,
    setFilePolicy(policy, newSource) {
      filePolicy = policy;
      if (newSource !== undefined) source = newSource;
      apply();
    },
    refreshOverlay,
    whenReady: () => ready,
    inFlight: () => active,
    drain() {
      stopping = true;
      if (active === 0) return Promise.resolve();
      return new Promise<void>((resolve) => idle.push(resolve));
    },
    async close() {
      stopping = true;
      clearInterval(poll);
      // On Redis the outbox outlives the process: finish the attempts in flight and leave the rest to the next start
      // or another instance. In memory, give queued webhooks a few seconds; what is left is logged as lost.
      if (review && review.webhooks?.durable === false && !(await review.drain(WEBHOOK_DRAIN_MS))) {
        logger.warn({ pending: review.webhooks?.stats().pending }, 'webhooks still queued at shutdown');
      }
      await review?.close();
      await overlay.close().catch((error) => logger.warn({ err: error }, 'could not close the overlay'));
      return store.shutdown?.();
    },
  };
}
