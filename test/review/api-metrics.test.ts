// test/review/api-metrics.test.ts
// The review API on MemoryStore and RedisStore: reviewer actions counted once each took effect.

import express from 'express';
import { Registry } from 'prom-client';
import request from 'supertest';
import { createMetrics, DEFAULT_PREFIX, METRIC_NAMES } from '../../src/observability/metrics';
import type { GuardStore } from '../../src/ports/store';
import { reviewRouter } from '../../src/review/router';
import { auth, CONFIG, glitch, reviewApiFor, SILENT, storeFactories } from './api-fixtures';

const FACTORIES = storeFactories('metrics');

describe.each(FACTORIES)('review API on %s', (_name, factory) => {
  let store: GuardStore;
  const { hold, clock } = reviewApiFor(factory, (api) => ({ store } = api));

  describe('metrics', () => {
    it('counts each claim, decision, bulk decision and admin action once it took effect', async () => {
      const registry = new Registry();
      const counted = reviewRouter({
        store,
        tokens: CONFIG,
        logger: SILENT,
        clock: clock,
        rateLimit: false,
        metrics: createMetrics({ registry }),
      });
      const app = express().use('/review', counted);
      for (let index = 0; index < 4; index++) await hold(glitch(`m-${index}`, 'SKU-METRICS'));
      await request(app).post('/review/api/holds/m-0/claim').set(auth('reviewer')).send({}).expect(200);
      await request(app).post('/review/api/holds/m-0/approve').set(auth('reviewer')).send({}).expect(200);
      // A refused decision (already decided) is not an action.
      await request(app).post('/review/api/holds/m-0/approve').set(auth('reviewer')).send({}).expect(409);
      await request(app)
        .post('/review/api/bulk')
        .set(auth('reviewer'))
        .send({ action: 'reject', filter: { sku: 'SKU-METRICS' }, note: 'glitch' })
        .expect(200);
      await request(app)
        .post('/review/api/skus/SKU-METRICS/reset-history')
        .set(auth('admin'))
        .send({})
        .expect(200);
      await request(app)
        .post('/review/api/vouchers/NEVER-SEEN/clear')
        .set(auth('admin'))
        .send({})
        .expect(404);

      const metric = registry.getSingleMetric(`${DEFAULT_PREFIX}${METRIC_NAMES.reviewerActions}`);
      const { values } = await metric!.get();
      const byAction = Object.fromEntries(values.map((sample) => [sample.labels.action, sample.value]));
      expect(byAction).toMatchObject({
        claimed: 1,
        approved: 1,
        rejected: 3,
        history_reset: 1,
        voucher_cleared: 0,
      });
    });
  });
});
