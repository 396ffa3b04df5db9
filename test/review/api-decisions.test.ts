// test/review/api-decisions.test.ts
// The review API on MemoryStore and RedisStore: claim, approve and reject one hold, versions, and racing decisions.

import type { Server } from 'node:http';
import request from 'supertest';
import type { GuardStore } from '../../src/ports/store';
import type { ReviewRouter } from '../../src/review/router';
import type { ReviewEvent } from '../../src/webhooks/delivery';
import { auth, glitch, reviewApiFor, storeFactories } from './api-fixtures';

const FACTORIES = storeFactories('decisions');

describe.each(FACTORIES)('review API on %s', (_name, factory) => {
  let store: GuardStore;
  let router: ReviewRouter;
  let server: Server;
  const { hold } = reviewApiFor(factory, (api) => ({ store, router, server } = api));

  describe('claim, approve, reject', () => {
    it('claims, then approves, records the token name, emits the event; a stale or second decision is 409', async () => {
      const events: ReviewEvent[] = [];
      router.events.on('released', (event) => events.push(event));
      await hold(glitch('d-1', 'SKU-D'));
      const claimed = await request(server)
        .post('/review/api/holds/d-1/claim')
        .set(auth('reviewer'))
        .send({});
      expect(claimed.status).toBe(200);
      expect(claimed.body.held).toMatchObject({ assignee: 'rudi', status: 'pending' });
      const stale = await request(server)
        .post('/review/api/holds/d-1/approve')
        .set(auth('reviewer'))
        .send({ expectedVersion: claimed.body.held.version - 1 });
      expect(stale.status).toBe(409);
      expect(stale.body.error).toBe('version_conflict');
      const approved = await request(server)
        .post('/review/api/holds/d-1/approve')
        .set(auth('reviewer'))
        .send({ expectedVersion: claimed.body.held.version, note: 'catalog fixed, price was right' });
      expect(approved.status).toBe(200);
      expect(approved.body.held.resolution).toMatchObject({
        by: 'rudi',
        note: 'catalog fixed, price was right',
      });
      const late = await request(server)
        .post('/review/api/holds/d-1/reject')
        .set(auth('admin'))
        .send({ note: 'no' });
      expect(late.status).toBe(409);
      expect(late.body.error).toBe('already_decided');
      expect((await store.getHold('d-1'))?.status).toBe('approved');
      expect(events).toEqual([
        expect.objectContaining({ type: 'order.released', orderId: 'd-1', actor: 'rudi' }),
      ]);
      const trail = await request(server).get('/review/api/audit?orderId=d-1').set(auth('viewer'));
      expect(
        trail.body.entries.map((e: { action: string; actor: string }) => `${e.action}:${e.actor}`),
      ).toEqual(['approved:rudi', 'claimed:rudi', 'held:guard']);
    });

    it('requires a note to reject, and 404s an unknown order', async () => {
      await hold(glitch('d-2', 'SKU-D'));
      const bare = await request(server)
        .post('/review/api/holds/d-2/reject')
        .set(auth('reviewer'))
        .send({ note: ' ' });
      expect(bare.status).toBe(400);
      expect(bare.body.problems[0].path).toBe('note');
      expect((await store.getHold('d-2'))?.status).toBe('pending');
      const rejected = await request(server)
        .post('/review/api/holds/d-2/reject')
        .set(auth('reviewer'))
        .send({ note: 'leaked voucher' });
      expect(rejected.status).toBe(200);
      expect(rejected.body.held.status).toBe('rejected');
      const missing = await request(server)
        .post('/review/api/holds/nope/approve')
        .set(auth('reviewer'))
        .send({});
      expect(missing.status).toBe(404);
    });

    it('lets exactly one of many concurrent decisions win', async () => {
      const held = await hold(glitch('race-1', 'SKU-RACE'));
      const responses = await Promise.all(
        Array.from({ length: 12 }, (_, index) =>
          request(server)
            .post(`/review/api/holds/race-1/${index % 2 === 0 ? 'approve' : 'reject'}`)
            .set(auth(index % 3 === 0 ? 'admin' : 'reviewer'))
            .send({ note: `decision ${index}`, expectedVersion: held.version }),
        ),
      );
      const winners = responses.filter((response) => response.status === 200);
      expect(winners).toHaveLength(1);
      expect(responses.filter((response) => response.status === 409)).toHaveLength(11);
      const final = await store.getHold('race-1');
      expect(final?.status).toBe(winners[0]!.body.held.status);
      expect(final?.resolution?.note).toBe(winners[0]!.body.held.resolution.note);
      const trail = await store.auditTrail({ orderId: 'race-1', limit: 50 });
      expect(trail.filter((entry) => entry.action !== 'held')).toHaveLength(1);
    });
  });
});
