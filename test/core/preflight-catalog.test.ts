// test/core/preflight-catalog.test.ts
// Preflight's list prices: price changes over the catalog option over the policy, and reading CSV and JSON catalogs.

import type { PolicyInput } from '../../src/core/policy';
import { catalogFromCsv, catalogFromJson } from '../../src/core/preflight';
import { AT, check, FLASH, row } from './preflight-fixtures';

describe('list prices', () => {
  it('a scheduled price change in force wins over the catalog option, which wins over the policy catalog', () => {
    const catalog = catalogFromJson({
      TOTE: { IDR: 900_000, USD: 6000, category: 'bags' },
      CUP: { IDR: 40_000 },
    });
    if (!catalog.ok) throw new Error(JSON.stringify(catalog.problems));
    const policy: PolicyInput = {
      catalog: { TOTE: { IDR: 1_000_000 }, HAT: { IDR: 200_000 } },
      priceChanges: [{ sku: 'TOTE', at: '2026-11-01T00:00:00+07:00', listPrice: { IDR: 800_000 } }],
    };
    const report = check(policy, AT, catalog.catalog);
    expect(report.skus.map((r) => [r.sku, r.currency, r.listPrice, r.listPriceFrom, r.category])).toEqual([
      ['CUP', 'IDR', 40_000, 'catalog', null],
      ['HAT', 'IDR', 200_000, 'policy', null],
      ['TOTE', 'IDR', 800_000, 'priceChange', 'BAGS'],
      ['TOTE', 'USD', 6000, 'catalog', 'BAGS'],
    ]);
    const before = check(policy, Date.parse('2026-10-01T00:00:00+07:00'), catalog.catalog);
    expect(row(before, 'TOTE')).toMatchObject({ listPrice: 900_000, listPriceFrom: 'catalog' });
    expect(report.summary).toEqual({ skus: 3, rows: 4, errors: 0, warnings: 0 });
  });

  it('a category from the catalog brings in the campaigns, floors and caps of that category', () => {
    const catalog = catalogFromCsv(
      'sku,currency,listPrice,category\nSHOE,IDR,500000,shoes\nSOCK,IDR,50000,\n',
    );
    if (!catalog.ok) throw new Error(JSON.stringify(catalog.problems));
    const report = check(
      {
        floorBp: { categories: { SHOES: 5000 } },
        campaigns: [{ ...FLASH, categories: ['shoes'], lineDiscountCapBp: 6000 }],
      },
      AT,
      catalog.catalog,
    );
    expect(row(report, 'SHOE')).toMatchObject({ campaign: 'flash', lowest: 200_000, category: 'SHOES' });
    expect(report.errors).toMatchObject([{ code: 'below_floor', sku: 'SHOE' }]);
    expect(row(report, 'SOCK')).toMatchObject({ campaign: null, lowest: 50_000, category: null });
  });
});

describe('catalog files', () => {
  it('reads CSV with quoted fields, any column order, a byte order mark and CRLF', () => {
    const result = catalogFromCsv(
      '\uFEFFlistPrice,"sku",currency\r\n4700000,"MJ-TOTE, TIGER",IDR\r\n\r\n300,tote,USD\r\n',
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect([...result.catalog]).toEqual([
      ['MJ-TOTE, TIGER', { prices: { IDR: 4_700_000 } }],
      ['TOTE', { prices: { USD: 300 } }],
    ]);
  });

  it('names the line and column of every bad CSV value', () => {
    const result = catalogFromCsv(
      'sku,currency,listPrice,category\nA,IDR,12.5,\nB,XYZ,100,\nA,IDR,100,\nA,IDR,200,\nA,USD,1,bags\nA,EUR,1,shoes\nC,IDR\n',
    );
    expect(result).toEqual({
      ok: false,
      problems: [
        {
          path: 'line 2, listPrice',
          message:
            'must be a list price: a whole number of minor units (IDR 4,700,000 is 4700000), got "12.5"',
        },
        {
          path: 'line 3, currency',
          message: 'must be a known ISO 4217 currency code such as "IDR", got "XYZ"',
        },
        { path: 'line 5', message: 'repeats the IDR price of A (first at line 4)' },
        { path: 'line 7, category', message: 'gives A the category SHOES; an earlier row gave it BAGS' },
        { path: 'line 8', message: 'has 2 fields; the header has 4' },
      ],
    });
    expect(catalogFromCsv('sku,price\nA,1\n')).toEqual({
      ok: false,
      problems: [
        {
          path: 'line 1',
          message:
            'the header must name the columns sku, currency and listPrice (and optionally category); missing currency, listPrice, got sku, price',
        },
      ],
    });
    expect(catalogFromCsv('sku,currency,listPrice\n"A,IDR,1\n')).toEqual({
      ok: false,
      problems: [{ path: 'line 2', message: 'has a quote that is never closed' }],
    });
  });

  it('reads JSON as the policy catalog shape or as a list of rows, as the admin upload takes it', () => {
    const rows = catalogFromJson([
      { sku: 'tote', currency: 'IDR', listPrice: 4_700_000, category: 'bags' },
      { sku: 'TOTE', currency: 'USD', listPrice: 30_000 },
    ]);
    expect(rows.ok && [...rows.catalog]).toEqual([
      ['TOTE', { prices: { IDR: 4_700_000, USD: 30_000 }, category: 'BAGS' }],
    ]);
    expect(
      catalogFromJson([
        1,
        { sku: 'A', currency: 'IDR', listPrice: 1 },
        { sku: 'a', currency: 'IDR', listPrice: 2 },
        { sku: 3, currency: 'EURO', listPrice: '9', category: 4 },
      ]),
    ).toEqual({
      ok: false,
      problems: [
        { path: '[0]', message: 'must be { "sku": ..., "currency": ..., "listPrice": ... }' },
        { path: '[2]', message: 'repeats the IDR price of A (first at [1])' },
        { path: '[3].sku', message: 'must be a string' },
        { path: '[3].currency', message: 'must be a known ISO 4217 currency code such as "IDR"' },
        {
          path: '[3].listPrice',
          message: 'must be a list price: a whole number of minor units (IDR 4,700,000 is 4700000)',
        },
        { path: '[3].category', message: 'must be a string' },
      ],
    });
  });

  it('names every bad JSON entry', () => {
    expect(catalogFromJson('IDR 1')).toEqual({
      ok: false,
      problems: [
        {
          path: '',
          message:
            'must be an object of SKUs, { "SKU": { "IDR": 4700000 } }, or a list of { "sku", "currency", "listPrice" }',
        },
      ],
    });
    expect(catalogFromJson({ A: { IDR: -1, idr: 5, category: 3 }, a: { IDR: 1 }, B: 7 })).toEqual({
      ok: false,
      problems: [
        {
          path: 'A.IDR',
          message: 'must be a list price: a whole number of minor units (IDR 4,700,000 is 4700000)',
        },
        {
          path: 'A.idr',
          message:
            'is not a currency code: the keys of a SKU are ISO 4217 codes such as "IDR", or "category"',
        },
        { path: 'A.category', message: 'must be a string' },
        { path: 'a', message: 'names the same SKU as "A" (SKUs are compared case-insensitively)' },
        { path: 'B', message: 'must be an object of list prices by currency: { "IDR": 4700000 }' },
      ],
    });
  });
});
