// src/service/admin-catalog.ts
// The admin API's catalog: declared list prices uploaded in bulk (JSON or CSV, 100,000 SKUs in one request).

import express, { type Request, type Response, type Router } from 'express';
import { catalogFromCsv, catalogFromJson } from '../core/catalog';
import { PolicyError } from '../core/policy';
import type { Problem } from '../core/problems';
import { asyncRoute } from '../express/async-route';
import { type CatalogEntry, type OverlayStore, validateCatalogEntry, validateSku } from '../state/overlay';
import { validOr400 } from './admin-values';

/** Largest upload: 100,000 SKUs in three currencies fit with room to spare. */
export const CATALOG_BODY_LIMIT = '32mb';
/** Most problems one refused upload lists. */
const MAX_PROBLEMS = 100;

/** The entries of an upload, or its problems. */
export type CatalogParse = { ok: true; entries: CatalogEntry[] } | { ok: false; problems: Problem[] };

/**
 * The overlay entries of an upload, or every problem found: an upload is taken whole or not at all. The files
 * are those preflight reads (JSON or CSV, see src/core/catalog.ts); a `category` column is accepted, so one file
 * serves both, and not stored: orders carry their lines' categories.
 */
export function catalogUpload(body: unknown): CatalogParse {
  const options = { minListPrice: 1 };
  const parsed = typeof body === 'string' ? catalogFromCsv(body, options) : catalogFromJson(body, options);
  if (!parsed.ok) return parsed;
  const entries: CatalogEntry[] = [];
  const problems: Problem[] = [];
  for (const [sku, { prices }] of parsed.catalog) {
    for (const currency in prices) {
      try {
        entries.push(validateCatalogEntry(sku, currency, prices[currency]));
      } catch (error) {
        if (!(error instanceof PolicyError)) throw error;
        for (const problem of error.problems)
          problems.push({ path: `${sku}.${problem.path}`, message: problem.message });
      }
    }
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, entries };
}

/** What the catalog routes need from the admin router. */
export interface CatalogDeps {
  overlay: OverlayStore;
  /** Audits, logs and applies a change (the admin router's `record`). */
  record(
    res: Response,
    action: 'catalog_uploaded' | 'catalog_removed',
    sku: string,
    note: string,
  ): Promise<void>;
  /** SKUs and list prices of the uploaded catalog in force. */
  size(): { skus: number; prices: number };
}

/**
 * Adds `PUT /catalog` (replace the uploaded catalog), `PATCH /catalog` (add to it) and `DELETE /catalog/:sku`, each
 * with a JSON (`application/json`) or CSV (`text/csv`) body up to 32 MB, taken whole or refused whole with the
 * problems named by line or path.
 */
export function catalogRoutes(router: Router, deps: CatalogDeps): void {
  const json = express.json({ limit: CATALOG_BODY_LIMIT });
  const csv = express.text({ type: ['text/csv', 'text/plain'], limit: CATALOG_BODY_LIMIT });
  const upload = (replace: boolean) =>
    asyncRoute(async function uploadCatalog(req: Request, res: Response) {
      const parsed = catalogUpload(req.body);
      if (!parsed.ok) {
        const count = parsed.problems.length;
        res.status(400).json({
          error: 'invalid_catalog',
          message: `The catalog was not taken: ${count} problem${count === 1 ? '' : 's'}${count > MAX_PROBLEMS ? `, the first ${MAX_PROBLEMS} listed` : ''}.`,
          problems: parsed.problems.slice(0, MAX_PROBLEMS),
        });
        return;
      }
      await deps.overlay.putCatalog(parsed.entries, replace);
      const skus = new Set(parsed.entries.map((one) => one.sku)).size;
      await deps.record(
        res,
        'catalog_uploaded',
        '*',
        `${replace ? 'replaced with' : 'added'} ${parsed.entries.length} prices of ${skus} SKUs`,
      );
      res.json({ replaced: replace, skus, prices: parsed.entries.length, catalog: deps.size() });
    });
  router.put('/catalog', json, csv, upload(true));
  router.patch('/catalog', json, csv, upload(false));
  router.get('/catalog', (_req, res) => {
    res.json(deps.size());
  });
  router.delete(
    '/catalog/:sku',
    asyncRoute(async function removeFromCatalog(req, res) {
      const sku = validOr400(res, () => validateSku(String(req.params.sku)));
      if (sku === undefined) return;
      if (!(await deps.overlay.deleteCatalog(sku))) {
        res.status(404).json({ error: 'not_found', message: `${sku} is not in the uploaded catalog` });
        return;
      }
      await deps.record(res, 'catalog_removed', sku, 'removed from the uploaded catalog');
      res.status(204).end();
    }),
  );
}
