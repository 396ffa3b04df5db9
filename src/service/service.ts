// src/service/service.ts
// createService(config): builds the HTTP app (evaluate, demo checkout, health, admin) around one Guard; the caller listens.

import express, {
  type Express,
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';
import type { Store as RateLimitStore } from 'express-rate-limit';
import type { Logger } from 'pino';
import type { ServiceConfig } from '../config/service';
import { CURRENCY_EXPONENTS, setCurrencyExponents } from '../core/currencies';
import type { Policy } from '../core/policy';
import type { Decision } from '../core/types';
import { Guard } from '../engine/guard';
import { type PriceGuardMiddleware, priceGuard } from '../middleware/price-guard';
import { instrumentStore } from '../observability/instrument-store';
import { createMetrics, type PriceGuardMetrics } from '../observability/metrics';
import type { GuardStore, OutboxStore, ShutdownReport } from '../ports/store';
import { limiterFor } from '../review/rate-limit';
import { type ReviewRouter, reviewRouter } from '../review/router';
import { MemoryOverlayStore } from '../state/memory/overlay';
import { MemoryStore } from '../state/memory/store';
import { applyOverlay, type OverlayStore } from '../state/overlay';
import { createWebhookDelivery, type WebhookDelivery } from '../webhooks/delivery';
import { adminRouter } from './admin';
import { amountUnit, evaluateRoute } from './evaluate';
import { liveness, readiness, requireReady } from './health';
import { closeService, closeWhenStopping, createLifecycle } from './lifecycle';
import { createLogger, requestLogger } from './logging';
import { startPreflightWatch } from './preflight-watch';
import { startPolicyReloads } from './reload';

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
  /**
   * Where the review and admin APIs' one rate-limit budget is counted. Defaults to an in-process memory store; the
   * server passes a RedisRateLimitStore with REDIS_URL, so every instance on that Redis shares the budget.
   */
  rateLimitStore?: RateLimitStore;
}

/** A built service: the app to listen with, and the handles the process needs for reloads and shutdown. */
export interface Service {
  app: Express;
  /** The one guard, behind POST /v1/evaluate and the demo POST /checkout alike. */
  guard: Guard;
  /** The middleware behind the demo POST /checkout (on `guard`). */
  checkout: PriceGuardMiddleware;
  /** The store as the guard sees it (timed by the metrics). */
  store: GuardStore;
  overlay: OverlayStore;
  logger: Logger;
  metrics: PriceGuardMetrics;
  /** The review API and page at /review; undefined when no review token is configured. */
  review: ReviewRouter | undefined;
  /** The webhook delivery worker, started with the service; undefined when no webhook is configured. */
  webhooks: WebhookDelivery | undefined;
  /**
   * Puts a reloaded configuration's policy in force (the runtime overlay stays merged over it); false, and
   * logged, when it is refused (an empty policy without `confirmEmpty`, or most terms removed without
   * `confirmRemovals`). The terms it adds, changes and removes are logged and counted. Sections other than the policy need a
   * restart: a change to them is logged.
   */
  reload(next: ServiceConfig): boolean;
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

/** Sections that only take effect on restart; a reload warns when they changed. */
function restartOnly(config: ServiceConfig): string {
  return JSON.stringify({ service: config.service, review: config.review, metrics: config.metrics });
}

/** Builds the service app from a loaded configuration. Listening, signals and exit codes are the caller's. */
export function createService(config: ServiceConfig, deps: ServiceDeps = {}): Service {
  // The unit of every amount from here on: stated before the first order is read.
  setCurrencyExponents(config.currencies);
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
  // One guard, built from the validated configuration: the evaluate route and the demo checkout both judge with
  // it, and a reload swaps its policy in one place (reload.ts).
  const guard = new Guard({
    policy: config.policy,
    store,
    ...(config.service.mode ? { mode: config.service.mode } : {}),
    limits: config.service.limits,
    storeTimeoutMs: config.service.storeTimeoutMs,
    logger,
    metrics,
    ...(deps.clock ? { clock: deps.clock } : {}),
  });
  const checkout = priceGuard({
    guard,
    style: 'respond',
    retryAfterSeconds: config.service.retryAfterSeconds,
  });
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

  // The policy in force, preflighted in the background at start and after every swap (preflight-watch.ts).
  const preflights = config.service.preflight.enabled
    ? startPreflightWatch({
        policy: () => guard.policy,
        logger,
        metrics,
        clock: deps.clock ?? Date.now,
        withinMs: config.service.preflight.withinMs,
      })
    : undefined;

  let running = config;
  const lifecycle = createLifecycle();
  const reloads = startPolicyReloads({
    guard,
    filePolicy: config.policy,
    overlay,
    logger,
    refreshMs: config.service.overlayRefreshMs,
    stopping: lifecycle.stopping,
    onSwap: ({ next }) => {
      declareVouchers(next);
      preflights?.request();
    },
    metrics,
  });

  // Webhooks: delivered from the store's outbox by a worker started here, beside (not inside) the review router.
  const webhooks =
    config.review.webhooks.length > 0
      ? createWebhookDelivery({
          // Checked there: a custom store without an outbox is refused with a message that says so.
          store: store as GuardStore & OutboxStore,
          endpoints: config.review.webhooks.map((hook) => ({
            url: hook.url,
            secret: hook.secret!,
            events: hook.events,
          })),
          logger,
          metrics,
        })
      : undefined;
  webhooks?.start();
  // The outbox size gauge: absent while no webhook endpoint is configured.
  metrics.watchOutbox(() => webhooks?.stats().pending);

  const app = express();
  app.disable('x-powered-by');
  // Decisions are answers to POSTs, never cached: no ETag to compute for every response body.
  app.set('etag', false);
  app.set('trust proxy', false);
  app.use(requestLogger(logger));
  app.use(closeWhenStopping(lifecycle));

  // The order routes wait for the runtime overlay: a retryable 503 until it is read.
  const readyGate = requireReady(config, reloads.loaded);

  app.get('/healthz', liveness());

  app.get(
    '/readyz',
    readiness({
      config,
      store,
      stopping: lifecycle.stopping,
      loaded: reloads.loaded,
      source: () => running.source,
    }),
  );

  app.get('/metrics', deps.metricsHandler ?? metrics.handler());
  // One budget per token and per address for the review and admin APIs together: one limiter, mounted in both.
  const rateLimit =
    config.service.rateLimit && limiterFor({ ...config.service.rateLimit, store: deps.rateLimitStore });
  // The review API and page. It needs at least one token; without one it stays off rather than open.
  const review =
    config.review.tokens.length > 0
      ? reviewRouter({
          store,
          tokens: config.review.tokens,
          logger,
          metrics,
          customRules: () => guard.policy.customRules.map((rule) => rule.id),
          timeZone: config.review.timeZone,
          rateLimit,
          ...(deps.clock ? { clock: deps.clock } : {}),
        })
      : undefined;
  if (review) {
    app.use('/review', review);
  } else {
    logger.warn('no review tokens configured (review.tokens or PRICE_GUARD_REVIEW_TOKENS): /review is off');
    app.use('/review', (_req, res) => {
      res.status(404).json({ error: 'review_disabled', message: 'no review tokens are configured' });
    });
  }

  const json = express.json({ limit: config.service.bodyLimit });

  app.post('/v1/evaluate', readyGate, json, evaluateRoute({ config, guard, logger, lifecycle }));
  // The unit of every currency's amounts, for a client to check at start-up against the unit it sends.
  app.get('/v1/currencies', function currencyUnits(_req: Request, res: Response) {
    res.set('Cache-Control', 'no-store');
    res.json({
      currencies: Object.fromEntries(
        Object.keys(CURRENCY_EXPONENTS).map((code) => [code, amountUnit(code).exponent]),
      ),
    });
  });

  // The demo storefront: the middleware mounted exactly as a Node shop mounts it.
  app.post('/checkout', readyGate, json, checkout, function placeOrder(req: Request, res: Response) {
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
      rateLimit,
      overlay,
      store,
      logger,
      refresh: reloads.refresh,
      policy: () => guard.policy,
      withOverlay: (policy) => applyOverlay(policy, reloads.current()),
      describe: () => {
        const policy = guard.policy;
        const currentOverlay = reloads.current();
        return {
          overlay: { floors: currentOverlay.floors, caps: currentOverlay.caps, rules: currentOverlay.rules },
          floors: policy.floors,
          skuCaps: policy.discountCaps.skus,
          catalog: { skus: currentOverlay.catalog.skus, prices: currentOverlay.catalog.prices },
          customRules: policy.customRules.map((rule) => ({
            ...rule,
            source: Object.hasOwn(currentOverlay.rules, rule.id) ? 'runtime' : 'file',
          })),
          source: running.source,
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
    webhooks,
    reload(next) {
      const outcome = reloads.reload(next, running);
      // Refused (logged and counted there): the running policy stays.
      if (!outcome.ok) return false;
      if (restartOnly(next) !== restartOnly(running)) {
        logger.warn(
          'config reloaded: the policy is in force; changes to service, review and metrics need a restart',
        );
      }
      running = next;
      logger.info({ config: next.source ?? null, mode: guard.policy.mode }, 'config reloaded');
      return true;
    },
    refreshOverlay: reloads.refresh,
    whenReady: () => reloads.ready,
    inFlight: lifecycle.inFlight,
    drain: lifecycle.drain,
    async close() {
      lifecycle.stop();
      reloads.stop();
      preflights?.stop();
      return closeService({ webhooks, overlay, store, logger });
    },
  };
}
