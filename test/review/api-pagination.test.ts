// test/review/api-pagination.test.ts
// The review API on MemoryStore and RedisStore: cursor pages over 10,000 held orders, whole and filtered.

import type { Server } from 'node:http';
import express from 'express';
import request from 'supertest';
import { Guard } from '../../src/engine/guard';
import type { GuardStore, HeldOrder } from '../../src/ports/store';
import { type ReviewRouter, reviewRouter } from '../../src/review/router';
import { auth, CONFIG, glitch, policy, SILENT, storeFactories, T0 } from './api-fixtures';

const FACTORIES = storeFactories('pagination');

describe.each(FACTORIES)('pagination over 10,000 held orders on %s', (_name, factory) => {
  let store: GuardStore;
  let router: ReviewRouter;
  let server: Server;

  beforeAll(async () => {
    store = await factory.create();
    let now = T0;
    const guard = new Guard({ policy, store, clock: () => now, storeTimeoutMs: 5_000 });
    for (let start = 0; start < 10_000; start += 250) {
      await Promise.all(
        Array.from({ length: 250 }, (_, offset) => {
          const index = start + offset;
          return guard.check(
            glitch(
              `p-${String(index).padStart(5, '0')}`,
              `SKU-P${index % 7}`,
              index % 10 === 0 ? 'PAGEV' : undefined,
            ),
          );
        }),
      );
      now += 1_000;
    }
    router = reviewRouter({ store, tokens: CONFIG, logger: SILENT, rateLimit: false });
    const app = express();
    app.use('/review', router);
    server = app.listen(0);
  }, 120_000);

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await factory.destroy();
  });

  it('walks every held order once, newest first, with the cursor', async () => {
    const seen: HeldOrder[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor === null ? 'limit=200' : `limit=200&cursor=${encodeURIComponent(cursor)}`;
      const response = await request(server).get(`/review/api/holds?${query}`).set(auth('viewer'));
      expect(response.status).toBe(200);
      seen.push(...response.body.items);
      cursor = response.body.nextCursor;
      pages += 1;
    } while (cursor !== null && pages < 200);
    expect(seen).toHaveLength(10_000);
    expect(new Set(seen.map((held) => held.orderId)).size).toBe(10_000);
    const outOfOrder = seen.findIndex((held, index) => index > 0 && seen[index - 1]!.heldAt < held.heldAt);
    expect(outOfOrder).toBe(-1);
  });

  it('pages a filter by SKU and by voucher completely', async () => {
    const walk = async (query: string) => {
      const ids: string[] = [];
      let cursor: string | null = null;
      do {
        const url: string = `/review/api/holds?${query}&limit=100${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
        const response = await request(server).get(url).set(auth('viewer'));
        ids.push(...response.body.items.map((held: HeldOrder) => held.orderId));
        cursor = response.body.nextCursor;
      } while (cursor !== null);
      return ids;
    };
    const sku = await walk('sku=SKU-P3');
    expect(sku).toHaveLength(Array.from({ length: 10_000 }, (_, i) => i).filter((i) => i % 7 === 3).length);
    const voucher = await walk('voucher=PAGEV');
    expect(voucher).toHaveLength(1_000);
    expect(voucher.every((id) => Number(id.slice(2)) % 10 === 0)).toBe(true);
  });
});
