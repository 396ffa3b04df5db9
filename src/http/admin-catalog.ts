// src/http/admin-catalog.ts
// The admin API's catalog: declared list prices uploaded in bulk (JSON or CSV, 100,000 SKUs in one request).

import express, { type Request, type Response, type Router } from 'express';
import { PolicyError } from '../core/policy';
import type { Problem } from '../core/problems';
import { type CatalogEntry, type OverlayStore, validateCatalogEntry, validateSku } from '../state/overlay';
import { asyncRoute } from './async-route';

/** Largest upload: 100,000 SKUs in three currencies fit with room to spare. */
export const CATALOG_BODY_LIMIT = '32mb';
/** Most problems one refused upload lists. */
const MAX_PROBLEMS = 100;

/** The entries of an upload, or every problem found (up to 100): an upload is taken whole or not at all. */
export type CatalogParse = { ok: true; entries: CatalogEntry[] } | { ok: false; problems: Problem[] };

function entry(
  problems: Problem[],
  path: string,
  sku: string,
  currency: unknown,
  listPrice: unknown,
): CatalogEntry | undefined {
  try {
    return validateCatalogEntry(sku, currency, listPrice);
  } catch (error) {
    if (!(error instanceof PolicyError)) throw error;
    for (const problem of error.problems) {
      if (problems.length < MAX_PROBLEMS)
        problems.push({ path: `${path}.${problem.path}`, message: problem.message });
    }
    return undefined;
  }
}

/**
 * A JSON catalog: the policy's `catalog` shape `{ "SKU": { "IDR": 4700000 } }`, or a list of
 * `{ "sku": "SKU", "currency": "IDR", "listPrice": 4700000 }`.
 */
export function parseJsonCatalog(body: unknown): CatalogParse {
  const problems: Problem[] = [];
  const entries: CatalogEntry[] = [];
  if (Array.isArray(body)) {
    body.forEach((row: unknown, index) => {
      const { sku, currency, listPrice } = (row ?? {}) as Record<string, unknown>;
      if (typeof sku !== 'string') {
        if (problems.length < MAX_PROBLEMS)
          problems.push({ path: `[${index}].sku`, message: 'must be a string' });
        return;
      }
      const parsed = entry(problems, `[${index}]`, sku, currency, listPrice);
      if (parsed) entries.push(parsed);
    });
  } else if (body !== null && typeof body === 'object') {
    for (const [sku, prices] of Object.entries(body as Record<string, unknown>)) {
      if (prices === null || typeof prices !== 'object' || Array.isArray(prices)) {
        if (problems.length < MAX_PROBLEMS)
          problems.push({ path: sku, message: 'must be { "IDR": 4700000, ... }' });
        continue;
      }
      for (const [currency, listPrice] of Object.entries(prices as Record<string, unknown>)) {
        const parsed = entry(problems, `${sku}.${currency}`, sku, currency, listPrice);
        if (parsed) entries.push(parsed);
      }
    }
  } else {
    problems.push({
      path: '',
      message: 'must be an object of SKU to prices, or a list of { sku, currency, listPrice }',
    });
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, entries };
}

/** One CSV line's fields: commas separate, double quotes may enclose a field (and `""` is a quote in it). */
function csvFields(text: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index]!;
    if (quoted) {
      if (char === '"' && text[index + 1] === '"') {
        field += '"';
        index++;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      fields.push(field);
      field = '';
    } else field += char;
  }
  fields.push(field);
  return fields;
}

/** A CSV catalog with the header `sku,currency,listPrice` (any order of the three columns). */
export function parseCsvCatalog(text: string): CatalogParse {
  const lines = text.split(/\r?\n/);
  const header = csvFields(lines[0] ?? '').map((name) => name.trim());
  const columns = {
    sku: header.indexOf('sku'),
    currency: header.indexOf('currency'),
    listPrice: header.indexOf('listPrice'),
  };
  if (columns.sku < 0 || columns.currency < 0 || columns.listPrice < 0) {
    return {
      ok: false,
      problems: [{ path: 'line 1', message: 'must be the header sku,currency,listPrice' }],
    };
  }
  const problems: Problem[] = [];
  const entries: CatalogEntry[] = [];
  for (let index = 1; index < lines.length; index++) {
    if (lines[index]!.trim() === '') continue;
    const fields = csvFields(lines[index]!);
    const path = `line ${index + 1}`;
    if (fields.length !== header.length) {
      if (problems.length < MAX_PROBLEMS)
        problems.push({ path, message: `has ${fields.length} fields; the header has ${header.length}` });
      continue;
    }
    const price = fields[columns.listPrice]!.trim();
    const parsed = entry(
      problems,
      path,
      fields[columns.sku]!,
      fields[columns.currency]!.trim(),
      /^\d+$/.test(price) ? Number(price) : price,
    );
    if (parsed) entries.push(parsed);
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
      const parsed = typeof req.body === 'string' ? parseCsvCatalog(req.body) : parseJsonCatalog(req.body);
      if (!parsed.ok) {
        res.status(400).json({
          error: 'invalid_catalog',
          message: `The catalog was not taken: ${parsed.problems.length}${parsed.problems.length >= MAX_PROBLEMS ? '+' : ''} problems.`,
          problems: parsed.problems,
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
      let sku: string;
      try {
        sku = validateSku(String(req.params.sku));
      } catch (error) {
        if (!(error instanceof PolicyError)) throw error;
        res.status(400).json({ error: 'invalid_value', message: error.message, problems: error.problems });
        return;
      }
      if (!(await deps.overlay.deleteCatalog(sku))) {
        res.status(404).json({ error: 'not_found', message: `${sku} is not in the uploaded catalog` });
        return;
      }
      await deps.record(res, 'catalog_removed', sku, 'removed from the uploaded catalog');
      res.status(204).end();
    }),
  );
}
