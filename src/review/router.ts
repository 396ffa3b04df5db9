// src/review/router.ts
// reviewRouter(options): the on-call review API and page as an Express router, mounted by storefront or service.

import express, { type NextFunction, type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { RULE_ID_SHAPE } from '../core/policy/fields';
import { RULE_IDS } from '../core/types';
import { ReviewWorkflow } from '../engine/review';
import { asyncRoute } from '../express/async-route';
import { securityHeaders } from '../express/security-headers';
import type { HeldOrder, HoldFilter } from '../ports/store';
import { eventFor, type ReviewEvents } from '../webhooks/delivery';
import { pageAssets } from './assets';
import { identify, type Reviewer, requireRole } from './auth';
import { bulkDecide } from './bulk';
import { controlsApi } from './controls-api';
import { sameOriginJson } from './csrf';
import { type ReviewRouterOptions, resolveOptions } from './options';
import {
  displayMoney,
  groupQuery,
  incidentQuery,
  listQuery as listQuerySchema,
  mainCurrency,
  presentGroup,
  presentIncident,
} from './queue-api';
import {
  bulkBody,
  decisionBody,
  FAILURE_MESSAGE,
  parse,
  presentHold,
  presentSample,
  refuse,
  withoutUndefined,
} from './responses';

export { ReviewOptionsError, type ReviewRouterOptions } from './options';
export { presentHold } from './responses';

/**
 * The router, with its in-process event emitter. It starts nothing: each decision is recorded by the store (with
 * its webhook event, delivered by `createWebhookDelivery` from `checkout-price-guard/webhooks`) and emitted on
 * `events`.
 */
export type ReviewRouter = Router & {
  events: ReviewEvents;
};

/**
 * Creates the review router: the page at `/`, the JSON API under `/api`. Mount it where on-call reaches it:
 * `app.use('/review', reviewRouter({ store: guard.guard.store, tokens }))`.
 */
export function reviewRouter(options: ReviewRouterOptions): ReviewRouter {
  const resolved = resolveOptions(options);
  const { store, events, logger, metrics, clock } = resolved;
  // Every decision and control goes through the one workflow above the store port.
  const review = new ReviewWorkflow(store, { logger });
  // The store recorded the decision's webhook event with the decision itself; in-process listeners hear it here.
  const announce = (held: HeldOrder) => {
    const event = eventFor(held);
    try {
      events.emit(held.status === 'approved' ? 'released' : 'cancelled', event, held);
    } catch (error) {
      logger.error({ err: error, orderId: held.orderId }, 'review events: a listener threw');
    }
  };

  const router = Router() as ReviewRouter;
  router.use(securityHeaders);

  // The page: static, no data in it, so no token is needed to load it.
  const pageHeaders = {
    'Content-Security-Policy':
      "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'",
    'Cache-Control': 'no-cache',
  };
  const page = pageAssets(resolved.timeZone);
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
  router.get('/favicon.svg', function reviewIcon(_req, res) {
    res
      .set({ ...pageHeaders, 'Cache-Control': 'max-age=86400' })
      .type(page.icon.type)
      .send(page.icon.body);
  });

  const api = Router();
  api.use(function noStore(_req, res, next) {
    res.set('Cache-Control', 'no-store');
    next();
  });
  api.use(identify(resolved.tokens));
  if (resolved.rateLimit) api.use(resolved.rateLimit);
  api.use(sameOriginJson(resolved.allowedOrigins));
  api.use(express.json({ limit: '64kb' }));

  const actor = (res: Response) => (res.locals.reviewer as Reviewer).name;

  api.get('/me', requireRole('viewer'), function me(_req, res) {
    res.json(res.locals.reviewer);
  });

  // The rule ids the page's menus offer: the built-in rules, then the custom rules in force.
  api.get('/rules', requireRole('viewer'), function rules(_req, res) {
    const builtIn: readonly string[] = RULE_IDS;
    let custom: string[] = [];
    try {
      custom = [...new Set(resolved.customRules())].filter(
        (id) => typeof id === 'string' && RULE_ID_SHAPE.test(id) && !builtIn.includes(id),
      );
    } catch (error) {
      logger.error(
        { err: error },
        'review: the customRules option threw; the page offers the built-in rules',
      );
    }
    res.json({ builtIn, custom });
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

  /** The currency money ranks in: the one asked for, else the queue's main one (undefined when nothing is pending). */
  const rankedIn = async (asked: string | undefined) =>
    asked ?? mainCurrency((await store.queueStats(clock())).pendingValue);

  // Pending holds grouped by each cause they carry (voucher code, SKU, rule).
  api.get(
    '/groups',
    requireRole('viewer'),
    asyncRoute(async function listGroups(req, res) {
      const parsed = parse(groupQuery, req.query, res);
      if (!parsed.ok) return;
      const by = parsed.data.by ?? 'count';
      const currency = by === 'money' ? await rankedIn(parsed.data.currency) : parsed.data.currency;
      if (by === 'money' && currency === undefined) {
        res.json({ groups: [], total: 0, by, currency: null });
        return;
      }
      const list = await store.listGroups(
        withoutUndefined({
          kind: parsed.data.kind,
          by: by === 'money' ? ('exposure' as const) : ('count' as const),
          currency: by === 'money' ? currency : undefined,
          limit: parsed.data.limit ?? 20,
        }),
      );
      res.json({ groups: list.groups.map(presentGroup), total: list.total, by, currency: currency ?? null });
    }),
  );

  // The incidents: the pending holds partitioned by primary cause, ranked by exposure (the money left unpaid).
  api.get(
    '/incidents',
    requireRole('viewer'),
    asyncRoute(async function listIncidents(req, res) {
      const parsed = parse(incidentQuery, req.query, res);
      if (!parsed.ok) return;
      const by = parsed.data.by ?? 'exposure';
      const currency = by === 'exposure' ? await rankedIn(parsed.data.currency) : undefined;
      const [list, trips] = await Promise.all([
        store.listIncidents(withoutUndefined({ by, currency, limit: parsed.data.limit ?? 50 })),
        store.listTrips(clock()),
      ]);
      const tripped = new Map(trips.map((trip) => [trip.code, trip]));
      const shown = list.incidents.reduce((sum, incident) => sum + incident.count, 0);
      res.json({
        incidents: list.incidents.map((incident) => presentIncident(incident, tripped)),
        pending: list.pending,
        total: list.total,
        // The incidents beyond `limit`: with the ones shown, their counts add up to `pending`.
        others: { incidents: list.total - list.incidents.length, count: list.pending - shown },
        by,
        currency: currency ?? null,
      });
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
      const outcome = await review.claim(String(req.params.orderId), actor(res), clock());
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
      const outcome = await review.decide(
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
      const result = await bulkDecide(review, {
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
      const { decided, samples, ...counts } = result;
      res.json({
        action,
        dryRun: dryRun ?? false,
        ...counts,
        samples: samples.map(presentSample),
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

  controlsApi(api, { review, metrics, clock, actor });

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
    // Everything else is the store failing (down, or not answering in time): a dependency outage, answered as the
    // service answers one, a retryable 503.
    logger.error({ err: error, path: req.path }, 'review API: request failed');
    res.set('Retry-After', '5');
    res.status(503).json({
      error: 'store_unavailable',
      message: 'The review store failed; retrying is safe (decisions are final and idempotent).',
    });
  });

  router.use('/api', api);
  router.events = events;
  return router;
}
