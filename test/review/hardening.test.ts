// test/review/hardening.test.ts
// Review API hardening (issue 11) over HTTP on MemoryStore and RedisStore: canonical filters, 4xx for client mistakes.

import type { Server } from 'node:http';
import express from 'express';
import { Registry } from 'prom-client';
import request from 'supertest';
import type { OrderInput } from '../../src/core/order';
import { parsePolicy } from '../../src/core/policy';
import { Guard } from '../../src/engine/guard';
import { instrumentStore } from '../../src/observability/instrument-store';
import { createMetrics, DEFAULT_PREFIX, METRIC_NAMES } from '../../src/observability/metrics';
import type { GuardStore, HeldOrder } from '../../src/ports/store';
import { type ReviewRouter, reviewRouter } from '../../src/review/router';
import { line, order } from '../helpers/orders';
import { reviewTokens, storeFactories } from '../helpers/review';

const { config: CONFIG, auth } = reviewTokens('hardening');
const SILENT = { warn() {}, error() {} };
const T0 = Date.UTC(2026, 10, 11, 10, 0, 0);
const LEAKED = 'TMRW100PEKR6X50';
/** Velocity trips after one redemption per window, so the second order with TRIPME trips the code. */
const policy = parsePolicy({ vouchers: { TRIPME: { velocity: { maxPerWindow: 1 } } } });

const FACTORIES = storeFactories('hardening');

afterAll(async () => {
  for (const [, factory] of FACTORIES) await factory.destroy();
});

describe.each(FACTORIES)('review API hardening on %s', (_name, factory) => {
  let store: GuardStore;
  let guard: Guard;
  let router: ReviewRouter;
  let server: Server;
  let registry: Registry;
  let now = T0;

  async function hold(input: OrderInput): Promise<HeldOrder> {
    now += 1_000;
    const result = await guard.check(input);
    if (result.kind !== 'held') throw new Error(`expected ${input.orderId} to be held, got ${result.kind}`);
    return result.held;
  }

  /** Sum of every store_errors_total series: store failures, never client mistakes. */
  async function storeErrors(): Promise<number> {
    const metric = registry.getSingleMetric(`${DEFAULT_PREFIX}${METRIC_NAMES.storeErrors}`);
    const { values } = await metric!.get();
    return values.reduce((sum, sample) => sum + sample.value, 0);
  }

  beforeAll(async () => {
    registry = new Registry();
    const metrics = createMetrics({ registry });
    // As the service mounts it: the store instrumented, so a store failure raises store_errors_total.
    store = instrumentStore(await factory.create(), metrics);
    guard = new Guard({ policy, store, clock: () => now, storeTimeoutMs: 2_000 });
    router = reviewRouter({
      store,
      tokens: CONFIG,
      logger: SILENT,
      clock: () => now,
      rateLimit: false,
      metrics,
    });
    server = express().use('/review', router).listen(0);
    for (let index = 0; index < 3; index++) {
      await hold(
        order({
          orderId: `leak-${index}`,
          lines: [line('MJ-TOTE', 150_000)],
          vouchers: [{ code: LEAKED, discount: 150_000 }],
        }),
      );
    }
    await hold(order({ orderId: 'other-1', lines: [line('HP-CASE', 90_000, 90_000)] }));
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const ids = async (query: string) => {
    const response = await request(server).get(`/review/api/holds?${query}`).set(auth('viewer'));
    expect(response.status).toBe(200);
    return (response.body.items as HeldOrder[]).map((held) => held.orderId).sort();
  };

  describe('identifiers are compared in their canonical form', () => {
    it('finds a voucher written in another case, with spaces or in full-width letters', async () => {
      const leaked = ['leak-0', 'leak-1', 'leak-2'];
      expect(await ids(`voucher=${LEAKED}`)).toEqual(leaked);
      expect(await ids('voucher=tmrw100pekr6x50')).toEqual(leaked);
      expect(await ids(`voucher=${encodeURIComponent(' TMRW100 PEKR6X50 ')}`)).toEqual(leaked);
      expect(await ids(`voucher=${encodeURIComponent('ＴＭＲＷ１００ＰＥＫＲ６Ｘ５０')}`)).toEqual(leaked);
    });

    it('finds a SKU written in another case or with surrounding spaces', async () => {
      expect(await ids('sku=mj-tote')).toEqual(['leak-0', 'leak-1', 'leak-2']);
      expect(await ids(`sku=${encodeURIComponent(' hp-case ')}`)).toEqual(['other-1']);
    });

    it('bulk actions match the canonical voucher and SKU', async () => {
      const byVoucher = await request(server)
        .post('/review/api/bulk')
        .set(auth('reviewer'))
        .send({ action: 'reject', filter: { voucher: 'tmrw100pekr6x50' }, dryRun: true });
      expect(byVoucher.status).toBe(200);
      expect(byVoucher.body.matched).toBe(3);
      const bySku = await request(server)
        .post('/review/api/bulk')
        .set(auth('reviewer'))
        .send({ action: 'approve', filter: { sku: ' hp-case' }, dryRun: true });
      expect(bySku.body.matched).toBe(1);
    });

    it.each([
      ['voucher', `TMRW100\u202EPEKR6X50`],
      ['voucher', 'TMRW100\u200BPEKR6X50'],
      ['sku', 'MJ-TOTE\u0000'],
      ['sku', '\u001b[31mMJ-TOTE'],
    ])(
      'refuses a %s filter with control or invisible characters (%j) with a 400 naming it',
      async (field, value) => {
        const list = await request(server)
          .get(`/review/api/holds?${field}=${encodeURIComponent(value)}`)
          .set(auth('viewer'));
        expect(list.status).toBe(400);
        expect(list.body.problems).toEqual([
          { path: field, message: expect.stringContaining('must not contain control') },
        ]);
        const bulk = await request(server)
          .post('/review/api/bulk')
          .set(auth('reviewer'))
          .send({ action: 'reject', filter: { [field]: value }, note: 'x' });
        expect(bulk.status).toBe(400);
        expect(bulk.body.problems).toEqual([
          { path: `filter.${field}`, message: expect.stringContaining('must not contain control') },
        ]);
        expect(await ids('status=pending')).toHaveLength(4);
      },
    );
  });

  describe('client mistakes are 4xx and never count as store errors', () => {
    it.each(['abc', '123', ':ord', 'newest:abc:ord', 'sideways:1:ord', 'oldest:1:ord', '%'])(
      'answers 400 naming cursor for the malformed cursor %j',
      async (cursor) => {
        const response = await request(server)
          .get(`/review/api/holds?cursor=${encodeURIComponent(cursor)}`)
          .set(auth('viewer'));
        expect(response.status).toBe(400);
        expect(response.body.problems).toEqual([{ path: 'cursor', message: expect.any(String) }]);
        expect(await storeErrors()).toBe(0);
      },
    );

    it('answers 400 for a path with bad percent-encoding', async () => {
      for (const path of [
        '/review/api/holds/%E0%A4%A',
        '/review/api/holds/%E0%A4%A/claim',
        '/review/api/vouchers/%ZZ/clear',
      ]) {
        const response = path.endsWith('/review/api/holds/%E0%A4%A')
          ? await request(server).get(path).set(auth('viewer'))
          : await request(server).post(path).set(auth('admin'));
        expect({ path, status: response.status }).toEqual({ path, status: 400 });
        expect(response.body.error).toBe('bad_request');
      }
      expect(await storeErrors()).toBe(0);
    });

    it('refuses a bulk action whose filter is only a time range', async () => {
      for (const filter of [{ from: 0 }, { to: T0 + 3_600_000 }, { from: 0, to: T0 + 3_600_000 }]) {
        const response = await request(server)
          .post('/review/api/bulk')
          .set(auth('reviewer'))
          .send({ action: 'reject', filter, note: 'everything', dryRun: false });
        expect(response.status).toBe(400);
        expect(response.body.problems).toEqual([
          { path: 'filter', message: expect.stringContaining('voucher, sku or rule') },
        ]);
      }
      expect(await ids('status=pending')).toHaveLength(4);
    });
  });

  describe('bodyless POSTs', () => {
    it('claims, approves and clears with no body at all, as documented', async () => {
      await hold(order({ orderId: 'bare-1', lines: [line('BARE', 50_000, 50_000)] }));
      const claim = await request(server).post('/review/api/holds/bare-1/claim').set(auth('reviewer'));
      expect(claim.status).toBe(200);
      expect(claim.body.held.assignee).toBe('rudi');
      const approve = await request(server).post('/review/api/holds/bare-1/approve').set(auth('reviewer'));
      expect(approve.status).toBe(200);
      expect(approve.body.held.status).toBe('approved');

      // Trip TRIPME (the second redemption in its window), then clear it with a bodyless POST.
      const tripping = (orderId: string) =>
        order({ orderId, lines: [line('T', 100_000)], vouchers: [{ code: 'TRIPME', discount: 10 }] });
      now += 1_000;
      expect((await guard.check(tripping('trip-1'))).kind).toBe('allowed');
      await (store as { flush?: () => Promise<void> }).flush?.();
      await hold(tripping('trip-2'));
      const clear = await request(server)
        .post('/review/api/vouchers/tripme/clear')
        .set(auth('admin'))
        .set('Content-Length', '0');
      expect(clear.status).toBe(200);
      expect(clear.body).toMatchObject({ voucher: 'TRIPME', cleared: true });
    });

    it('still refuses a POST whose body is not JSON, or that names another content type', async () => {
      await hold(order({ orderId: 'bare-2', lines: [line('BARE', 50_000, 50_000)] }));
      const text = await request(server)
        .post('/review/api/holds/bare-2/approve')
        .set(auth('reviewer'))
        .set('Content-Type', 'text/plain')
        .send('approve it');
      expect(text.status).toBe(415);
      const emptyForm = await request(server)
        .post('/review/api/holds/bare-2/approve')
        .set(auth('reviewer'))
        .set('Content-Type', 'application/x-www-form-urlencoded')
        .set('Content-Length', '0');
      expect(emptyForm.status).toBe(415);
      expect((await store.getHold('bare-2'))?.status).toBe('pending');
    });
  });
});
