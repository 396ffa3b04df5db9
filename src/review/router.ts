// src/review/router.ts
// reviewRouter(options): the on-call review API and page as an Express router, mounted by storefront or service.

import express, { type NextFunction, type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { formatBp, formatMoney } from '../core/money';
import { toProblems } from '../core/problems';
import type { Logger } from '../guard';
import { asyncRoute } from '../http/async-route';
import type { GuardMetrics, WebhookOutcome } from '../observability/sink';
import { MemoryOutbox } from '../state/memory/outbox';
import type { GuardStore, HeldOrder, HoldFilter, OutboxStore, TransitionFailure } from '../state/types';
import { pageAssets } from './assets';
import { identify, type Reviewer, type ReviewToken, requireRole, TokenRegistry } from './auth';
import { bulkDecide } from './bulk';
import { sameOriginJson } from './csrf';
import {
  bulkFilter,
  displayMoney,
  groupQuery,
  listQuery as listQuerySchema,
  mainCurrency,
  pathIdentifier,
  presentGroup,
} from './queue-api';
import { type ReviewRateLimitOptions, reviewRateLimit } from './rate-limit';
import {
  eventFor,
  type ResolvedWebhookOptions,
  ReviewEvents,
  resolveWebhookOptions,
  type WebhookOptions,
  WebhookOutbox,
} from './webhooks';

/** Options of `reviewRouter()`. */
export interface ReviewRouterOptions {
  /** The store the guard holds orders in (the same instance the middleware uses). Required. */
  store: GuardStore;
  /** Bearer tokens, hashed (see `hashToken`). Required, at least one. */
  tokens: ReviewToken[];
  /** Signed webhooks to the storefront on release and cancel. Defaults to none. */
  webhooks?: WebhookOptions;
  /** Where in-process `released` / `cancelled` events are emitted. Defaults to a new ReviewEvents (`router.events`). */
  events?: ReviewEvents;
  /** API rate limit per token (per IP before authentication), or `false` to leave it to a proxy. Defaults to 600 per minute. */
  rateLimit?: ReviewRateLimitOptions | false;
  /** Origins besides the router's own that may send state-changing requests. Defaults to none. */
  allowedOrigins?: string[];
  /** Held orders per page when the request names no `limit`. Defaults to 50. */
  pageSize?: number;
  /** Largest `limit` a request may ask for. Defaults to 200. */
  maxPageSize?: number;
  /** Most orders one bulk action decides; it reports `truncated` beyond that (run it again). Defaults to 100,000. */
  maxBulkOrders?: number;
  /** Where store errors and webhook failures go. Defaults to console. */
  logger?: Logger;
  /** Counts reviewer actions and webhook deliveries (e.g. `createMetrics()`). Defaults to none. */
  metrics?: Pick<GuardMetrics, 'reviewAction' | 'webhook'>;
  /** Clock in epoch ms, for tests and replays. Defaults to Date.now. */
  clock?: () => number;
}

/** The router, with its event emitter and webhook outbox; call `close()` on shutdown. */
export type ReviewRouter = Router & {
  events: ReviewEvents;
  webhooks: WebhookOutbox | undefined;
  /** Resolves once every queued webhook is delivered or given up, or after `timeoutMs` (then false). */
  drain(timeoutMs?: number): Promise<boolean>;
  /**
   * Stops claiming webhook deliveries and waits for the attempts in flight. Undelivered events stay in the store's
   * outbox (with Redis, delivered after a restart or by another instance; with the embedded store, logged as lost).
   */
  close(): Promise<void>;
};

/** Thrown at construction for a bad option; names the option and the fix. */
export class ReviewOptionsError extends TypeError {
  readonly code = 'ERR_REVIEW_OPTIONS';
  constructor(message: string) {
    super(`reviewRouter: ${message}`);
    this.name = this.constructor.name;
  }
}

const KNOWN_OPTIONS: { [K in keyof Required<ReviewRouterOptions>]: true } = {
  store: true,
  tokens: true,
  webhooks: true,
  events: true,
  rateLimit: true,
  allowedOrigins: true,
  pageSize: true,
  maxPageSize: true,
  maxBulkOrders: true,
  logger: true,
  metrics: true,
  clock: true,
};

const STORE_METHODS = [
  'getHold',
  'listHolds',
  'listGroups',
  'claim',
  'decide',
  'audit',
  'auditTrail',
  'clearVoucher',
  'resetHistory',
  'queueStats',
] as const;

function positiveInteger(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new ReviewOptionsError(
      `option "${name}" must be a positive whole number, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

function resolveWebhooks(options: WebhookOptions | undefined): ResolvedWebhookOptions | undefined {
  return resolveWebhookOptions(options, (message) => {
    throw new ReviewOptionsError(message);
  });
}

/** Validated options: the private shape the handlers use. */
interface Resolved {
  store: GuardStore;
  tokens: TokenRegistry;
  webhooks: ResolvedWebhookOptions | undefined;
  events: ReviewEvents;
  rateLimit: Required<ReviewRateLimitOptions> | false;
  allowedOrigins: string[];
  pageSize: number;
  maxPageSize: number;
  maxBulkOrders: number;
  logger: Logger;
  metrics: { reviewAction(action: string, count?: number): void; webhook(outcome: WebhookOutcome): void };
  clock: () => number;
}

function resolveOptions(options: ReviewRouterOptions): Resolved {
  if (typeof options === 'function') {
    throw new ReviewOptionsError(
      'it was passed to app.use() without being called: write reviewRouter({ ... })',
    );
  }
  if (options === null || typeof options !== 'object') {
    throw new ReviewOptionsError('options must be an object like { store, tokens }');
  }
  const known = Object.keys(KNOWN_OPTIONS);
  for (const key of Object.keys(options)) {
    if (!(key in KNOWN_OPTIONS)) {
      throw new ReviewOptionsError(`unknown option "${key}" (known: ${known.join(', ')})`);
    }
  }
  const store = options.store as unknown as Record<string, unknown> | undefined;
  if (store === undefined || store === null || typeof store !== 'object') {
    throw new ReviewOptionsError(
      'option "store" is required: pass the store the guard uses (e.g. priceGuard(...).guard.store)',
    );
  }
  for (const method of STORE_METHODS) {
    if (typeof store[method] !== 'function') {
      throw new ReviewOptionsError(
        `option "store" must implement GuardStore: its "${method}" is not a function`,
      );
    }
  }
  let tokens: TokenRegistry;
  try {
    tokens = new TokenRegistry(options.tokens);
  } catch (error) {
    throw new ReviewOptionsError((error as Error).message.replace(/^reviewRouter: /, ''));
  }
  if (options.events !== undefined && !(options.events instanceof ReviewEvents)) {
    throw new ReviewOptionsError('option "events" must be a ReviewEvents instance (new ReviewEvents())');
  }
  let rateLimit: Resolved['rateLimit'] = { windowMs: 60_000, limit: 600 };
  if (options.rateLimit === false) rateLimit = false;
  else if (options.rateLimit !== undefined) {
    for (const key of Object.keys(options.rateLimit)) {
      if (key !== 'windowMs' && key !== 'limit') {
        throw new ReviewOptionsError(`unknown option "rateLimit.${key}" (known: windowMs, limit), or false`);
      }
    }
    rateLimit = {
      windowMs:
        options.rateLimit.windowMs === undefined
          ? 60_000
          : positiveInteger('rateLimit.windowMs', options.rateLimit.windowMs),
      limit:
        options.rateLimit.limit === undefined
          ? 600
          : positiveInteger('rateLimit.limit', options.rateLimit.limit),
    };
  }
  const allowedOrigins = options.allowedOrigins ?? [];
  if (
    !Array.isArray(allowedOrigins) ||
    allowedOrigins.some((o) => typeof o !== 'string' || !/^https?:\/\/[^/]+$/.test(o))
  ) {
    throw new ReviewOptionsError(
      `option "allowedOrigins" must be a list of origins like "https://ops.example.com" (scheme and host, no path), got ${JSON.stringify(allowedOrigins)}`,
    );
  }
  const maxPageSize =
    options.maxPageSize === undefined ? 200 : positiveInteger('maxPageSize', options.maxPageSize);
  const pageSize = options.pageSize === undefined ? 50 : positiveInteger('pageSize', options.pageSize);
  if (pageSize > maxPageSize) {
    throw new ReviewOptionsError(
      `option "pageSize" (${pageSize}) must not exceed "maxPageSize" (${maxPageSize})`,
    );
  }
  for (const name of ['clock'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') {
      throw new ReviewOptionsError(`option "${name}" must be a function, got ${typeof options[name]}`);
    }
  }
  const metrics = options.metrics;
  if (
    metrics !== undefined &&
    (metrics === null ||
      typeof metrics !== 'object' ||
      (metrics.reviewAction !== undefined && typeof metrics.reviewAction !== 'function') ||
      (metrics.webhook !== undefined && typeof metrics.webhook !== 'function'))
  ) {
    throw new ReviewOptionsError(
      'option "metrics" must be an object with reviewAction() and webhook() methods, e.g. createMetrics()',
    );
  }
  return {
    store: options.store,
    tokens,
    webhooks: resolveWebhooks(options.webhooks),
    events: options.events ?? new ReviewEvents(),
    rateLimit,
    allowedOrigins,
    pageSize,
    maxPageSize,
    maxBulkOrders:
      options.maxBulkOrders === undefined ? 100_000 : positiveInteger('maxBulkOrders', options.maxBulkOrders),
    logger: options.logger ?? console,
    metrics: {
      reviewAction: metrics?.reviewAction?.bind(metrics) ?? (() => {}),
      webhook: metrics?.webhook?.bind(metrics) ?? (() => {}),
    },
    clock: options.clock ?? Date.now,
  };
}

const noteSchema = z
  .string({ error: 'must be a string' })
  .max(2_000, { error: 'must be at most 2000 characters' });

const decisionBody = z.strictObject({
  note: noteSchema.optional(),
  expectedVersion: z.number({ error: 'must be the version number you saw' }).int().min(1).optional(),
});

const bulkBody = z.strictObject({
  action: z.enum(['approve', 'reject'], { error: 'must be "approve" or "reject"' }),
  filter: bulkFilter,
  note: noteSchema.optional(),
  dryRun: z.boolean().optional(),
});

const FAILURE_STATUS: Record<TransitionFailure, number> = {
  not_found: 404,
  already_decided: 409,
  version_conflict: 409,
};

const FAILURE_MESSAGE: Record<TransitionFailure, string> = {
  not_found: 'No held order has this id.',
  already_decided: 'This order was already decided; decisions are final.',
  version_conflict: 'This order changed since you loaded it; reload and decide again.',
};

function formatValue(
  value: number | undefined,
  unit: string | undefined,
  currency: string,
): string | undefined {
  if (value === undefined) return undefined;
  if (unit === 'minor') return formatMoney(value, currency);
  if (unit === 'bp') return formatBp(value);
  return String(value);
}

/** A held order with the numbers formatted for people (`display`), as the API returns it. */
export function presentHold(held: HeldOrder) {
  const { currency } = held;
  return {
    ...held,
    display: {
      total: formatMoney(held.order.total, currency),
      listValue: formatMoney(held.listValue, currency),
      discount: formatMoney(held.discount, currency),
      lines: held.order.lines.map((orderLine) => ({
        unitPrice: formatMoney(orderLine.unitPrice, currency),
        discount: formatMoney(orderLine.discount, currency),
      })),
      vouchers: held.order.vouchers.map((voucher) => ({ discount: formatMoney(voucher.discount, currency) })),
      reasons: held.decision.reasons.map((reason) => ({
        observed: formatValue(reason.observed, reason.unit, currency),
        limit: formatValue(reason.limit, reason.unit, currency),
      })),
    },
  };
}

/** Answers a claim or decision the store refused, with the order as it now is when it exists. */
function refuse(res: Response, outcome: { reason: TransitionFailure; held?: HeldOrder | undefined }): void {
  res.status(FAILURE_STATUS[outcome.reason]).json({
    error: outcome.reason,
    message: FAILURE_MESSAGE[outcome.reason],
    ...(outcome.held ? { held: presentHold(outcome.held) } : {}),
  });
}

type Parsed<T> = { ok: true; data: T } | { ok: false };

function parse<T>(schema: z.ZodType<T>, input: unknown, res: Response): Parsed<T> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return { ok: true, data: result.data };
  res.status(400).json({ error: 'invalid_request', problems: toProblems(result.error.issues) });
  return { ok: false };
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/**
 * Creates the review router: the page at `/`, the JSON API under `/api`. Mount it where on-call reaches it:
 * `app.use('/review', reviewRouter({ store: guard.guard.store, tokens }))`.
 */
export function reviewRouter(options: ReviewRouterOptions): ReviewRouter {
  const resolved = resolveOptions(options);
  const { store, events, logger, metrics, clock } = resolved;
  // Webhooks deliver from the store's outbox, where the store records each decision's event atomically with the
  // decision (issue 14). A store without an outbox gets one in process memory, fed here after each decision.
  const storeOutbox = (store as GuardStore & Partial<OutboxStore>).outbox;
  const fallbackOutbox = storeOutbox ? undefined : new MemoryOutbox();
  const outbox =
    resolved.webhooks && resolved.webhooks.endpoints.length > 0
      ? new WebhookOutbox(resolved.webhooks, storeOutbox ?? fallbackOutbox!, logger, metrics.webhook)
      : undefined;
  outbox?.start();

  const announce = (held: HeldOrder) => {
    const event = eventFor(held);
    fallbackOutbox?.record(event);
    outbox?.nudge();
    try {
      events.emit(held.status === 'approved' ? 'released' : 'cancelled', event, held);
    } catch (error) {
      logger.error({ err: error, orderId: held.orderId }, 'review events: a listener threw');
    }
  };

  const router = Router() as ReviewRouter;
  router.use(function securityHeaders(_req, res, next) {
    res.set({
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'X-Frame-Options': 'DENY',
      'Cross-Origin-Resource-Policy': 'same-origin',
    });
    next();
  });

  // The page: static, no data in it, so no token is needed to load it.
  const pageHeaders = {
    'Content-Security-Policy':
      "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'",
    'Cache-Control': 'no-cache',
  };
  const page = pageAssets();
  router.get('/', function reviewPage(req, res) {
    const path = req.originalUrl.split('?')[0] ?? '';
    if (!path.endsWith('/')) {
      res.redirect(301, `${path}/`); // relative URLs in the page need the trailing slash
      return;
    }
    res.set(pageHeaders).type(page.html.type).send(page.html.body);
  });
  router.get('/app.js', function reviewScript(_req, res) {
    res.set(pageHeaders).type(page.js.type).send(page.js.body);
  });
  router.get('/app.css', function reviewStyles(_req, res) {
    res.set(pageHeaders).type(page.css.type).send(page.css.body);
  });

  const api = Router();
  api.use(function noStore(_req, res, next) {
    res.set('Cache-Control', 'no-store');
    next();
  });
  api.use(identify(resolved.tokens));
  if (resolved.rateLimit) api.use(reviewRateLimit(resolved.rateLimit));
  api.use(sameOriginJson(resolved.allowedOrigins));
  api.use(express.json({ limit: '64kb' }));

  const actor = (res: Response) => (res.locals.reviewer as Reviewer).name;

  api.get('/me', requireRole('viewer'), function me(_req, res) {
    res.json(res.locals.reviewer);
  });

  api.get(
    '/stats',
    requireRole('viewer'),
    asyncRoute(async function stats(_req, res) {
      const queue = await store.queueStats(clock());
      const pendingValue = queue.pendingValue ?? {};
      res.json({ ...queue, pendingValue, display: { pendingValue: displayMoney(pendingValue) } });
    }),
  );

  const listQuery = listQuerySchema(resolved.maxPageSize);

  api.get(
    '/holds',
    requireRole('viewer'),
    asyncRoute(async function listHolds(req, res) {
      const parsed = parse(listQuery, req.query, res);
      if (!parsed.ok) return;
      const { status, limit, cursor, order, ...rest } = parsed.data;
      const filter: HoldFilter = withoutUndefined({ ...rest, status: status === 'any' ? undefined : status });
      const page = await store.listHolds(filter, limit ?? resolved.pageSize, cursor, order ?? 'newest');
      res.json({ items: page.items.map(presentHold), nextCursor: page.nextCursor ?? null });
    }),
  );

  // Pending holds grouped by cause (voucher code, SKU, rule): the incident view.
  api.get(
    '/groups',
    requireRole('viewer'),
    asyncRoute(async function listGroups(req, res) {
      const parsed = parse(groupQuery, req.query, res);
      if (!parsed.ok) return;
      const by = parsed.data.by ?? 'count';
      const currency =
        parsed.data.currency ??
        (by === 'money' ? mainCurrency((await store.queueStats(clock())).pendingValue) : undefined);
      if (by === 'money' && currency === undefined) {
        res.json({ groups: [], total: 0, by, currency: null });
        return;
      }
      const list = await store.listGroups(
        withoutUndefined({
          kind: parsed.data.kind,
          by: by === 'money' ? ('discount' as const) : ('count' as const),
          currency: by === 'money' ? currency : undefined,
          limit: parsed.data.limit ?? 20,
        }),
      );
      res.json({ groups: list.groups.map(presentGroup), total: list.total, by, currency: currency ?? null });
    }),
  );

  api.get(
    '/holds/:orderId',
    requireRole('viewer'),
    asyncRoute(async function getHold(req, res) {
      const orderId = String(req.params.orderId);
      const held = await store.getHold(orderId);
      if (!held) {
        res.status(404).json({ error: 'not_found', message: FAILURE_MESSAGE.not_found });
        return;
      }
      res.json({ held: presentHold(held), audit: await store.auditTrail({ orderId, limit: 100 }) });
    }),
  );

  api.post(
    '/holds/:orderId/claim',
    requireRole('reviewer'),
    asyncRoute(async function claimHold(req, res) {
      const outcome = await store.claim(String(req.params.orderId), actor(res), clock());
      if (!outcome.ok) {
        refuse(res, outcome);
        return;
      }
      metrics.reviewAction('claimed');
      res.json({ held: presentHold(outcome.held) });
    }),
  );

  const decideRoute = (to: 'approved' | 'rejected') =>
    asyncRoute(async function decideHold(req: Request, res: Response) {
      const parsed = parse(decisionBody, req.body, res);
      if (!parsed.ok) return;
      const note = (parsed.data.note ?? '').trim();
      if (to === 'rejected' && note === '') {
        res.status(400).json({
          error: 'invalid_request',
          problems: [{ path: 'note', message: 'is required to reject: say why, for the audit trail' }],
        });
        return;
      }
      const outcome = await store.decide(
        withoutUndefined({
          orderId: String(req.params.orderId),
          to,
          actor: actor(res),
          note,
          expectedVersion: parsed.data.expectedVersion,
          now: clock(),
        }),
      );
      if (!outcome.ok) {
        refuse(res, outcome);
        return;
      }
      metrics.reviewAction(to);
      announce(outcome.held);
      res.json({ held: presentHold(outcome.held) });
    });
  api.post('/holds/:orderId/approve', requireRole('reviewer'), decideRoute('approved'));
  api.post('/holds/:orderId/reject', requireRole('reviewer'), decideRoute('rejected'));

  api.post(
    '/bulk',
    requireRole('reviewer'),
    asyncRoute(async function bulk(req, res) {
      const parsed = parse(bulkBody, req.body, res);
      if (!parsed.ok) return;
      const { action, filter, dryRun } = parsed.data;
      const note = (parsed.data.note ?? '').trim();
      if (action === 'reject' && note === '' && !dryRun) {
        res.status(400).json({
          error: 'invalid_request',
          problems: [{ path: 'note', message: 'is required to reject: say why, for the audit trail' }],
        });
        return;
      }
      const to = action === 'approve' ? 'approved' : 'rejected';
      const result = await bulkDecide(store, {
        filter: withoutUndefined(filter),
        to,
        actor: actor(res),
        note,
        now: clock(),
        dryRun: dryRun ?? false,
        maxOrders: resolved.maxBulkOrders,
      });
      if (result.decided.length > 0) metrics.reviewAction(to, result.decided.length);
      for (const held of result.decided) announce(held);
      const { decided, ...counts } = result;
      res.json({
        action,
        dryRun: dryRun ?? false,
        ...counts,
        display: { money: displayMoney(result.money) },
      });
    }),
  );

  const auditQuery = z.strictObject({
    orderId: z.string().min(1).max(128).optional(),
    limit: z
      .string()
      .regex(/^\d+$/, { error: 'must be a whole number' })
      .transform(Number)
      .refine((n) => n >= 1 && n <= 1_000, { error: 'must be 1 to 1000' })
      .optional(),
  });
  api.get(
    '/audit',
    requireRole('viewer'),
    asyncRoute(async function auditTrail(req, res) {
      const parsed = parse(auditQuery, req.query, res);
      if (!parsed.ok) return;
      res.json({
        entries: await store.auditTrail(
          withoutUndefined({ orderId: parsed.data.orderId, limit: parsed.data.limit ?? 100 }),
        ),
      });
    }),
  );

  /** Answers 400 naming `field` when a path parameter is not a usable identifier; else its canonical form. */
  const pathParameter = (value: string, kind: 'code' | 'sku', field: string, res: Response) => {
    const checked = pathIdentifier(value, kind);
    if (checked.ok) return checked.value;
    res.status(400).json({ error: 'invalid_request', problems: [{ path: field, message: checked.message }] });
    return undefined;
  };

  api.post(
    '/vouchers/:code/clear',
    requireRole('admin'),
    asyncRoute(async function clearVoucher(req, res) {
      const code = pathParameter(String(req.params.code), 'code', 'code', res);
      if (code === undefined) return;
      const cleared = await store.clearVoucher(code, actor(res), clock());
      if (cleared) metrics.reviewAction('voucher_cleared');
      res.status(cleared ? 200 : 404).json({
        voucher: code,
        cleared,
        ...(cleared ? {} : { message: 'This voucher is not tripped (or not tracked); nothing to clear.' }),
      });
    }),
  );

  api.post(
    '/skus/:sku/reset-history',
    requireRole('admin'),
    asyncRoute(async function resetHistory(req, res) {
      const sku = pathParameter(String(req.params.sku), 'sku', 'sku', res);
      if (sku === undefined) return;
      await store.resetHistory(sku, actor(res), clock());
      metrics.reviewAction('history_reset');
      res.json({ sku, reset: true });
    }),
  );

  api.use(function notFound(_req, res) {
    res.status(404).json({ error: 'not_found', message: 'No such review API route.' });
  });

  api.use(function apiError(
    error: Error & { type?: string; status?: number },
    req: Request,
    res: Response,
    next: NextFunction,
  ) {
    if (res.headersSent) {
      next(error);
      return;
    }
    if (error.type === 'entity.parse.failed') {
      res.status(400).json({ error: 'invalid_json', message: 'The body is not valid JSON.' });
      return;
    }
    if (error.type === 'entity.too.large') {
      res.status(413).json({ error: 'too_large', message: 'The body is larger than 64 kB.' });
      return;
    }
    // Any other error Express or the body parser marks as the client's (a path that is not valid percent-encoding,
    // a body in an unsupported charset) is a 4xx: never answered or logged as a store failure.
    const status = error.status ?? (error as { statusCode?: number }).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      res.status(status).json({
        error: 'bad_request',
        message: /decode/i.test(error.message)
          ? 'The path is not valid percent-encoding (a % must be followed by two hex digits of UTF-8).'
          : 'The request is malformed.',
      });
      return;
    }
    logger.error({ err: error, path: req.path }, 'review API: request failed');
    res.status(500).json({
      error: 'internal',
      message: 'The review store failed; retrying is safe (decisions are final and idempotent).',
    });
  });

  router.use('/api', api);
  router.events = events;
  router.webhooks = outbox;
  router.drain = (timeoutMs?: number) => outbox?.drain(timeoutMs) ?? Promise.resolve(true);
  router.close = () => outbox?.close() ?? Promise.resolve();
  return router;
}
