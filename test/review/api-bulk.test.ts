// test/review/api-bulk.test.ts
// The review API on MemoryStore and RedisStore: bulk decisions by voucher and by SKU and time range, dry runs, retries.

import type { Server } from 'node:http';
import request from 'supertest';
import type { GuardStore } from '../../src/ports/store';
import type { ReviewRouter } from '../../src/review/router';
import { auth, glitch, reviewApiFor, storeFactories, T0 } from './api-fixtures';

const FACTORIES = storeFactories('bulk');

describe.each(FACTORIES)('review API on %s', (_name, factory) => {
  let store: GuardStore;
  let router: ReviewRouter;
  let server: Server;
  const { hold } = reviewApiFor(factory, (api) => ({ store, router, server } = api));

  describe('bulk actions', () => {
    it('rejects every pending order of a voucher, skips decided ones, and is safe to retry', async () => {
      const cancelled: string[] = [];
      router.events.on('cancelled', (event) => cancelled.push(event.orderId));
      for (let index = 0; index < 30; index++)
        await hold(glitch(`v-${index}`, `SKU-V${index % 3}`, 'LEAK100'));
      await hold(glitch('other-voucher', 'SKU-V0', 'OTHER'));
      await request(server).post('/review/api/holds/v-7/approve').set(auth('reviewer')).send({}).expect(200);

      const preview = await request(server)
        .post('/review/api/bulk')
        .set(auth('reviewer'))
        .send({ action: 'reject', filter: { voucher: 'LEAK100' }, dryRun: true });
      expect(preview.body).toMatchObject({ matched: 29, changed: 0, dryRun: true });
      expect((await store.getHold('v-0'))?.status).toBe('pending');

      const first = await request(server)
        .post('/review/api/bulk')
        .set(auth('reviewer'))
        .send({ action: 'reject', filter: { voucher: 'LEAK100' }, note: 'leaked code' });
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ matched: 29, changed: 29, skipped: 0, truncated: false });
      expect((await store.getHold('v-7'))?.status).toBe('approved');
      expect(await store.getHold('v-3')).toMatchObject({ status: 'rejected', resolution: { by: 'rudi' } });
      expect((await store.getHold('other-voucher'))?.status).toBe('pending');
      expect(cancelled.sort()).toHaveLength(29);

      const retry = await request(server)
        .post('/review/api/bulk')
        .set(auth('reviewer'))
        .send({ action: 'reject', filter: { voucher: 'LEAK100' }, note: 'leaked code' });
      expect(retry.body).toMatchObject({ matched: 0, changed: 0, skipped: 0 });
      const trail = await store.auditTrail({ orderId: 'v-3', limit: 10 });
      expect(trail[0]).toMatchObject({ action: 'rejected', actor: 'rudi', note: 'leaked code' });
    });

    it('approves the pending orders of a SKU held in a time range, and nothing outside it', async () => {
      const base = T0 + 3_600_000;
      for (let minute = 0; minute < 60; minute += 5) {
        await hold(glitch(`s-${minute}`, 'SKU-TIGER'), base + minute * 60_000);
      }
      const response = await request(server)
        .post('/review/api/bulk')
        .set(auth('reviewer'))
        .send({
          action: 'approve',
          filter: {
            sku: 'SKU-TIGER',
            from: base + 10 * 60_000,
            to: new Date(base + 40 * 60_000).toISOString(),
          },
          note: 'price was right',
        });
      expect(response.body).toMatchObject({ matched: 6, changed: 6, skipped: 0 });
      const statuses = await Promise.all(
        Array.from({ length: 12 }, async (_, i) => (await store.getHold(`s-${i * 5}`))?.status),
      );
      expect(statuses).toEqual([
        'pending',
        'pending',
        'approved',
        'approved',
        'approved',
        'approved',
        'approved',
        'approved',
        'pending',
        'pending',
        'pending',
        'pending',
      ]);
    });

    it('refuses a bulk action without a narrowing filter', async () => {
      const response = await request(server)
        .post('/review/api/bulk')
        .set(auth('reviewer'))
        .send({ action: 'approve', filter: {} });
      expect(response.status).toBe(400);
      expect(response.body.problems[0].path).toBe('filter');
    });
  });
});
