// test/service/preflight-watch.test.ts
// The service's background preflight: at start and after a reload its gauges show the conflict ahead, its errors
// are logged with the SKU, campaign and instant, swaps that arrive while it runs make one run, and orders are
// judged while it runs.

import { Writable } from 'node:stream';
import pino from 'pino';
import request from 'supertest';
import { parseConfig } from '../../src/config/service';
import { CatalogTableBuilder } from '../../src/core/catalog-table';
import { type Policy, type PolicyInput, parsePolicy } from '../../src/core/policy';
import { BACKGROUND_CATALOG_LIMIT, startPreflightWatch } from '../../src/service/preflight-watch';
import { createService, type Service } from '../../src/service/service';
import { line, order } from '../helpers/orders';

/** The service's clock: 2026-11-11T12:00+07:00. The sale starts three days later. */
const NOW = Date.parse('2026-11-11T12:00:00+07:00');
const SALE_START = Date.parse('2026-11-14T00:00:00+07:00');

const CLEAN: PolicyInput = { catalog: { TOTE: { IDR: 1_000_000 } } };
/** The field stream: the launch code, stacked on the flash sale's prices, goes under the sale's own floor. */
const SALE: PolicyInput = {
  ...CLEAN,
  campaigns: [
    {
      id: 'flash',
      startsAt: '2026-11-14T00:00:00+07:00',
      endsAt: '2026-11-15T00:00:00+07:00',
      skus: ['TOTE'],
      lineDiscountCapBp: 5000,
      floorBp: 4500,
    },
  ],
  vouchers: {
    LAUNCH20: {
      startsAt: '2026-11-14T00:00:00+07:00',
      discount: { percentBp: 2000, max: { IDR: 200_000 } },
      maxUses: 1000,
      maxUsesPerCustomer: 1,
      budget: { IDR: 100_000_000 },
    },
  },
};

type LogLine = Record<string, unknown> & { level: number; msg: string };

function capture(): { logger: pino.Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const text of String(chunk).split('\n')) if (text) lines.push(JSON.parse(text) as LogLine);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

const config = (
  policy: PolicyInput,
  preflight?: { enabled?: boolean; within?: string },
  extra: { confirmRemovals?: boolean } = {},
) =>
  parseConfig(
    { service: { logLevel: 'silent', ...(preflight ? { preflight } : {}) }, policy, ...extra },
    undefined,
    {},
  );

/** The value of an unlabelled or labelled sample in /metrics text. */
async function sample(service: Service, name: string, labels = ''): Promise<number | undefined> {
  const text = (await request(service.app).get('/metrics')).text;
  const match = new RegExp(
    `^checkout_price_guard_${name}${labels ? `\\{${labels}\\}` : ''} (\\S+)$`,
    'm',
  ).exec(text);
  return match ? Number(match[1]) : undefined;
}

/** Polls until `check` returns true, with a generous deadline. */
async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

let service: Service | undefined;
afterEach(async () => {
  await service?.close();
  service = undefined;
});

test('after start, the gauges show the conflict 3 days ahead, and each error is logged with where and when', async () => {
  const { logger, lines } = capture();
  service = createService(config(SALE), { logger, clock: () => NOW });
  await service.whenReady();
  await eventually(
    async () => (await sample(service!, 'preflight_conflict_ahead_timestamp_seconds')) === SALE_START / 1000,
    'the conflict ahead',
  );
  expect(await sample(service, 'preflight_problems', 'severity="error"')).toBe(1);
  const logged = lines.find((entry) => entry.msg.startsWith('preflight: TOTE can be paid'));
  expect(logged).toMatchObject({
    level: 40,
    preflight: {
      code: 'below_floor',
      sku: 'TOTE',
      currency: 'IDR',
      campaign: 'flash',
      at: '2026-11-13T17:00:00.000Z',
      starts: ['campaign flash', 'voucher LAUNCH20'],
    },
  });
  expect(lines.find((entry) => entry.msg.startsWith('preflight of the policy in force'))).toMatchObject({
    level: 40,
    msg: expect.stringContaining('the first conflict ahead starts at 2026-11-13T17:00:00.000Z'),
  });
});

test('a scheduled price change ahead that takes a campaign price under its floor is a conflict at its time', async () => {
  // TOTE at 30% off all month, its floor IDR 600,000: fine at IDR 1,000,000, not once it is marked down to 800,000.
  const change = Date.parse('2026-11-13T12:00:00+07:00');
  const markdown: PolicyInput = {
    ...CLEAN,
    floors: { TOTE: { IDR: 600_000 } },
    campaigns: [
      {
        id: 'season',
        startsAt: '2026-11-01T00:00:00+07:00',
        endsAt: '2026-12-01T00:00:00+07:00',
        skus: ['TOTE'],
        lineDiscountCapBp: 3000,
      },
    ],
    priceChanges: [{ sku: 'TOTE', at: '2026-11-13T12:00:00+07:00', listPrice: { IDR: 800_000 } }],
  };
  const { logger, lines } = capture();
  service = createService(config(markdown), { logger, clock: () => NOW });
  await service.whenReady();
  await eventually(
    async () => (await sample(service!, 'preflight_conflict_ahead_timestamp_seconds')) === change / 1000,
    'the conflict ahead',
  );
  expect(
    lines.find((entry) => entry.msg.startsWith('preflight: TOTE can be paid IDR 560,000')),
  ).toMatchObject({
    preflight: { code: 'below_floor', sku: 'TOTE', at: '2026-11-13T05:00:00.000Z', priceChanges: ['TOTE'] },
  });
});

test('after a reload, the gauges show the conflict the new policy brings, and lose it on the next', async () => {
  service = createService(config(CLEAN), { clock: () => NOW });
  await service.whenReady();
  await eventually(
    async () => (await sample(service!, 'preflight_problems', 'severity="warning"')) === 0,
    'the first run',
  );
  expect(await sample(service, 'preflight_conflict_ahead_timestamp_seconds')).toBe(0);
  expect(service.reload(config(SALE))).toBe(true);
  await eventually(
    async () => (await sample(service!, 'preflight_conflict_ahead_timestamp_seconds')) === SALE_START / 1000,
    'the conflict ahead after the reload',
  );
  // The sale and its code taken out again: most of the running terms, so the file says it means it.
  expect(service.reload(config(CLEAN, undefined, { confirmRemovals: true }))).toBe(true);
  await eventually(
    async () => (await sample(service!, 'preflight_conflict_ahead_timestamp_seconds')) === 0,
    'no conflict after the second reload',
  );
});

test('service.preflight.enabled: false runs none; within is read as preflight --within reads it', async () => {
  const off = config(SALE, { enabled: false });
  expect(off.service.preflight).toEqual({ enabled: false, withinMs: 7 * 86_400_000 });
  expect(config(SALE, { within: '36h' }).service.preflight).toEqual({
    enabled: true,
    withinMs: 36 * 3_600_000,
  });
  expect(() => config(SALE, { within: '7' })).toThrow(
    'service.preflight.within: must be a duration in days, hours or minutes, such as "7d", "36h" or "90m", or "0" to judge the instant alone',
  );
  const { logger, lines } = capture();
  service = createService(off, { logger, clock: () => NOW });
  await service.whenReady();
  // An order judged, a reload made: still no preflight (the gauges stay at their start).
  await request(service.app)
    .post('/v1/evaluate')
    .send(order({ lines: [line('TOTE', 1_000_000)] }));
  expect(service.reload(config(SALE, { enabled: false }))).toBe(true);
  expect(await sample(service, 'preflight_conflict_ahead_timestamp_seconds')).toBe(0);
  expect(lines.filter((entry) => entry.msg.startsWith('preflight'))).toEqual([]);
});

test('orders are judged while a run is under way, and swaps that arrive meanwhile make one more run', async () => {
  // A policy of 600 SKUs: a run takes several steps; the gate holds it between two of them.
  const catalog: Record<string, { IDR: number }> = {};
  for (let index = 0; index < 600; index++) catalog[`SKU-${index}`] = { IDR: 100_000 + index };
  service = createService(
    config({ ...SALE, catalog: { ...catalog, TOTE: { IDR: 1_000_000 } } }, { enabled: false }),
    {
      clock: () => NOW,
    },
  );
  await service.whenReady();
  let open: () => void = () => {};
  let paused = new Promise<void>((resolve) => {
    open = resolve;
  });
  let waiting = 0;
  const runs: number[] = [];
  const { logger } = capture();
  const guard = service.guard;
  const watch = startPreflightWatch({
    policy: () => guard.policy,
    logger,
    metrics: { preflight: (found) => runs.push(found.errors) },
    clock: () => NOW,
    withinMs: 7 * 86_400_000,
    between: async () => {
      waiting++;
      await paused;
    },
  });
  try {
    await eventually(async () => waiting > 0, 'the first step');
    // The run is held between two steps: an order is judged meanwhile.
    const judged = await request(service.app)
      .post('/v1/evaluate')
      .send(order({ lines: [line('TOTE', 1_000_000)] }));
    expect(judged.status).toBe(200);
    expect(judged.body.decision).toBe('allow');
    expect(runs).toEqual([]);
    // Three swaps while it runs: one more run, after it.
    watch.request();
    watch.request();
    watch.request();
    open();
    paused = Promise.resolve();
    await eventually(async () => runs.length === 2, 'two runs');
    await watch.idle();
    expect(runs).toEqual([1, 1]);
    expect(watch.last()?.conflictAhead).toBe('2026-11-13T17:00:00.000Z');
  } finally {
    watch.stop();
  }
});

test('the background run judges list prices from the uploaded catalog, and without a catalog over its limit says so', async () => {
  // The sale's conflict needs the tote's list price, which only the uploaded catalog declares here.
  const { catalog: _fileCatalog, ...withoutPrices } = SALE;
  const builder = new CatalogTableBuilder();
  builder.add('TOTE', 'IDR', 1_000_000);
  const uploaded = builder.build();
  const conflicts: Array<number | undefined> = [];
  const { logger, lines } = capture();
  const watchWith = (policy: Policy) =>
    startPreflightWatch({
      policy: () => policy,
      logger,
      metrics: { preflight: (found) => conflicts.push(found.conflictAhead) },
      clock: () => NOW,
      withinMs: 7 * 86_400_000,
    });
  const policy = { ...parsePolicy(withoutPrices), uploadedCatalog: uploaded };
  const first = watchWith(policy);
  try {
    await eventually(async () => conflicts.length === 1, 'the run with the uploaded catalog');
    expect(conflicts[0]).toBe(SALE_START);
  } finally {
    first.stop();
  }

  // A catalog larger than the limit is left out (the run costs no more than the policy's own), said once.
  const huge = {
    ...policy,
    uploadedCatalog: { ...uploaded, prices: BACKGROUND_CATALOG_LIMIT + 1 },
  } as Policy;
  const second = watchWith(huge);
  try {
    await eventually(async () => conflicts.length === 2, 'the run without it');
    expect(conflicts[1]).toBeUndefined();
    expect(
      lines.filter((one) => /without the uploaded catalog's 100001 list prices/.test(one.msg)),
    ).toHaveLength(1);
  } finally {
    second.stop();
  }
});

test('a run that finds the same errors again logs none of them again; a new error is logged when it appears', async () => {
  const { logger, lines } = capture();
  let policy = parsePolicy(SALE);
  let runs = 0;
  const watch = startPreflightWatch({
    policy: () => policy,
    logger,
    metrics: { preflight: () => runs++ },
    clock: () => NOW,
    withinMs: 7 * 86_400_000,
  });
  const errorLines = () =>
    lines.filter((entry) => entry.msg.startsWith('preflight: ')).map((entry) => entry.msg);
  try {
    await eventually(async () => runs === 1, 'the first run');
    expect(errorLines()).toHaveLength(1);
    // The hourly run of the same policy: the error is still counted, not logged again, and the summary is info.
    watch.request();
    await eventually(async () => runs === 2, 'the second run');
    expect(errorLines()).toHaveLength(1);
    expect(lines.at(-1)).toMatchObject({ level: 30, msg: expect.stringContaining('1 error (0 new)') });
    // A second SKU under the sale's floor: only the new error is logged.
    policy = parsePolicy({
      ...SALE,
      catalog: { ...SALE.catalog, CASE: { IDR: 500_000 } },
      campaigns: [{ ...SALE.campaigns![0]!, skus: ['TOTE', 'CASE'] }],
    });
    watch.request();
    await eventually(async () => runs === 3, 'the third run');
    expect(errorLines()).toHaveLength(2);
    expect(errorLines()[1]).toMatch(/^preflight: CASE /);
    expect(lines.at(-1)).toMatchObject({ level: 40, msg: expect.stringContaining('2 errors (1 new)') });
  } finally {
    watch.stop();
  }
});
