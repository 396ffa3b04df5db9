// src/core/catalog.ts
// Catalog files: list prices from JSON or CSV (text in, prices or precise problems out; no I/O). Preflight checks
// them; the admin API's catalog upload takes the same files.

import { isKnownCurrency } from './currencies';
import { canonicalIdentifier, IDENTIFIER_LIMITS, identifierProblem } from './identifiers';
import type { Problem } from './problems';

/** One SKU of a catalog: its list price per currency and, when known, its category. */
export interface CatalogEntry {
  /** Currency → list price in minor units. */
  prices: Record<string, number>;
  /** The category the storefront sends for the SKU (canonical); category campaigns, floors and caps use it. */
  category?: string;
}

/** List prices by canonical SKU. */
export type PreflightCatalog = Map<string, CatalogEntry>;

/** Thrown when a catalog cannot be read; `problems` names every bad entry. */
export class CatalogError extends Error {
  readonly code = 'ERR_INVALID_CATALOG';
  constructor(
    readonly problems: Problem[],
    readonly source = 'catalog',
  ) {
    super(
      `invalid ${source}:\n${problems.map((problem) => `  - ${problem.path || '(root)'}: ${problem.message}`).join('\n')}`,
    );
    this.name = this.constructor.name;
  }
}

/** The result of reading a catalog. */
export type CatalogResult = { ok: true; catalog: PreflightCatalog } | { ok: false; problems: Problem[] };

/** Options of reading a catalog. */
export interface CatalogOptions {
  /**
   * The lowest list price taken, in minor units. Defaults to 0 (preflight reports a free SKU); the admin upload
   * takes 1, since a 0 in an export is far more often an empty column than a free product.
   */
  minListPrice?: number;
}

function priceMessage(options: CatalogOptions): string {
  return (options.minListPrice ?? 0) > 0
    ? 'must be a positive list price: a whole number of minor units (IDR 4,700,000 is 4700000)'
    : 'must be a list price: a whole number of minor units (IDR 4,700,000 is 4700000)';
}

function isPrice(value: unknown, options: CatalogOptions): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= (options.minListPrice ?? 0);
}

function nameProblem(value: string, what: string): string | undefined {
  if (value.length > IDENTIFIER_LIMITS.sku)
    return `${what} must be at most ${IDENTIFIER_LIMITS.sku} characters`;
  const problem = identifierProblem(value, 'name');
  if (problem !== undefined) return `${what} ${problem}`;
  if (canonicalIdentifier(value, 'name') === '') return `${what} must not be empty`;
  return undefined;
}

/**
 * Builds a catalog from rows of one price each (a CSV line, a JSON list item), refusing a SKU priced twice in one
 * currency or given two categories. `where(field)` names a row's field in problems.
 */
class RowCatalog {
  readonly catalog: PreflightCatalog = new Map();
  private readonly seen = new Map<string, string>();

  constructor(private readonly problems: Problem[]) {}

  /** Adds one row whose fields are already checked one by one. */
  add(where: (field?: string) => string, sku: string, currency: string, price: number, category?: string) {
    const key = canonicalIdentifier(sku, 'name');
    const first = this.seen.get(`${key} ${currency}`);
    if (first !== undefined) {
      this.problems.push({
        path: where(),
        message: `repeats the ${currency} price of ${key} (first at ${first})`,
      });
      return;
    }
    const entry: CatalogEntry = this.catalog.get(key) ?? { prices: Object.create(null) };
    if (category !== undefined && category !== '') {
      const canonical = canonicalIdentifier(category, 'name');
      if (entry.category !== undefined && entry.category !== canonical) {
        this.problems.push({
          path: where('category'),
          message: `gives ${key} the category ${canonical}; an earlier row gave it ${entry.category}`,
        });
        return;
      }
      entry.category = canonical;
    }
    this.seen.set(`${key} ${currency}`, where());
    entry.prices[currency] = price;
    this.catalog.set(key, entry);
  }
}

/** Reads a JSON list of `{ "sku": "TOTE", "currency": "IDR", "listPrice": 4700000, "category": "bags" }`. */
function catalogFromList(rows: readonly unknown[], options: CatalogOptions): CatalogResult {
  const problems: Problem[] = [];
  const built = new RowCatalog(problems);
  rows.forEach((row, index) => {
    const where = (field?: string) => (field === undefined ? `[${index}]` : `[${index}].${field}`);
    if (row === null || typeof row !== 'object' || Array.isArray(row)) {
      problems.push({ path: where(), message: 'must be { "sku": ..., "currency": ..., "listPrice": ... }' });
      return;
    }
    const { sku, currency, listPrice, category } = row as Record<string, unknown>;
    const count = problems.length;
    const skuProblem = typeof sku === 'string' ? nameProblem(sku, 'the SKU') : 'must be a string';
    if (skuProblem !== undefined) problems.push({ path: where('sku'), message: skuProblem });
    if (typeof currency !== 'string' || !isKnownCurrency(currency)) {
      problems.push({
        path: where('currency'),
        message: 'must be a known ISO 4217 currency code such as "IDR"',
      });
    }
    if (!isPrice(listPrice, options)) {
      problems.push({ path: where('listPrice'), message: priceMessage(options) });
    }
    const categoryProblem =
      category === undefined || category === null
        ? undefined
        : typeof category === 'string'
          ? nameProblem(category, 'the category')
          : 'must be a string';
    if (categoryProblem !== undefined) problems.push({ path: where('category'), message: categoryProblem });
    if (problems.length > count) return;
    built.add(
      where,
      sku as string,
      currency as string,
      listPrice as number,
      (category ?? undefined) as string,
    );
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, catalog: built.catalog };
}

/**
 * Reads a catalog already parsed from JSON: the policy's `catalog` shape
 * `{ "SKU": { "IDR": 4700000, "USD": 30000, "category": "bags" } }` (the keys of a SKU are currency codes and
 * optionally `category`), or a list of `{ "sku", "currency", "listPrice", "category" }`, as the admin API's
 * catalog upload takes. SKUs are compared case-insensitively, as everywhere in the guard.
 */
export function catalogFromJson(data: unknown, options: CatalogOptions = {}): CatalogResult {
  if (Array.isArray(data)) return catalogFromList(data, options);
  if (data === null || typeof data !== 'object') {
    return {
      ok: false,
      problems: [
        {
          path: '',
          message:
            'must be an object of SKUs, { "SKU": { "IDR": 4700000 } }, or a list of { "sku", "currency", "listPrice" }',
        },
      ],
    };
  }
  const catalog: PreflightCatalog = new Map();
  const problems: Problem[] = [];
  const spelled = new Map<string, string>();
  for (const [sku, value] of Object.entries(data as Record<string, unknown>)) {
    const bad = nameProblem(sku, 'the SKU');
    if (bad !== undefined) {
      problems.push({ path: sku, message: `is not a valid key: ${bad}` });
      continue;
    }
    const canonical = canonicalIdentifier(sku, 'name');
    if (spelled.has(canonical)) {
      problems.push({
        path: sku,
        message: `names the same SKU as "${spelled.get(canonical)}" (SKUs are compared case-insensitively)`,
      });
      continue;
    }
    spelled.set(canonical, sku);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      problems.push({
        path: sku,
        message: 'must be an object of list prices by currency: { "IDR": 4700000 }',
      });
      continue;
    }
    const entry: CatalogEntry = { prices: Object.create(null) };
    for (const [key, price] of Object.entries(value as Record<string, unknown>)) {
      if (key === 'category') {
        const problem = typeof price === 'string' ? nameProblem(price, 'the category') : 'must be a string';
        if (problem !== undefined) problems.push({ path: `${sku}.category`, message: problem });
        else entry.category = canonicalIdentifier(price as string, 'name');
        continue;
      }
      if (!isKnownCurrency(key)) {
        problems.push({
          path: `${sku}.${key}`,
          message:
            'is not a currency code: the keys of a SKU are ISO 4217 codes such as "IDR", or "category"',
        });
        continue;
      }
      if (!isPrice(price, options)) {
        problems.push({ path: `${sku}.${key}`, message: priceMessage(options) });
        continue;
      }
      entry.prices[key] = price;
    }
    catalog.set(canonical, entry);
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, catalog };
}

/** Splits CSV text into rows of fields (RFC 4180: quoted fields may hold commas, quotes and line breaks). */
function csvRows(text: string): { rows: Array<{ line: number; fields: string[] }>; problem?: Problem } {
  const rows: Array<{ line: number; fields: string[] }> = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  let index = text.charCodeAt(0) === 0xfeff ? 1 : 0; // a byte order mark from a spreadsheet export
  const endRow = () => {
    fields.push(field);
    if (!(fields.length === 1 && fields[0]!.trim() === '')) rows.push({ line: rowLine, fields });
    fields = [];
    field = '';
  };
  for (; index < text.length; index++) {
    const char = text[index]!;
    if (quoted) {
      if (char === '"' && text[index + 1] === '"') {
        field += '"';
        index++;
      } else if (char === '"') quoted = false;
      else {
        if (char === '\n') line++;
        field += char;
      }
      continue;
    }
    if (char === '"' && field.trim() === '') {
      field = '';
      quoted = true;
    } else if (char === ',') {
      fields.push(field);
      field = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[index + 1] === '\n') index++;
      endRow();
      line++;
      rowLine = line;
    } else field += char;
  }
  if (quoted)
    return { rows, problem: { path: `line ${rowLine}`, message: 'has a quote that is never closed' } };
  endRow();
  return { rows };
}

/**
 * Reads a CSV catalog: a header row naming the columns `sku`, `currency` and `listPrice` (any order), optionally
 * `category`, then one row per SKU and currency. Problems name the line and the column.
 */
export function catalogFromCsv(text: string, options: CatalogOptions = {}): CatalogResult {
  const { rows, problem } = csvRows(text);
  if (problem !== undefined) return { ok: false, problems: [problem] };
  const header = rows.shift();
  if (header === undefined) return { ok: false, problems: [{ path: '', message: 'the file has no rows' }] };
  const columns = header.fields.map((name) => name.trim());
  const at = (name: string) => columns.findIndex((column) => column.toLowerCase() === name.toLowerCase());
  const [sku, currency, listPrice, category] = ['sku', 'currency', 'listPrice', 'category'].map(at) as [
    number,
    number,
    number,
    number,
  ];
  const missing = (
    [
      ['sku', sku],
      ['currency', currency],
      ['listPrice', listPrice],
    ] as const
  ).filter(([, index]) => index < 0);
  if (missing.length > 0) {
    return {
      ok: false,
      problems: [
        {
          path: `line ${header.line}`,
          message: `the header must name the columns sku, currency and listPrice (and optionally category); missing ${missing.map(([name]) => name).join(', ')}, got ${columns.join(', ')}`,
        },
      ],
    };
  }
  const problems: Problem[] = [];
  const built = new RowCatalog(problems);
  for (const { line, fields } of rows) {
    const where = (column?: string) => (column === undefined ? `line ${line}` : `line ${line}, ${column}`);
    if (fields.length !== columns.length) {
      problems.push({
        path: where(),
        message: `has ${fields.length} fields; the header has ${columns.length}`,
      });
      continue;
    }
    const skuText = fields[sku]!.trim();
    const currencyText = fields[currency]!.trim();
    const priceText = fields[listPrice]!.trim();
    const categoryText = category < 0 ? '' : fields[category]!.trim();
    const count = problems.length;
    const skuProblem = nameProblem(skuText, 'the SKU');
    if (skuProblem !== undefined) problems.push({ path: where('sku'), message: skuProblem });
    if (!isKnownCurrency(currencyText)) {
      problems.push({
        path: where('currency'),
        message: `must be a known ISO 4217 currency code such as "IDR", got "${currencyText}"`,
      });
    }
    const price = /^\d+$/.test(priceText) ? Number(priceText) : Number.NaN;
    if (!isPrice(price, options)) {
      problems.push({ path: where('listPrice'), message: `${priceMessage(options)}, got "${priceText}"` });
    }
    const categoryProblem = categoryText === '' ? undefined : nameProblem(categoryText, 'the category');
    if (categoryProblem !== undefined) problems.push({ path: where('category'), message: categoryProblem });
    if (problems.length === count) built.add(where, skuText, currencyText, price, categoryText);
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, catalog: built.catalog };
}

/** Reads catalog text as `csv` or `json`. */
export function parseCatalog(
  text: string,
  format: 'csv' | 'json',
  options: CatalogOptions = {},
): CatalogResult {
  if (format === 'csv') return catalogFromCsv(text, options);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return { ok: false, problems: [{ path: '', message: `is not valid JSON: ${(error as Error).message}` }] };
  }
  return catalogFromJson(data, options);
}
