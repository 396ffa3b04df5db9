// test/review/api-admin.test.ts
// The review API on MemoryStore and RedisStore: an admin clearing an incident (SKU history, voucher) in the audit trail.

import type { Server } from 'node:http';
import request from 'supertest';
import { auth, reviewApiFor, storeFactories } from './api-fixtures';

const FACTORIES = storeFactories('admin');

describe.each(FACTORIES)('review API on %s', (_name, factory) => {
  let server: Server;
  reviewApiFor(factory, (api) => ({ server } = api));

  describe('clearing an incident', () => {
    it('resets a SKU history and reports a voucher that is not tripped, as admin, in the audit trail', async () => {
      const reset = await request(server)
        .post('/review/api/skus/SKU-F1/reset-history')
        .set(auth('admin'))
        .send({});
      expect(reset.status).toBe(200);
      const clear = await request(server)
        .post('/review/api/vouchers/NEVER-SEEN/clear')
        .set(auth('admin'))
        .send({});
      expect(clear.status).toBe(404);
      const trail = await request(server).get('/review/api/audit?limit=5').set(auth('viewer'));
      expect(trail.body.entries[0]).toMatchObject({ action: 'history_reset', actor: 'ana', sku: 'SKU-F1' });
    });
  });
});
