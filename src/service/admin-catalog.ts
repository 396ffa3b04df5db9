// src/service/admin-catalog.ts
// The admin API's catalog: declared list prices uploaded in bulk (JSON or CSV, a million rows), read as a stream
// into a new catalog version that is switched in whole or not at all.

import { StringDecoder } from 'node:string_decoder';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { createGunzip, createInflate } from 'node:zlib';
import type { Request, Response, Router } from 'express';
import type { Logger } from 'pino';
import { type CatalogFormat, CatalogReader } from '../core/catalog';
import { asyncRoute } from '../express/async-route';
import type { CatalogDraft, CatalogEntry, OverlayStore } from '../state/overlay';
import { validateSku } from '../state/overlay';
import { validOr400 } from './admin-values';

/** Largest JSON body of the preflight route (a catalog given inline): 100,000 SKUs in three currencies fit. */
export const CATALOG_BODY_LIMIT = '32mb';
/** Largest catalog upload, in bytes: read as a stream, so this bounds the time of one upload, not memory. */
export const CATALOG_UPLOAD_LIMIT = 256 * 1024 * 1024;
/** Most problems one refused upload lists. */
const MAX_PROBLEMS = 100;
/** Rows written to the new version in one batch (one HSET on Redis). */
const WRITE_BATCH = 2_000;
/**
 * Characters of the body read and checked in one turn of the event loop (about 400 rows, a millisecond or two):
 * a socket hands over 64 KB at a time, and checking that many rows at once would keep the orders arriving
 * meanwhile waiting for tens of milliseconds.
 */
const READ_SLICE = 8_192;

/** What the catalog routes need from the admin router. */
export interface CatalogDeps {
  overlay: OverlayStore;
  logger: Logger;
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

/** The format of an upload from its Content-Type, or undefined for one the catalog does not take. */
function formatOf(req: Request): CatalogFormat | undefined {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/json' || type.endsWith('+json')) return 'json';
  if (type === 'text/csv' || type === 'text/plain') return 'csv';
  return undefined;
}

/** Content-Encodings of an upload, each with its decoder ('identity': none). */
const DECODERS: Record<string, (() => NodeJS.ReadWriteStream) | undefined> = {
  gzip: createGunzip,
  deflate: createInflate,
};

/** The body as a stream of (decompressed) bytes. */
function bodyOf(req: Request): AsyncIterable<Buffer> {
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
  const decoder = DECODERS[encoding];
  return (decoder === undefined ? req : req.pipe(decoder())) as AsyncIterable<Buffer>;
}

/** Why an upload was not taken: the status and the body of the answer. */
class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(String(body.message));
  }
}

/** Reads the body into the draft, batch by batch; resolves with the reader once the body has ended. */
async function readInto(req: Request, format: CatalogFormat, draft: CatalogDraft): Promise<CatalogReader> {
  let batch: CatalogEntry[] = [];
  const reader = new CatalogReader(format, { minListPrice: 1, maxProblems: MAX_PROBLEMS }, (row) => {
    batch.push({ sku: row.sku, currency: row.currency, listPrice: row.listPrice });
  });
  const decoder = new StringDecoder('utf8');
  let bytes = 0;
  // The limit counts decompressed bytes: a small compressed body cannot grow past it.
  for await (const chunk of bodyOf(req)) {
    bytes += chunk.length;
    if (bytes > CATALOG_UPLOAD_LIMIT) {
      throw new Refusal(413, {
        error: 'payload_too_large',
        message: `the body is larger than the limit of ${CATALOG_UPLOAD_LIMIT} bytes; split the catalog and add the rest with PATCH`,
        limit: CATALOG_UPLOAD_LIMIT,
      });
    }
    const text = decoder.write(chunk);
    for (let start = 0; start < text.length; start += READ_SLICE) {
      if (start > 0) await nextTurn();
      reader.push(text.slice(start, start + READ_SLICE));
    }
    // After the first problem nothing more is written: the rest is read only to name its problems too.
    if (reader.problemCount > 0) batch = [];
    else if (batch.length >= WRITE_BATCH) {
      const full = batch;
      batch = [];
      await draft.write(full);
    }
  }
  reader.push(decoder.end());
  reader.end();
  if (reader.problemCount === 0) await draft.write(batch);
  return reader;
}

/**
 * Adds `PUT /catalog` (replace the uploaded catalog), `PATCH /catalog` (add to it) and `DELETE /catalog/:sku`. An
 * upload is a JSON (`application/json`) or CSV (`text/csv`) body read as a stream: each row is checked as it
 * arrives and written in batches into a new catalog version, which is switched in only when the whole body was
 * good. Refused whole with the problems named by line or path (400), the previous catalog still in force; an
 * upload with no rows is refused (`empty_catalog`) unless `?confirmEmpty=true`.
 */
export function catalogRoutes(router: Router, deps: CatalogDeps): void {
  const upload = (replace: boolean) =>
    asyncRoute(async function uploadCatalog(req: Request, res: Response) {
      const format = formatOf(req);
      const confirm = req.query.confirmEmpty;
      const refusal =
        format === undefined
          ? new Refusal(415, {
              error: 'unsupported_media_type',
              message: `Content-Type must be application/json or text/csv, got ${JSON.stringify(req.headers['content-type'] ?? '')}`,
            })
          : !['identity', ...Object.keys(DECODERS)].includes(
                (req.headers['content-encoding'] ?? 'identity').toLowerCase(),
              )
            ? new Refusal(415, {
                error: 'unsupported_media_type',
                message: `Content-Encoding ${JSON.stringify(req.headers['content-encoding'])} is not taken; send gzip, deflate or identity`,
              })
            : confirm !== undefined && confirm !== 'true' && confirm !== 'false'
              ? new Refusal(400, {
                  error: 'invalid_query',
                  message: `confirmEmpty must be true or false, got ${JSON.stringify(confirm)}`,
                  problems: [{ path: 'confirmEmpty', message: 'must be true or false' }],
                })
              : undefined;
      if (refusal !== undefined) {
        res.status(refusal.status).json(refusal.body);
        return;
      }
      let draft: CatalogDraft;
      try {
        draft = await deps.overlay.beginCatalog(replace);
      } catch (error) {
        deps.logger.warn({ err: error }, 'catalog upload: could not start a new catalog version');
        res.set('Retry-After', '5');
        res.status(503).json({
          error: 'catalog_store_unavailable',
          message: 'The catalog store did not answer; nothing was changed. Try again shortly.',
        });
        return;
      }
      let reader: CatalogReader;
      try {
        reader = await readInto(req, format!, draft);
        const empty = reader.blank || (reader.problemCount === 0 && reader.rows === 0);
        if (empty && confirm !== 'true') {
          throw new Refusal(400, {
            error: 'empty_catalog',
            message: `The upload has no rows (${reader.blank ? 'an empty body' : 'a header or an empty list only'}): it would ${replace ? 'replace the catalog with nothing' : 'add nothing'}. Nothing was changed; to do it on purpose, send it again with ?confirmEmpty=true.`,
          });
        }
        if (!empty && reader.problemCount > 0) {
          const count = reader.problemCount;
          throw new Refusal(400, {
            error: 'invalid_catalog',
            message: `The catalog was not taken: ${count} problem${count === 1 ? '' : 's'}${count > MAX_PROBLEMS ? `, the first ${MAX_PROBLEMS} listed` : ''}. The catalog in force is unchanged.`,
            problems: reader.problems,
          });
        }
      } catch (error) {
        await draft.abort().catch((abortError) => {
          deps.logger.warn({ err: abortError }, 'catalog upload: could not delete the unfinished version');
        });
        if (error instanceof Refusal) {
          res.status(error.status).json(error.body);
          return;
        }
        const code = (error as { code?: unknown }).code;
        if (typeof code === 'string' && code.startsWith('Z_')) {
          res.status(400).json({
            error: 'invalid_encoding',
            message: `The body is not valid ${req.headers['content-encoding']} data (${(error as Error).message}); nothing was changed.`,
          });
          return;
        }
        if (req.destroyed || req.readableAborted) return; // the client went away: nobody to answer
        deps.logger.warn({ err: error }, 'catalog upload: could not write the new catalog version');
        res.set('Retry-After', '5');
        res.status(503).json({
          error: 'catalog_store_unavailable',
          message: 'The catalog store failed during the upload; nothing was changed. Try again shortly.',
        });
        return;
      }
      let outcome: 'switched' | 'conflict';
      try {
        outcome = await draft.commit();
      } catch (error) {
        deps.logger.error({ err: error }, 'catalog upload: the switch to the new version did not answer');
        res.set('Retry-After', '5');
        res.status(503).json({
          error: 'catalog_switch_unknown',
          message:
            'The store did not answer the switch to the new catalog: it may or may not be in force. GET /v1/admin/catalog shows the catalog in force; sending the same upload again is safe.',
        });
        return;
      }
      if (outcome === 'conflict') {
        res.status(409).json({
          error: 'catalog_changed',
          message:
            'Another upload replaced the catalog while this one was being added to it; nothing was changed. Send it again.',
        });
        return;
      }
      // In force from here on: whatever follows is logged, never turned into an error answer.
      try {
        await deps.record(
          res,
          'catalog_uploaded',
          '*',
          `${replace ? 'replaced with' : 'added'} ${reader.rows} prices of ${reader.skus} SKUs`,
        );
      } catch (error) {
        deps.logger.warn(
          { err: error },
          'catalog upload: in force, but the audit or the local reload failed; instances read it on their next poll',
        );
      }
      res.json({ replaced: replace, skus: reader.skus, prices: reader.rows, catalog: deps.size() });
    });
  router.put('/catalog', upload(true));
  router.patch('/catalog', upload(false));
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
      // Removed from here on: a failure of the audit or of the local reload is logged, not answered as an error.
      await deps.record(res, 'catalog_removed', sku, 'removed from the uploaded catalog').catch((error) => {
        deps.logger.warn(
          { err: error },
          'catalog removal: in force, but the audit or the local reload failed',
        );
      });
      res.status(204).end();
    }),
  );
}
