// src/http/admin.ts
// The admin API: runtime catalog floors and SKU caps behind a bearer token, each change logged and audited.

import { createHash, timingSafeEqual } from 'node:crypto';
import express, { type NextFunction, type Request, type Response, Router } from 'express';
import type { Logger } from 'pino';
import type { TokenConfig } from '../config/service';
import { PolicyError } from '../core/policy';
import { type Overlay, type OverlayStore, validateCap, validateFloor } from '../state/overlay';
import type { GuardStore } from '../state/types';

/** What the admin router needs from the service. */
export interface AdminOptions {
  /** Tokens allowed in; only role `admin` may use this API. */
  tokens: TokenConfig[];
  overlay: OverlayStore;
  store: GuardStore;
  logger: Logger;
  /** Re-reads the overlay and applies it to the guards; resolves once the new policy is in force. */
  refresh(): Promise<void>;
  /** The overlay and the effective floors and caps, for GET /v1/admin/policy. */
  describe(): { overlay: Overlay; floors: unknown; skuCaps: unknown; source: string | undefined };
  clock?: () => number;
}

/** The name of the admin token that matches the Authorization header, comparing SHA-256 digests in constant time. */
export function authenticate(header: string | undefined, tokens: TokenConfig[]): TokenConfig | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  if (!match) return undefined;
  const presented = createHash('sha256').update(match[1]!).digest();
  let found: TokenConfig | undefined;
  for (const token of tokens) {
    // Every token is compared, so the time taken does not reveal which one matched.
    if (timingSafeEqual(presented, Buffer.from(token.sha256, 'hex')) && found === undefined) found = token;
  }
  return found;
}

function problemResponse(res: Response, error: unknown): void {
  if (error instanceof PolicyError) {
    res.status(400).json({ error: 'invalid_value', message: error.message, problems: error.problems });
    return;
  }
  throw error;
}

/** Builds the router mounted at `/v1/admin`. */
export function adminRouter(options: AdminOptions): Router {
  const { overlay, store, logger } = options;
  const clock = options.clock ?? Date.now;
  const admins = options.tokens.filter((token) => token.role === 'admin');
  const router = Router();

  router.use(function requireAdmin(req: Request, res: Response, next: NextFunction) {
    const token = authenticate(req.get('authorization'), admins);
    if (!token) {
      res.set('WWW-Authenticate', 'Bearer realm="checkout-price-guard admin"');
      res.status(401).json({
        error: 'unauthorized',
        message: 'an admin bearer token is required (Authorization: Bearer …)',
      });
      return;
    }
    res.locals.actor = token.name;
    next();
  });
  router.use(express.json({ limit: '16kb' }));

  const record = async (
    res: Response,
    action: 'floor_set' | 'floor_removed' | 'cap_set' | 'cap_removed',
    sku: string,
    note: string,
  ) => {
    const actor = res.locals.actor as string;
    logger.info({ audit: action, actor, sku, note, reqId: res.locals.requestId }, `admin: ${action} ${sku}`);
    await store.audit({ at: clock(), actor, action, sku, note });
    await options.refresh();
  };

  router.get('/policy', (_req, res) => {
    res.json(options.describe());
  });

  router.put('/floors/:sku', async (req, res) => {
    const sku = req.params.sku as string;
    const body = (req.body ?? {}) as { currency?: unknown; floor?: unknown };
    if (typeof body.currency !== 'string') {
      res.status(400).json({
        error: 'invalid_value',
        message: 'currency is required',
        problems: [{ path: 'currency', message: 'must be an ISO 4217 currency code such as "IDR"' }],
      });
      return;
    }
    let floor: number;
    try {
      floor = validateFloor(sku, body.currency, body.floor);
    } catch (error) {
      problemResponse(res, error);
      return;
    }
    await overlay.setFloor(sku, body.currency, floor);
    await record(res, 'floor_set', sku, `${body.currency} ${floor}`);
    res.json({ sku, currency: body.currency, floor });
  });

  router.delete('/floors/:sku', async (req, res) => {
    const sku = req.params.sku as string;
    const currency = typeof req.query.currency === 'string' ? req.query.currency : undefined;
    const removed = await overlay.deleteFloor(sku, currency);
    if (!removed) {
      res.status(404).json({ error: 'not_found', message: `no runtime floor for ${sku}` });
      return;
    }
    await record(res, 'floor_removed', sku, currency ?? 'all currencies');
    res.status(204).end();
  });

  router.put('/caps/:sku', async (req, res) => {
    const sku = req.params.sku as string;
    let capBp: number;
    try {
      capBp = validateCap(sku, (req.body as { capBp?: unknown } | undefined)?.capBp);
    } catch (error) {
      problemResponse(res, error);
      return;
    }
    await overlay.setCap(sku, capBp);
    await record(res, 'cap_set', sku, `${capBp} bp`);
    res.json({ sku, capBp });
  });

  router.delete('/caps/:sku', async (req, res) => {
    const sku = req.params.sku as string;
    if (!(await overlay.deleteCap(sku))) {
      res.status(404).json({ error: 'not_found', message: `no runtime cap for ${sku}` });
      return;
    }
    await record(res, 'cap_removed', sku, 'removed');
    res.status(204).end();
  });

  return router;
}
