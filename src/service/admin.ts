// src/service/admin.ts
// The admin API: runtime catalog floors and SKU caps behind a bearer token, each change logged and audited.

import express, { type Response, Router } from 'express';
import type { Logger } from 'pino';
import type { TokenConfig } from '../config/service';
import type { Policy } from '../core/policy';
import { asyncRoute } from '../express/async-route';
import { securityHeaders } from '../express/security-headers';
import type { AdminAuditAction, GuardStore } from '../ports/store';
import { identify, requireRole, TokenRegistry } from '../review/auth';
import type { RateLimitBudget } from '../review/rate-limit';
import { type Overlay, type OverlayStore, validateCap, validateFloor, validateSku } from '../state/overlay';
import { catalogRoutes } from './admin-catalog';
import { preflightRoute } from './admin-preflight';
import { ruleRoutes } from './admin-rules';
import { validOr400 } from './admin-values';

/** What the admin router needs from the service. */
export interface AdminOptions {
  /** Every configured token: only role `admin` may use this API; a viewer's or reviewer's token is told 403. */
  tokens: TokenConfig[];
  overlay: OverlayStore;
  store: GuardStore;
  logger: Logger;
  /** Re-reads the overlay and applies it to the guards; resolves once the new policy is in force. */
  refresh(): Promise<void>;
  /** The overlay and the effective floors and caps, for GET /v1/admin/policy. */
  describe(): {
    overlay: Pick<Overlay, 'floors' | 'caps' | 'rules'>;
    floors: unknown;
    skuCaps: unknown;
    /** SKUs and list prices of the uploaded catalog (the prices themselves are not listed: there may be 100,000). */
    catalog: { skus: number; prices: number };
    /** The custom rules in force, each with where it comes from (`file` or `runtime`). */
    customRules: unknown;
    source: string | undefined;
  };
  /** The policy in force, for POST /v1/admin/preflight. */
  policy(): Policy;
  /** A proposed policy with the runtime overlay over it, as it would be in force. */
  withOverlay(policy: Policy): Policy;
  /** The service's one rate-limit budget, shared with the review API (per token, per IP before authentication), or false. */
  rateLimit: RateLimitBudget | false;
  clock?: () => number;
}

/** Builds the router mounted at `/v1/admin`. */
export function adminRouter(options: AdminOptions): Router {
  const { overlay, store, logger } = options;
  const clock = options.clock ?? Date.now;
  const router = Router();

  router.use(securityHeaders);
  router.use(function noStore(_req, res, next) {
    res.set('Cache-Control', 'no-store');
    next();
  });
  // The same gate as the review API: every token known (a weaker role is told 403, an unknown token 401), compared
  // in constant time, and the same budget, so wrong guesses here and there count together per address.
  router.use(identify(new TokenRegistry(options.tokens)));
  if (options.rateLimit) router.use(options.rateLimit);
  router.use(requireRole('admin'));
  router.use(function actor(_req, res, next) {
    res.locals.actor = (res.locals.reviewer as { name: string }).name;
    next();
  });

  /** Logs and audits a change of `subject` (a SKU, or a custom rule's id), then applies it. */
  const record = async (
    res: Response,
    action: AdminAuditAction,
    subject: string,
    note: string,
    field: 'sku' | 'rule' = 'sku',
  ) => {
    const actor = res.locals.actor as string;
    logger.info(
      { audit: action, actor, [field]: subject, note, reqId: res.locals.requestId },
      `admin: ${action} ${subject}`,
    );
    await store.audit({ at: clock(), actor, action, [field]: subject, note });
    await options.refresh();
  };

  // The catalog takes large bodies (JSON or CSV) with parsers of its own; everything else is small JSON.
  catalogRoutes(router, { overlay, logger, record, size: () => options.describe().catalog });
  preflightRoute(router, { policy: options.policy, withOverlay: options.withOverlay, clock });
  router.use(express.json({ limit: '16kb' }));
  ruleRoutes(router, {
    overlay,
    rules: () => options.policy().customRules,
    runtime: () => options.describe().overlay.rules,
    record: (res, action, id, note) => record(res, action, id, note, 'rule'),
  });

  router.get('/policy', (_req, res) => {
    res.json(options.describe());
  });

  router.put(
    '/floors/:sku',
    asyncRoute(async function setFloor(req, res) {
      const body = (req.body ?? {}) as { currency?: unknown; floor?: unknown };
      const valid = validOr400(res, () => validateFloor(String(req.params.sku), body.currency, body.floor));
      if (valid === undefined) return;
      const { sku, currency, floor } = valid;
      await overlay.setFloor(sku, currency, floor);
      await record(res, 'floor_set', sku, `${currency} ${floor}`);
      res.json({ sku, currency, floor });
    }),
  );

  router.delete(
    '/floors/:sku',
    asyncRoute(async function removeFloor(req, res) {
      const sku = validOr400(res, () => validateSku(String(req.params.sku)));
      if (sku === undefined) return;
      const currency = typeof req.query.currency === 'string' ? req.query.currency : undefined;
      const removed = await overlay.deleteFloor(sku, currency);
      if (!removed) {
        res.status(404).json({ error: 'not_found', message: `no runtime floor for ${sku}` });
        return;
      }
      await record(res, 'floor_removed', sku, currency ?? 'all currencies');
      res.status(204).end();
    }),
  );

  router.put(
    '/caps/:sku',
    asyncRoute(async function setCap(req, res) {
      const valid = validOr400(res, () =>
        validateCap(String(req.params.sku), (req.body as { capBp?: unknown } | undefined)?.capBp),
      );
      if (valid === undefined) return;
      const { sku, capBp } = valid;
      await overlay.setCap(sku, capBp);
      await record(res, 'cap_set', sku, `${capBp} bp`);
      res.json({ sku, capBp });
    }),
  );

  router.delete(
    '/caps/:sku',
    asyncRoute(async function removeCap(req, res) {
      const sku = validOr400(res, () => validateSku(String(req.params.sku)));
      if (sku === undefined) return;
      if (!(await overlay.deleteCap(sku))) {
        res.status(404).json({ error: 'not_found', message: `no runtime cap for ${sku}` });
        return;
      }
      await record(res, 'cap_removed', sku, 'removed');
      res.status(204).end();
    }),
  );

  return router;
}
