// test/service/currencies.test.ts
// The unit of amounts per currency: stated in every decision and at GET /v1/currencies, set in the config, and a
// client that sends 100x amounts caught by the declared list price.

import request from 'supertest';
import { type ConfigError, parseConfig } from '../../src/config/service';
import { setCurrencyExponents } from '../../src/core/currencies';
import { formatMoney } from '../../src/core/money';
import { createService, type Service } from '../../src/service/service';
import { line, order } from '../helpers/orders';

let service: Service | undefined;

async function start(file: object) {
  service = createService(parseConfig({ ...file, service: { logLevel: 'silent' } }, undefined, {}));
  await service.whenReady();
  return service;
}

afterEach(async () => {
  await service?.close();
  service = undefined;
  setCurrencyExponents({});
});

describe('the unit of amounts', () => {
  it('is stated in each decision: IDR in whole rupiah, USD in cents, by default', async () => {
    const { app } = await start({});
    const idr = await request(app)
      .post('/v1/evaluate')
      .send(order({ lines: [line('TOTE', 4_700_000)] }));
    expect(idr.status).toBe(200);
    expect(idr.body.amounts).toEqual({ currency: 'IDR', exponent: 0 });
    const usd = await request(app)
      .post('/v1/evaluate')
      .send(order({ currency: 'USD', lines: [line('MUG', 1_234)] }));
    expect(usd.body.amounts).toEqual({ currency: 'USD', exponent: 2 });
    const table = await request(app).get('/v1/currencies');
    expect(table.body.currencies).toMatchObject({ IDR: 0, USD: 2, JPY: 0, BHD: 3 });
  });

  it('follows the config: a shop that sends IDR in sen is told so, and its reasons read in rupiah and sen', async () => {
    const { app } = await start({ currencies: { IDR: { exponent: 2 } } });
    const held = await request(app)
      .post('/v1/evaluate')
      .send(order({ lines: [line('TOTE', 470_000_000, 470_000_000)] }));
    expect(held.body).toMatchObject({ decision: 'hold', amounts: { currency: 'IDR', exponent: 2 } });
    expect(JSON.stringify(held.body.reasons)).toContain('IDR 4,700,000.00');
    expect((await request(app).get('/v1/currencies')).body.currencies.IDR).toBe(2);
  });

  it('refuses a config with an unknown currency or an exponent out of range, naming the entry', () => {
    const problems = (file: object) => {
      try {
        parseConfig(file, 'guard.yaml', {});
      } catch (error) {
        return (error as ConfigError).problems.map((problem) => problem.path);
      }
      return [];
    };
    expect(problems({ currencies: { IDR: { exponent: 7 } } })).toEqual(['currencies.IDR.exponent']);
    expect(problems({ currencies: { IDR: { exponent: 1.5 } } })).toEqual(['currencies.IDR.exponent']);
    expect(problems({ currencies: { RUPIAH: { exponent: 0 } } })).toEqual(['currencies.RUPIAH']);
    expect(problems({ currencies: { IDR: { exp: 2 } } })).toEqual([
      'currencies.IDR.exponent',
      'currencies.IDR.exp',
    ]);
    expect(() => setCurrencyExponents({ XTS: 2 })).toThrow(/not a currency the guard knows/);
    expect(() => setCurrencyExponents({ IDR: -1 })).toThrow(
      /IDR: exponent must be a whole number from 0 to 4/,
    );
  });

  it('goes back to the defaults when the table is replaced by an empty one', () => {
    setCurrencyExponents({ IDR: 2 });
    expect(formatMoney(470_000_000, 'IDR')).toBe('IDR 4,700,000.00');
    setCurrencyExponents({});
    expect(formatMoney(4_700_000, 'IDR')).toBe('IDR 4,700,000');
  });

  it('catches a client that sends 100x amounts once the SKU has a declared list price', async () => {
    const { app } = await start({ policy: { catalog: { TOTE: { IDR: 4_700_000 } } } });
    const right = await request(app)
      .post('/v1/evaluate')
      .send(order({ lines: [line('TOTE', 4_700_000)] }));
    expect(right.body.decision).toBe('allow');
    // A client that took ISO 4217's two digits for IDR sends every amount 100 times too large.
    const hundredfold = await request(app)
      .post('/v1/evaluate')
      .send(order({ lines: [line('TOTE', 470_000_000)] }));
    expect(hundredfold.body).toMatchObject({ decision: 'hold', amounts: { currency: 'IDR', exponent: 0 } });
    expect(hundredfold.body.reasons.map((reason: { rule: string }) => reason.rule)).toContain(
      'reference_price',
    );
  });
});
