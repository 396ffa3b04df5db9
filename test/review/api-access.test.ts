// test/review/api-access.test.ts
// The review API on MemoryStore and RedisStore: who may read and act (401/403), and cross-site requests refused.

import type { Server } from 'node:http';
import request from 'supertest';
import type { GuardStore } from '../../src/ports/store';
import { auth, glitch, reviewApiFor, storeFactories, TOKENS } from './api-fixtures';

const FACTORIES = storeFactories('access');

describe.each(FACTORIES)('review API on %s', (_name, factory) => {
  let store: GuardStore;
  let server: Server;
  const { hold } = reviewApiFor(factory, (api) => ({ store, server } = api));

  describe('access control', () => {
    it('answers 401 without a token or with an unknown one, and 403 for a viewer acting; nothing changes', async () => {
      const held = await hold(glitch('auth-1', 'SKU-AUTH'));
      const attempts = [
        request(server).post('/review/api/holds/auth-1/approve').send({}),
        request(server).post('/review/api/holds/auth-1/approve').set('Authorization', 'Bearer nope').send({}),
        request(server)
          .post('/review/api/holds/auth-1/approve')
          .set('Authorization', TOKENS.reviewer)
          .send({}),
        request(server).post('/review/api/holds/auth-1/reject').set(auth('viewer')).send({ note: 'x' }),
        request(server).post('/review/api/holds/auth-1/claim').set(auth('viewer')).send({}),
        request(server)
          .post('/review/api/bulk')
          .set(auth('viewer'))
          .send({ action: 'reject', filter: { sku: 'SKU-AUTH' }, note: 'x' }),
        request(server).post('/review/api/vouchers/ANY/clear').set(auth('reviewer')).send({}),
        request(server).post('/review/api/skus/SKU-AUTH/reset-history').set(auth('reviewer')).send({}),
        request(server).get('/review/api/holds'),
      ];
      const statuses = (await Promise.all(attempts)).map((response) => response.status);
      expect(statuses).toEqual([401, 401, 401, 403, 403, 403, 403, 403, 401]);
      const after = await store.getHold('auth-1');
      expect(after).toMatchObject({ status: 'pending', version: held.version });
      expect(after?.assignee).toBeUndefined();
      const trail = await store.auditTrail({ orderId: 'auth-1', limit: 10 });
      expect(trail.map((entry) => entry.action)).toEqual(['held']);
    });

    it('lets a viewer read', async () => {
      const response = await request(server).get('/review/api/holds/auth-1').set(auth('viewer'));
      expect(response.status).toBe(200);
      expect(response.body.held.orderId).toBe('auth-1');
      const me = await request(server).get('/review/api/me').set(auth('viewer'));
      expect(me.body).toEqual({ name: 'vera', role: 'viewer' });
    });
  });

  describe('cross-site requests', () => {
    it('refuses a foreign Origin and a non-JSON body, even with a valid token; nothing changes', async () => {
      await hold(glitch('csrf-1', 'SKU-CSRF'));
      const foreign = await request(server)
        .post('/review/api/holds/csrf-1/approve')
        .set(auth('reviewer'))
        .set('Origin', 'https://evil.example')
        .send({});
      expect(foreign.status).toBe(403);
      const opaque = await request(server)
        .post('/review/api/holds/csrf-1/approve')
        .set(auth('reviewer'))
        .set('Origin', 'null')
        .send({});
      expect(opaque.status).toBe(403);
      const form = await request(server)
        .post('/review/api/holds/csrf-1/approve')
        .set(auth('reviewer'))
        .type('form')
        .send('note=x');
      expect(form.status).toBe(415);
      const crossSite = await request(server)
        .post('/review/api/holds/csrf-1/approve')
        .set(auth('reviewer'))
        .set('Sec-Fetch-Site', 'cross-site')
        .send({});
      expect(crossSite.status).toBe(403);
      expect((await store.getHold('csrf-1'))?.status).toBe('pending');
      const sameOrigin = await request(server)
        .post('/review/api/holds/csrf-1/approve')
        .set(auth('reviewer'))
        .set('Origin', `http://127.0.0.1:${(server.address() as { port: number }).port}`)
        .send({});
      expect(sameOrigin.status).toBe(200);
    });
  });
});
