// test/review/api-list.test.ts
// The review API on MemoryStore and RedisStore: listing holds by SKU, voucher, rule, time and status; a bad filter.

import type { Server } from 'node:http';
import request from 'supertest';
import type { HeldOrder } from '../../src/ports/store';
import { line, order } from '../helpers/orders';
import { auth, glitch, reviewApiFor, storeFactories, T0 } from './api-fixtures';

const FACTORIES = storeFactories('list');

describe.each(FACTORIES)('review API on %s', (_name, factory) => {
  let server: Server;
  const { hold } = reviewApiFor(factory, (api) => ({ server } = api));

  describe('list and filters', () => {
    beforeAll(async () => {
      await hold(glitch('f-1', 'SKU-F1', 'LEAKF'), T0 + 60_000);
      await hold(glitch('f-2', 'SKU-F2', 'LEAKF'), T0 + 120_000);
      await hold(glitch('f-3', 'SKU-F1'), T0 + 180_000);
      await hold(order({ orderId: 'f-4', lines: [line('SKU-F2', 50_000)], total: 49_000 }), T0 + 240_000);
    });

    const ids = async (query: string) => {
      const response = await request(server).get(`/review/api/holds?${query}`).set(auth('viewer'));
      expect(response.status).toBe(200);
      return (response.body.items as HeldOrder[]).map((held) => held.orderId);
    };

    it('filters by SKU, voucher, rule, time range and status, newest first', async () => {
      expect(await ids('sku=SKU-F1')).toEqual(['f-3', 'f-1']);
      expect(await ids('voucher=LEAKF')).toEqual(['f-2', 'f-1']);
      expect(await ids('rule=total_mismatch')).toEqual(['f-4']);
      expect(await ids(`from=${T0 + 120_000}&to=${T0 + 240_000}`)).toEqual(['f-3', 'f-2']);
      expect(await ids(`sku=SKU-F2&from=${new Date(T0 + 200_000).toISOString()}`)).toEqual(['f-4']);
      expect(await ids('sku=SKU-F1&status=approved')).toEqual([]);
    });

    it('returns the reasons with the numbers formatted', async () => {
      const response = await request(server).get('/review/api/holds/f-4').set(auth('viewer'));
      const { held } = response.body;
      const index = held.decision.reasons.findIndex((r: { rule: string }) => r.rule === 'total_mismatch');
      expect(index).toBeGreaterThanOrEqual(0);
      expect(held.decision.reasons[index].message).toEqual(expect.any(String));
      expect(held.display.total).toBe('IDR 49,000');
      expect(response.body.audit[0]).toMatchObject({ action: 'held', actor: 'guard', orderId: 'f-4' });
    });

    it('answers 400 naming the field for a bad filter', async () => {
      const response = await request(server)
        .get('/review/api/holds?rule=Zero%20Total&limit=0')
        .set(auth('viewer'));
      expect(response.status).toBe(400);
      expect(response.body.problems.map((p: { path: string }) => p.path).sort()).toEqual(['limit', 'rule']);
      // A rule id of the right shape that no rule has (a custom rule of another policy) matches nothing.
      const unknown = await request(server).get('/review/api/holds?rule=phone_bulk').set(auth('viewer'));
      expect(unknown.status).toBe(200);
      expect(unknown.body.items).toEqual([]);
    });
  });
});
