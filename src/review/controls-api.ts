// src/review/controls-api.ts
// The guard's state from the review API: the tripped vouchers (viewer), and what on-call may do to it (admin role):
// clear or extend a tripped voucher, accept a SKU's new price, forget its history. Each action is audited by the
// review workflow and counted.

import type { Response, Router } from 'express';
import { z } from 'zod';
import { isKnownCurrency } from '../core/currencies';
import type { ReviewControl, ReviewWorkflow } from '../engine/review';
import { asyncRoute } from '../express/async-route';
import { requireRole } from './auth';
import type { Resolved } from './options';
import { pathIdentifier, presentTrip, voucherQuery } from './queue-api';
import { parse } from './responses';

/** What the controls need from the router. */
export interface ControlsDeps {
  review: ReviewWorkflow;
  metrics: Resolved['metrics'];
  clock: () => number;
  actor: (res: Response) => string;
}

const HOUR = 3_600_000;

const extendBody = z
  .strictObject({
    /** Until when (epoch ms or ISO 8601 date-time)… */
    until: z.union([z.number(), z.string()]).optional(),
    /** …or for how many hours from now (1 to 720). */
    hours: z.number({ error: 'must be a number of hours' }).int().min(1).max(720).optional(),
  })
  .refine((body) => (body.until === undefined) !== (body.hours === undefined), {
    error: 'give "until" (a time) or "hours", one of them',
    path: ['until'],
  });

const acceptBody = z.strictObject({
  currency: z
    .string()
    .refine(isKnownCurrency, { error: 'must be a known ISO 4217 currency code such as "IDR"' }),
  unitPrice: z
    .number({ error: 'must be an integer amount in minor units' })
    .int({ error: 'must be an integer amount in minor units, not a fraction' })
    .min(1, { error: 'must be at least 1' })
    .max(Number.MAX_SAFE_INTEGER),
});

/** Adds the state-control routes to the review API. */
export function controlsApi(api: Router, deps: ControlsDeps): void {
  const { review, metrics, clock, actor } = deps;

  /** Answers 501 when the store lacks what a control needs (a custom store without that state control). */
  const supported = (control: ReviewControl, res: Response) => {
    if (review.supports(control)) return true;
    res.status(501).json({
      error: 'not_supported',
      message: `This store does not support ${control}.`,
    });
    return false;
  };

  /** Answers 400 naming `field` when a path parameter is not a usable identifier; else its canonical form. */
  const pathParameter = (value: string, kind: 'code' | 'sku', field: string, res: Response) => {
    const checked = pathIdentifier(value, kind);
    if (checked.ok) return checked.value;
    res.status(400).json({ error: 'invalid_request', problems: [{ path: field, message: checked.message }] });
    return undefined;
  };

  // Every tripped code, whether or not it still has pending holds: a sticky trip outlives its incident.
  api.get(
    '/vouchers',
    requireRole('viewer'),
    asyncRoute(async function listTrippedVouchers(req, res) {
      const parsed = parse(voucherQuery, req.query, res);
      if (!parsed.ok) return;
      const trips = await review.store.listTrips(clock());
      res.json({ state: 'tripped', vouchers: trips.map(presentTrip) });
    }),
  );

  api.post(
    '/vouchers/:code/clear',
    requireRole('admin'),
    asyncRoute(async function clearVoucher(req, res) {
      if (!supported('clearVoucher', res)) return;
      const code = pathParameter(String(req.params.code), 'code', 'code', res);
      if (code === undefined) return;
      const cleared = await review.clearVoucher(code, actor(res), clock());
      if (cleared) metrics.reviewAction('voucher_cleared');
      res.status(cleared ? 200 : 404).json({
        voucher: code,
        cleared,
        ...(cleared ? {} : { message: 'This voucher is not tripped (or not tracked); nothing to clear.' }),
      });
    }),
  );

  api.post(
    '/vouchers/:code/extend',
    requireRole('admin'),
    asyncRoute(async function extendVoucher(req, res) {
      if (!supported('extendVoucher', res)) return;
      const code = pathParameter(String(req.params.code), 'code', 'code', res);
      if (code === undefined) return;
      const parsed = parse(extendBody, req.body, res);
      if (!parsed.ok) return;
      const now = clock();
      const { until, hours } = parsed.data;
      const at =
        hours !== undefined
          ? now + hours * HOUR
          : typeof until === 'number'
            ? until
            : Date.parse(String(until));
      if (!Number.isSafeInteger(at) || at <= now) {
        res.status(400).json({
          error: 'invalid_request',
          problems: [{ path: 'until', message: 'must be a time in the future (epoch ms or ISO 8601)' }],
        });
        return;
      }
      const extended = await review.extendVoucher(code, at, actor(res), now);
      if (extended) metrics.reviewAction('voucher_extended');
      res.status(extended ? 200 : 404).json({
        voucher: code,
        extended,
        ...(extended
          ? { until: new Date(at).toISOString() }
          : { message: 'This voucher is not tripped; there is nothing to keep held.' }),
      });
    }),
  );

  api.post(
    '/skus/:sku/accept-price',
    requireRole('admin'),
    asyncRoute(async function acceptPrice(req, res) {
      if (!supported('acceptPrice', res)) return;
      const sku = pathParameter(String(req.params.sku), 'sku', 'sku', res);
      if (sku === undefined) return;
      const parsed = parse(acceptBody, req.body, res);
      if (!parsed.ok) return;
      const { currency, unitPrice } = parsed.data;
      await review.acceptPrice(sku, currency, unitPrice, actor(res), clock());
      metrics.reviewAction('price_accepted');
      res.json({ sku, currency, unitPrice, accepted: true });
    }),
  );

  api.post(
    '/skus/:sku/reset-history',
    requireRole('admin'),
    asyncRoute(async function resetHistory(req, res) {
      if (!supported('resetHistory', res)) return;
      const sku = pathParameter(String(req.params.sku), 'sku', 'sku', res);
      if (sku === undefined) return;
      await review.resetHistory(sku, actor(res), clock());
      metrics.reviewAction('history_reset');
      res.json({ sku, reset: true });
    }),
  );
}
