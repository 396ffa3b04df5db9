// src/core/catalog.ts
// Catalog files: list prices from JSON or CSV (text in, prices or precise problems out; no I/O), whole or piece by
// piece as the text arrives (CatalogReader). Preflight checks them; the admin API's catalog upload streams them.

import { CatalogTableBuilder } from './catalog-table';
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

/** One checked row of a catalog file: a SKU's list price in one currency. */
export interface CatalogRow {
  /** Canonical SKU. */
  sku: string;
  currency: string;
  /** Minor units. */
  listPrice: number;
  /** Canonical category, when the row gives one. */
  category: string | undefined;
}

/** The two catalog file formats. */
export type CatalogFormat = 'csv' | 'json';

/** Options of a CatalogReader. */
export interface CatalogReaderOptions extends CatalogOptions {
  /** Most problems kept in `problems` (every one is counted in `problemCount`). Defaults to no limit. */
  maxProblems?: number;
}

const OBJECT_SHAPE =
  'must be an object of SKUs, { "SKU": { "IDR": 4700000 } }, or a list of { "sku", "currency", "listPrice" }';

const listIndex = (index: number) => `[${index}]`;
const csvLine = (line: number) => `line ${line}`;

/**
 * Checks rows one at a time (a CSV line, a JSON list item, a SKU of the JSON object form) and hands each good one
 * to `onRow`, refusing a SKU priced twice in one currency or given two categories. It keeps, per SKU, only the
 * currencies seen and where (to name the first row of a repeat), never the rows.
 */
class RowChecker {
  /**
   * Canonical SKU and currency → where its first row was (a line, or a list index), in typed arrays: a million rows
   * leave no million strings for the garbage collector to walk while the upload runs.
   */
  private readonly seen = new CatalogTableBuilder();
  /** Canonical SKU → its category, for the SKUs that have one. */
  private readonly categories = new Map<string, string>();
  /** Canonical SKU → its spelling, in the JSON object form. */
  private readonly spelled = new Map<string, string>();
  problemCount = 0;
  rows = 0;

  constructor(
    readonly problems: Problem[],
    readonly options: CatalogReaderOptions,
    private readonly onRow: (row: CatalogRow) => void,
  ) {}

  /** SKUs with at least one good row. */
  get skus(): number {
    return this.seen.skus + this.spelled.size;
  }

  problem(path: string, message: string): void {
    this.problemCount++;
    if (this.problems.length < (this.options.maxProblems ?? Number.POSITIVE_INFINITY))
      this.problems.push({ path, message });
  }

  /**
   * Adds one row whose fields are already checked one by one. `location` is its line or list index, which
   * `locate` names as `where()` does.
   */
  add(
    where: (field?: string) => string,
    location: number,
    locate: (location: number) => string,
    sku: string,
    currency: string,
    price: number,
    category?: string,
  ) {
    const key = canonicalIdentifier(sku, 'name');
    const first = this.seen.get(key, currency);
    if (first !== undefined) {
      this.problem(where(), `repeats the ${currency} price of ${key} (first at ${locate(first)})`);
      return;
    }
    let canonicalCategory = this.categories.get(key);
    if (category !== undefined && category !== '') {
      const canonical = canonicalIdentifier(category, 'name');
      if (canonicalCategory !== undefined && canonicalCategory !== canonical) {
        this.problem(
          where('category'),
          `gives ${key} the category ${canonical}; an earlier row gave it ${canonicalCategory}`,
        );
        return;
      }
      canonicalCategory = canonical;
      this.categories.set(key, canonical);
    }
    this.seen.add(key, currency, location);
    this.rows++;
    this.onRow({ sku: key, currency, listPrice: price, category: canonicalCategory });
  }

  /** One item of the JSON list form: `{ "sku": "TOTE", "currency": "IDR", "listPrice": 4700000, "category": "bags" }`. */
  listItem(row: unknown, index: number): void {
    const where = (field?: string) => (field === undefined ? `[${index}]` : `[${index}].${field}`);
    if (row === null || typeof row !== 'object' || Array.isArray(row)) {
      this.problem(where(), 'must be { "sku": ..., "currency": ..., "listPrice": ... }');
      return;
    }
    const { sku, currency, listPrice, category } = row as Record<string, unknown>;
    const count = this.problemCount;
    const skuProblem = typeof sku === 'string' ? nameProblem(sku, 'the SKU') : 'must be a string';
    if (skuProblem !== undefined) this.problem(where('sku'), skuProblem);
    if (typeof currency !== 'string' || !isKnownCurrency(currency)) {
      this.problem(where('currency'), 'must be a known ISO 4217 currency code such as "IDR"');
    }
    if (!isPrice(listPrice, this.options)) this.problem(where('listPrice'), priceMessage(this.options));
    const categoryProblem =
      category === undefined || category === null
        ? undefined
        : typeof category === 'string'
          ? nameProblem(category, 'the category')
          : 'must be a string';
    if (categoryProblem !== undefined) this.problem(where('category'), categoryProblem);
    if (this.problemCount > count) return;
    this.add(
      where,
      index,
      listIndex,
      sku as string,
      currency as string,
      listPrice as number,
      (category ?? undefined) as string,
    );
  }

  /** One SKU of the JSON object form: `"TOTE": { "IDR": 4700000, "USD": 30000, "category": "bags" }`. */
  skuEntry(sku: string, value: unknown): void {
    const bad = nameProblem(sku, 'the SKU');
    if (bad !== undefined) {
      this.problem(sku, `is not a valid key: ${bad}`);
      return;
    }
    const canonical = canonicalIdentifier(sku, 'name');
    if (this.spelled.has(canonical)) {
      this.problem(
        sku,
        `names the same SKU as "${this.spelled.get(canonical)}" (SKUs are compared case-insensitively)`,
      );
      return;
    }
    this.spelled.set(canonical, sku);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      this.problem(sku, 'must be an object of list prices by currency: { "IDR": 4700000 }');
      return;
    }
    let category: string | undefined;
    const prices: Array<[string, number]> = [];
    for (const [key, price] of Object.entries(value as Record<string, unknown>)) {
      if (key === 'category') {
        const problem = typeof price === 'string' ? nameProblem(price, 'the category') : 'must be a string';
        if (problem !== undefined) this.problem(`${sku}.category`, problem);
        else category = canonicalIdentifier(price as string, 'name');
        continue;
      }
      if (!isKnownCurrency(key)) {
        this.problem(
          `${sku}.${key}`,
          'is not a currency code: the keys of a SKU are ISO 4217 codes such as "IDR", or "category"',
        );
        continue;
      }
      if (!isPrice(price, this.options)) {
        this.problem(`${sku}.${key}`, priceMessage(this.options));
        continue;
      }
      prices.push([key, price]);
    }
    for (const [currency, listPrice] of prices) {
      this.rows++;
      this.onRow({ sku: canonical, currency, listPrice, category });
    }
  }
}

/** Column positions of a CSV catalog's header. */
interface CsvColumns {
  count: number;
  sku: number;
  currency: number;
  listPrice: number;
  category: number;
}

/**
 * Reads a catalog file piece by piece: `push` each chunk of text as it arrives, then `end`. Each row is checked as
 * soon as it is complete and handed to `onRow`; problems collect in `problems`, named by line and column (CSV) or
 * by path (JSON). Nothing but the current row (a CSV line, one JSON item) is held, so a file of a million rows
 * needs no more memory than its SKUs' names. The whole-text functions below use it too.
 *
 * CSV: a header row naming the columns `sku`, `currency` and `listPrice` (any order), optionally `category`, then
 * one row per SKU and currency (RFC 4180 quoting). JSON: a list of `{ "sku", "currency", "listPrice", "category" }`
 * or the policy's `catalog` shape `{ "SKU": { "IDR": 4700000, "category": "bags" } }`, read one item at a time.
 */
export class CatalogReader {
  /** The problems found so far (at most `maxProblems`). */
  readonly problems: Problem[] = [];
  private readonly checker: RowChecker;
  /** True until the text has something other than white space. */
  private blankSoFar = true;
  // CSV state
  private fields: string[] = [];
  private field = '';
  private quoted = false;
  private quoteSeen = false;
  private afterCr = false;
  private line = 1;
  private rowLine = 1;
  private started = false;
  private columns: CsvColumns | undefined;
  private headerRefused = false;
  // JSON state
  private phase: 'start' | 'items' | 'after' | 'done' = 'start';
  private kind: '[' | '{' = '[';
  private depth = 0;
  private inString = false;
  private escaped = false;
  private item = '';
  private itemIndex = 0;

  constructor(
    readonly format: CatalogFormat,
    options: CatalogReaderOptions,
    onRow: (row: CatalogRow) => void,
  ) {
    this.checker = new RowChecker(this.problems, options, onRow);
  }

  /** Every problem found so far, including those not kept in `problems`. */
  get problemCount(): number {
    return this.checker.problemCount;
  }
  /** Good rows so far (one per SKU and currency). */
  get rows(): number {
    return this.checker.rows;
  }
  /** SKUs with a good row so far. */
  get skus(): number {
    return this.checker.skus;
  }
  /** True when the text read so far is empty or only white space. */
  get blank(): boolean {
    return this.blankSoFar;
  }

  /** Reads the next piece of the text. */
  push(text: string): void {
    if (text.length === 0) return;
    if (this.blankSoFar && text.trim().replace(/^\ufeff/, '') !== '') this.blankSoFar = false;
    if (this.format === 'csv') this.csvChunk(text);
    else this.jsonChunk(text);
  }

  /** Reads the end of the text: the last row, or the problem of a text cut short. */
  end(): void {
    if (this.format === 'csv') this.csvEnd();
    else this.jsonEnd();
  }

  private csvChunk(text: string): void {
    let index = 0;
    if (!this.started) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) index = 1; // a byte order mark from a spreadsheet export
    }
    const length = text.length;
    while (index < length) {
      const code = text.charCodeAt(index);
      if (this.afterCr) {
        this.afterCr = false;
        if (code === 10) {
          index++;
          continue;
        }
      }
      if (this.quoted) {
        if (this.quoteSeen) {
          this.quoteSeen = false;
          if (code === 34) {
            this.field += '"';
            index++;
            continue;
          }
          this.quoted = false; // the closing quote: this character is read outside the quotes
        } else {
          let end = index;
          while (end < length && text.charCodeAt(end) !== 34) {
            if (text.charCodeAt(end) === 10) this.line++;
            end++;
          }
          this.field += text.slice(index, end);
          if (end < length) this.quoteSeen = true;
          index = end + 1;
          continue;
        }
      }
      if (code === 34 && this.field.trim() === '') {
        this.field = '';
        this.quoted = true;
        index++;
      } else if (code === 44) {
        this.fields.push(this.field);
        this.field = '';
        index++;
      } else if (code === 10 || code === 13) {
        this.afterCr = code === 13;
        this.csvRow();
        this.line++;
        this.rowLine = this.line;
        index++;
      } else {
        let end = index + 1;
        while (end < length) {
          const next = text.charCodeAt(end);
          if (next === 44 || next === 10 || next === 13 || next === 34) break;
          end++;
        }
        this.field += text.slice(index, end);
        index = end;
      }
    }
  }

  private csvEnd(): void {
    if (this.quoteSeen) {
      this.quoteSeen = false;
      this.quoted = false;
    }
    if (this.quoted) {
      this.checker.problem(`line ${this.rowLine}`, 'has a quote that is never closed');
      return;
    }
    this.csvRow();
    if (this.columns === undefined && !this.headerRefused) this.checker.problem('', 'the file has no rows');
  }

  /** The row just ended: the header, or one price. */
  private csvRow(): void {
    const fields = this.fields;
    fields.push(this.field);
    this.fields = [];
    this.field = '';
    if (fields.length === 1 && fields[0]!.trim() === '') return;
    if (this.headerRefused) return;
    if (this.columns === undefined) {
      this.csvHeader(fields);
      return;
    }
    const line = this.rowLine;
    const columns = this.columns;
    const where = (column?: string) => (column === undefined ? `line ${line}` : `line ${line}, ${column}`);
    const checker = this.checker;
    if (fields.length !== columns.count) {
      checker.problem(where(), `has ${fields.length} fields; the header has ${columns.count}`);
      return;
    }
    const skuText = fields[columns.sku]!.trim();
    const currencyText = fields[columns.currency]!.trim();
    const priceText = fields[columns.listPrice]!.trim();
    const categoryText = columns.category < 0 ? '' : fields[columns.category]!.trim();
    const count = checker.problemCount;
    const skuProblem = nameProblem(skuText, 'the SKU');
    if (skuProblem !== undefined) checker.problem(where('sku'), skuProblem);
    if (!isKnownCurrency(currencyText)) {
      checker.problem(
        where('currency'),
        `must be a known ISO 4217 currency code such as "IDR", got "${currencyText}"`,
      );
    }
    const price = /^\d+$/.test(priceText) ? Number(priceText) : Number.NaN;
    const options = checker.options;
    if (!isPrice(price, options)) {
      checker.problem(where('listPrice'), `${priceMessage(options)}, got "${priceText}"`);
    }
    const categoryProblem = categoryText === '' ? undefined : nameProblem(categoryText, 'the category');
    if (categoryProblem !== undefined) checker.problem(where('category'), categoryProblem);
    if (checker.problemCount === count)
      checker.add(where, line, csvLine, skuText, currencyText, price, categoryText);
  }

  private csvHeader(fields: string[]): void {
    const names = fields.map((name) => name.trim());
    const at = (name: string) => names.findIndex((column) => column.toLowerCase() === name.toLowerCase());
    const columns: CsvColumns = {
      count: names.length,
      sku: at('sku'),
      currency: at('currency'),
      listPrice: at('listPrice'),
      category: at('category'),
    };
    const missing = (['sku', 'currency', 'listPrice'] as const).filter((name) => columns[name] < 0);
    if (missing.length > 0) {
      this.headerRefused = true;
      this.checker.problem(
        `line ${this.rowLine}`,
        `the header must name the columns sku, currency and listPrice (and optionally category); missing ${missing.join(', ')}, got ${names.join(', ')}`,
      );
      return;
    }
    this.columns = columns;
  }

  private jsonChunk(text: string): void {
    let index = 0;
    let itemStart = -1;
    const length = text.length;
    if (this.phase === 'items') itemStart = 0;
    for (; index < length; index++) {
      const code = text.charCodeAt(index);
      if (this.phase === 'items') {
        if (this.inString) {
          if (this.escaped) this.escaped = false;
          else if (code === 92) this.escaped = true;
          else if (code === 34) this.inString = false;
          continue;
        }
        if (code === 34) this.inString = true;
        else if (code === 91 || code === 123) this.depth++;
        else if (code === 93 || code === 125) {
          if (this.depth > 0) this.depth--;
          else {
            this.jsonItem(this.item + text.slice(itemStart, index), true);
            this.item = '';
            if (code !== (this.kind === '[' ? 93 : 125)) {
              this.checker.problem(
                '',
                `is not valid JSON: the ${this.kind === '[' ? 'list' : 'object'} is closed with "${text[index]}"`,
              );
              this.phase = 'done';
            } else this.phase = 'after';
            itemStart = -1;
          }
        } else if (code === 44 && this.depth === 0) {
          this.jsonItem(this.item + text.slice(itemStart, index), false);
          this.item = '';
          itemStart = index + 1;
        }
      } else if (this.phase === 'start') {
        if (code === 0xfeff || code === 32 || code === 9 || code === 10 || code === 13) continue;
        if (code === 91 || code === 123) {
          this.kind = code === 91 ? '[' : '{';
          this.phase = 'items';
          itemStart = index + 1;
        } else {
          this.checker.problem('', OBJECT_SHAPE);
          this.phase = 'done';
        }
      } else if (this.phase === 'after') {
        if (code === 32 || code === 9 || code === 10 || code === 13) continue;
        this.checker.problem('', 'is not valid JSON: there is text after the end of the catalog');
        this.phase = 'done';
      }
    }
    if (this.phase === 'items' && itemStart >= 0) this.item += text.slice(itemStart);
  }

  private jsonEnd(): void {
    if (this.phase === 'start') this.checker.problem('', 'is not valid JSON: the text is empty');
    else if (this.phase === 'items') {
      this.checker.problem(
        '',
        `is not valid JSON: the text ends before the closing "${this.kind === '[' ? ']' : '}'}"`,
      );
    }
    this.phase = 'done';
  }

  /** One top-level item of the JSON text: a list item, or `"SKU": {...}` of the object form. */
  private jsonItem(text: string, last: boolean): void {
    const index = this.itemIndex++;
    if (text.trim() === '') {
      if (last && index === 0) return; // [] or {}
      const path = this.kind === '[' ? `[${index}]` : '';
      this.checker.problem(path, 'is not valid JSON: an item is missing (a comma too many?)');
      return;
    }
    if (this.kind === '[') {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        this.checker.problem(`[${index}]`, `is not valid JSON: ${(error as Error).message}`);
        return;
      }
      this.checker.listItem(value, index);
      return;
    }
    let member: Record<string, unknown>;
    try {
      member = JSON.parse(`{${text}}`) as Record<string, unknown>;
    } catch (error) {
      const key = /^\s*"((?:[^"\\]|\\.)*)"/.exec(text)?.[1];
      this.checker.problem(key ?? `item ${index + 1}`, `is not valid JSON: ${(error as Error).message}`);
      return;
    }
    for (const [sku, value] of Object.entries(member)) this.checker.skuEntry(sku, value);
  }
}

/** Collects a reader's rows into a PreflightCatalog. */
function collect(): { catalog: PreflightCatalog; onRow: (row: CatalogRow) => void } {
  const catalog: PreflightCatalog = new Map();
  return {
    catalog,
    onRow(row) {
      let entry = catalog.get(row.sku);
      if (entry === undefined) {
        entry = { prices: Object.create(null) };
        catalog.set(row.sku, entry);
      }
      if (row.category !== undefined) entry.category = row.category;
      entry.prices[row.currency] = row.listPrice;
    },
  };
}

/**
 * Reads a catalog already parsed from JSON: the policy's `catalog` shape
 * `{ "SKU": { "IDR": 4700000, "USD": 30000, "category": "bags" } }` (the keys of a SKU are currency codes and
 * optionally `category`), or a list of `{ "sku", "currency", "listPrice", "category" }`, as the admin API's
 * catalog upload takes. SKUs are compared case-insensitively, as everywhere in the guard.
 */
export function catalogFromJson(data: unknown, options: CatalogOptions = {}): CatalogResult {
  const problems: Problem[] = [];
  const { catalog, onRow } = collect();
  const checker = new RowChecker(problems, options, onRow);
  if (Array.isArray(data)) {
    for (let index = 0; index < data.length; index++) checker.listItem(data[index], index);
  } else if (data === null || typeof data !== 'object') checker.problem('', OBJECT_SHAPE);
  else
    for (const [sku, value] of Object.entries(data as Record<string, unknown>)) checker.skuEntry(sku, value);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, catalog };
}

/**
 * Reads a CSV catalog: a header row naming the columns `sku`, `currency` and `listPrice` (any order), optionally
 * `category`, then one row per SKU and currency. Problems name the line and the column.
 */
export function catalogFromCsv(text: string, options: CatalogOptions = {}): CatalogResult {
  return parseCatalog(text, 'csv', options);
}

/** Reads catalog text as `csv` or `json`. */
export function parseCatalog(
  text: string,
  format: 'csv' | 'json',
  options: CatalogOptions = {},
): CatalogResult {
  const { catalog, onRow } = collect();
  const reader = new CatalogReader(format, options, onRow);
  reader.push(text);
  reader.end();
  return reader.problems.length > 0 ? { ok: false, problems: reader.problems } : { ok: true, catalog };
}
