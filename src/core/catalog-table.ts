// src/core/catalog-table.ts
// The uploaded catalog in memory: list prices by SKU and currency in typed arrays (an open-addressing hash table).

import { CURRENCY_EXPONENTS } from './currencies';

/** Currency code ↔ small index, for the table's Uint16Array of currencies. */
const CURRENCY_INDEX = new Map<string, number>();
const CURRENCY_CODES: string[] = [];

function currencyIndex(code: string): number {
  let index = CURRENCY_INDEX.get(code);
  if (index === undefined) {
    index = CURRENCY_CODES.length;
    CURRENCY_CODES.push(code);
    CURRENCY_INDEX.set(code, index);
  }
  return index;
}
for (const code of Object.keys(CURRENCY_EXPONENTS)) currencyIndex(code);

/** FNV-1a over a string's UTF-16 code units. */
function hashOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

function grow<T extends Uint16Array | Int32Array | Uint32Array | Float64Array>(array: T, size: number): T {
  if (size <= array.length) return array;
  const bigger = new (array.constructor as new (length: number) => T)(Math.max(size, array.length * 2));
  bigger.set(array);
  return bigger;
}

/**
 * Declared list prices of many SKUs (a million in tens of MB, where plain objects take several times that): each
 * SKU's canonical name once in one Uint16Array of code units, found through an open-addressing hash table, and
 * its prices as a short linked list of (currency, price) rows. A lookup is O(1). Built once by
 * `CatalogTableBuilder`, never changed afterwards: a new upload builds a new table.
 */
export class CatalogTable {
  /** @internal */
  constructor(
    private readonly chars: Uint16Array,
    private readonly skuStart: Uint32Array,
    private readonly skuLength: Uint16Array,
    private readonly skuHead: Int32Array,
    private readonly slots: Int32Array,
    private readonly priceCurrency: Uint16Array,
    private readonly priceValue: Float64Array,
    private readonly priceNext: Int32Array,
    /** SKUs with at least one list price. */
    readonly skus: number,
    /** List prices (SKU and currency pairs). */
    readonly prices: number,
  ) {}

  /** An empty table. */
  static empty(): CatalogTable {
    return new CatalogTableBuilder(0).build();
  }

  /** The list price of a canonical SKU in a currency, in minor units, or undefined. */
  listPrice(sku: string, currency: string): number | undefined {
    const entry = findSku(this.chars, this.skuStart, this.skuLength, this.slots, sku);
    if (entry < 0) return undefined;
    const code = CURRENCY_INDEX.get(currency);
    if (code === undefined) return undefined;
    for (let row = this.skuHead[entry]!; row >= 0; row = this.priceNext[row]!) {
      if (this.priceCurrency[row] === code) return this.priceValue[row];
    }
    return undefined;
  }

  /** Calls `visit` for every list price (in no particular order). */
  forEach(visit: (sku: string, currency: string, listPrice: number) => void): void {
    for (let entry = 0; entry < this.skus; entry++) {
      const start = this.skuStart[entry]!;
      const sku = String.fromCharCode(...this.chars.subarray(start, start + this.skuLength[entry]!));
      for (let row = this.skuHead[entry]!; row >= 0; row = this.priceNext[row]!) {
        visit(sku, CURRENCY_CODES[this.priceCurrency[row]!]!, this.priceValue[row]!);
      }
    }
  }

  /** Bytes held by the typed arrays. */
  get bytes(): number {
    return [
      this.chars,
      this.skuStart,
      this.skuLength,
      this.skuHead,
      this.slots,
      this.priceCurrency,
      this.priceValue,
      this.priceNext,
    ].reduce((sum, array) => sum + array.byteLength, 0);
  }

  /** A summary, not the prices: a table may hold a million of them. */
  toJSON(): { skus: number; prices: number } {
    return { skus: this.skus, prices: this.prices };
  }
}

function findSku(
  chars: Uint16Array,
  skuStart: Uint32Array,
  skuLength: Uint16Array,
  slots: Int32Array,
  sku: string,
): number {
  const mask = slots.length - 1;
  for (let slot = hashOf(sku) & mask; ; slot = (slot + 1) & mask) {
    const entry = slots[slot]!;
    if (entry < 0) return -1;
    if (skuLength[entry] !== sku.length) continue;
    const start = skuStart[entry]!;
    let same = true;
    for (let index = 0; index < sku.length; index++) {
      if (chars[start + index] !== sku.charCodeAt(index)) {
        same = false;
        break;
      }
    }
    if (same) return entry;
  }
}

/**
 * Builds a CatalogTable row by row (a later price of the same SKU and currency replaces the earlier one). Rows may
 * be added in batches between awaits: the builder holds no reference to them.
 */
export class CatalogTableBuilder {
  private chars: Uint16Array;
  private charCount = 0;
  private skuStart: Uint32Array;
  private skuLength: Uint16Array;
  private skuHead: Int32Array;
  /** Each SKU's hash, so that growing the slots needs no string. */
  private skuHash: Uint32Array;
  private slots: Int32Array;
  private skuCount = 0;
  private priceCurrency: Uint16Array;
  private priceValue: Float64Array;
  private priceNext: Int32Array;
  private priceCount = 0;

  /** `expected`: about how many prices will be added (the arrays grow past it when needed). */
  constructor(expected = 1024) {
    const size = Math.max(16, expected);
    this.chars = new Uint16Array(size * 12);
    this.skuStart = new Uint32Array(size);
    this.skuLength = new Uint16Array(size);
    this.skuHead = new Int32Array(size);
    this.skuHash = new Uint32Array(size);
    this.slots = new Int32Array(slotsFor(size)).fill(-1);
    this.priceCurrency = new Uint16Array(size);
    this.priceValue = new Float64Array(size);
    this.priceNext = new Int32Array(size);
  }

  /** Adds one list price of a canonical SKU (at most 65,535 code units) in a known currency. */
  add(sku: string, currency: string, listPrice: number): void {
    let entry = findSku(this.chars, this.skuStart, this.skuLength, this.slots, sku);
    if (entry < 0) entry = this.addSku(sku);
    const code = currencyIndex(currency);
    for (let row = this.skuHead[entry]!; row >= 0; row = this.priceNext[row]!) {
      if (this.priceCurrency[row] === code) {
        this.priceValue[row] = listPrice;
        return;
      }
    }
    const row = this.priceCount++;
    this.priceCurrency = grow(this.priceCurrency, this.priceCount);
    this.priceValue = grow(this.priceValue, this.priceCount);
    this.priceNext = grow(this.priceNext, this.priceCount);
    this.priceCurrency[row] = code;
    this.priceValue[row] = listPrice;
    this.priceNext[row] = this.skuHead[entry]!;
    this.skuHead[entry] = row;
  }

  /** Prices added so far. */
  get prices(): number {
    return this.priceCount;
  }

  /** SKUs added so far. */
  get skus(): number {
    return this.skuCount;
  }

  /** The price added for a canonical SKU in a currency, or undefined. */
  get(sku: string, currency: string): number | undefined {
    const entry = findSku(this.chars, this.skuStart, this.skuLength, this.slots, sku);
    if (entry < 0) return undefined;
    const code = CURRENCY_INDEX.get(currency);
    for (let row = this.skuHead[entry]!; row >= 0; row = this.priceNext[row]!) {
      if (this.priceCurrency[row] === code) return this.priceValue[row];
    }
    return undefined;
  }

  /** The table, its arrays trimmed to their contents; the builder must not be used afterwards. */
  build(): CatalogTable {
    return new CatalogTable(
      this.chars.slice(0, this.charCount),
      this.skuStart.slice(0, this.skuCount),
      this.skuLength.slice(0, this.skuCount),
      this.skuHead.slice(0, this.skuCount),
      this.slots,
      this.priceCurrency.slice(0, this.priceCount),
      this.priceValue.slice(0, this.priceCount),
      this.priceNext.slice(0, this.priceCount),
      this.skuCount,
      this.priceCount,
    );
  }

  private addSku(sku: string): number {
    if ((this.skuCount + 1) * 2 > this.slots.length) this.rehash(slotsFor(this.skuCount + 1) * 2);
    const entry = this.skuCount++;
    this.skuStart = grow(this.skuStart, this.skuCount);
    this.skuLength = grow(this.skuLength, this.skuCount);
    this.skuHead = grow(this.skuHead, this.skuCount);
    this.skuHash = grow(this.skuHash, this.skuCount);
    this.chars = grow(this.chars, this.charCount + sku.length);
    for (let index = 0; index < sku.length; index++)
      this.chars[this.charCount + index] = sku.charCodeAt(index);
    this.skuStart[entry] = this.charCount;
    this.skuLength[entry] = sku.length;
    this.skuHead[entry] = -1;
    this.charCount += sku.length;
    this.skuHash[entry] = hashOf(sku);
    this.place(entry);
    return entry;
  }

  private place(entry: number): void {
    const mask = this.slots.length - 1;
    let slot = this.skuHash[entry]! & mask;
    while (this.slots[slot]! >= 0) slot = (slot + 1) & mask;
    this.slots[slot] = entry;
  }

  private rehash(size: number): void {
    this.slots = new Int32Array(size).fill(-1);
    for (let entry = 0; entry < this.skuCount; entry++) this.place(entry);
  }
}

/** A power of two at least twice `count` (load factor at most one half). */
function slotsFor(count: number): number {
  let size = 16;
  while (size < count * 2) size *= 2;
  return size;
}
