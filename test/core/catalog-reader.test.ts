// test/core/catalog-reader.test.ts
// The catalog parser read piece by piece: any split of the text reads as the whole text, rows come as they end.

import { CatalogReader, type CatalogRow, parseCatalog } from '../../src/core/catalog';
import { CatalogTableBuilder } from '../../src/core/catalog-table';

function readInPieces(text: string, format: 'csv' | 'json', cuts: number[]) {
  const rows: CatalogRow[] = [];
  const reader = new CatalogReader(format, { minListPrice: 1 }, (row) => rows.push(row));
  let from = 0;
  for (const cut of [...cuts, text.length]) {
    reader.push(text.slice(from, cut));
    from = cut;
  }
  reader.end();
  return { rows, problems: reader.problems };
}

const CSV =
  '\ufeffsku,currency,listPrice,category\r\nTOTE,IDR,4700000,bags\r\n"CARD, ""gold""",IDR,1250000,\n' +
  '"MULTI\nLINE",USD,300,\nBAD,XYZ,5,\nTOTE,IDR,1,\n';
const JSON_LIST =
  '[{"sku":"TOTE","currency":"IDR","listPrice":4700000,"category":"b[a]gs"},\n' +
  ' {"sku":"CARD \\"x\\"","currency":"IDR","listPrice":1250000}, {"sku":"BAD","currency":"IDR","listPrice":0}]';
const JSON_OBJECT =
  '{ "TOTE": { "IDR": 4700000, "category": "bags" }, "card": {"IDR": 5, "USD": 7}, "B": 7 }';

test.each([
  ['csv', CSV],
  ['json', JSON_LIST],
  ['json', JSON_OBJECT],
] as const)('a %s file cut anywhere reads as the whole file', (format, text) => {
  const whole = readInPieces(text, format, []);
  expect(whole.rows.length).toBeGreaterThan(1);
  expect(whole.problems.length).toBeGreaterThan(0);
  for (let cut = 0; cut <= text.length; cut++) {
    expect(readInPieces(text, format, [cut])).toEqual(whole);
  }
  const everyChar = Array.from({ length: text.length }, (_, index) => index);
  expect(readInPieces(text, format, everyChar)).toEqual(whole);
});

test('CSV problems name their line (a quoted line break counts); a repeated price names the first row', () => {
  expect(readInPieces(CSV, 'csv', []).problems).toEqual([
    {
      path: 'line 4, sku',
      message:
        'the SKU must not contain control, bidirectional-override or invisible characters (found U+000A)',
    },
    { path: 'line 6, currency', message: 'must be a known ISO 4217 currency code such as "IDR", got "XYZ"' },
    { path: 'line 7', message: 'repeats the IDR price of TOTE (first at line 2)' },
  ]);
});

test('JSON text problems: cut short, trailing text, a comma too many, an empty body', () => {
  expect(parseCatalog('[{"sku":"A","currency":"IDR","listPrice":1}', 'json')).toEqual({
    ok: false,
    problems: [{ path: '', message: 'is not valid JSON: the text ends before the closing "]"' }],
  });
  expect(parseCatalog('[] x', 'json').ok).toBe(false);
  expect(parseCatalog('[{"sku":"A","currency":"IDR","listPrice":1},]', 'json')).toMatchObject({
    problems: [{ path: '[1]' }],
  });
  expect(parseCatalog(' ', 'json').ok).toBe(false);
  expect(parseCatalog('7', 'json').ok).toBe(false);
});

test('the compact table finds every price and nothing else', () => {
  const builder = new CatalogTableBuilder(4);
  for (let index = 0; index < 5000; index++) {
    builder.add(`SKU-${index}`, 'IDR', 1000 + index);
    if (index % 3 === 0) builder.add(`SKU-${index}`, 'USD', 7 + index);
  }
  builder.add('SKU-1', 'IDR', 42);
  const table = builder.build();
  expect(table.skus).toBe(5000);
  expect(table.prices).toBe(5000 + 1667);
  expect(table.listPrice('SKU-1', 'IDR')).toBe(42);
  expect(table.listPrice('SKU-3', 'USD')).toBe(10);
  expect(table.listPrice('SKU-4', 'USD')).toBeUndefined();
  expect(table.listPrice('SKU-5000', 'IDR')).toBeUndefined();
  expect(table.listPrice('SKU-2', 'XYZ')).toBeUndefined();
  let count = 0;
  table.forEach((sku, currency, price) => {
    count++;
    expect(table.listPrice(sku, currency)).toBe(price);
  });
  expect(count).toBe(table.prices);
  expect(JSON.stringify(table)).toBe('{"skus":5000,"prices":6667}');
});
