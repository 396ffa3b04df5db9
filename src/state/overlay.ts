// src/state/overlay.ts
// Runtime catalog floors and caps set through the admin API: kept in process or in Redis, merged over the file policy.

import type { Cluster, Redis } from 'ioredis';
import { isKnownCurrency } from '../core/currencies';
import { canonicalName, IDENTIFIER_LIMITS, identifierProblem } from '../core/identifiers';
import { type CustomRule, type Policy, PolicyError } from '../core/policy';
import { customRule, customRules } from '../core/policy/custom-rules';
import { toProblems } from '../core/problems';

/**
 * Floors and SKU discount caps set at run time; they win over the file policy's entries for the same SKU. Keys are
 * canonical SKUs; the records have no prototype, so any SKU the order contract accepts is an ordinary key.
 */
export interface Overlay {
  /** sku → currency → floor in minor units. */
  floors: Record<string, Record<string, number>>;
  /** sku → line discount cap in basis points. */
  caps: Record<string, number>;
  /** sku → currency → declared list price (the reference prices of `catalog`), uploaded in bulk. */
  catalog: Record<string, Record<string, number>>;
  /**
   * id → custom rule added or changed at run time, checked and compiled as the policy's own are; it replaces the
   * file policy's rule of the same id.
   */
  rules: Record<string, CustomRule>;
}

/** One declared list price of an uploaded catalog. */
export interface CatalogEntry {
  sku: string;
  currency: string;
  listPrice: number;
}

/** Where the overlay lives. Every instance reads it on an interval; writes go straight through. */
export interface OverlayStore {
  /** `memory` (one process) or `redis` (shared by every instance). */
  readonly kind: 'memory' | 'redis';
  read(): Promise<Overlay>;
  setFloor(sku: string, currency: string, floor: number): Promise<void>;
  /** Removes the SKU's floor in one currency, or in every currency; resolves true when something was removed. */
  deleteFloor(sku: string, currency?: string): Promise<boolean>;
  setCap(sku: string, capBp: number): Promise<void>;
  deleteCap(sku: string): Promise<boolean>;
  /** Replaces the uploaded catalog (`replace`) or merges entries into it, in one step. */
  putCatalog(entries: readonly CatalogEntry[], replace: boolean): Promise<void>;
  /** Removes a SKU from the uploaded catalog; true when it was there. */
  deleteCatalog(sku: string): Promise<boolean>;
  /** Adds or replaces a custom rule (validated with `validateRule`). */
  setRule(rule: CustomRule): Promise<void>;
  /** Removes a runtime custom rule; true when it was there. */
  deleteRule(id: string): Promise<boolean>;
  close(): Promise<void>;
}

/** A record without a prototype. */
function record<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** An empty overlay. */
export function emptyOverlay(): Overlay {
  return { floors: record(), caps: record(), catalog: record(), rules: record() };
}

function refuse(source: string, path: string, message: string): never {
  throw new PolicyError([{ path, message }], source);
}

/**
 * The canonical SKU of an admin path, or a PolicyError naming `sku`: the admin API accepts exactly the SKUs the
 * order contract accepts, in the same canonical form.
 */
export function validateSku(sku: string): string {
  if (sku.length > IDENTIFIER_LIMITS.sku)
    refuse('sku', 'sku', `must be at most ${IDENTIFIER_LIMITS.sku} characters`);
  const problem = identifierProblem(sku, 'name');
  if (problem !== undefined) refuse('sku', 'sku', problem);
  const canonical = canonicalName(sku);
  if (canonical === '') refuse('sku', 'sku', 'must not be empty');
  return canonical;
}

/** Validates one floor; returns it with the canonical SKU, or throws a PolicyError naming `sku`, `currency` or `floor`. */
export function validateFloor(sku: string, currency: unknown, floor: unknown) {
  const canonical = validateSku(sku);
  const source = `floor of ${canonical}`;
  if (typeof currency !== 'string' || !isKnownCurrency(currency)) {
    refuse(source, 'currency', 'must be a known ISO 4217 currency code such as "IDR"');
  }
  if (typeof floor !== 'number' || !Number.isSafeInteger(floor) || floor < 0) {
    refuse(source, 'floor', 'must be a non-negative integer amount in minor units');
  }
  return { sku: canonical, currency, floor: floor + 0 };
}

/** Validates one SKU cap; returns it with the canonical SKU, or throws a PolicyError naming `sku` or `capBp`. */
export function validateCap(sku: string, capBp: unknown) {
  const canonical = validateSku(sku);
  if (typeof capBp !== 'number' || !Number.isInteger(capBp) || capBp < 0 || capBp > 10_000) {
    refuse(
      `cap of ${canonical}`,
      'capBp',
      'must be a whole number of basis points from 0 to 10000 (7000 = 70%)',
    );
  }
  return { sku: canonical, capBp };
}

/** Validates one declared list price; returns it with the canonical SKU, or throws a PolicyError naming the field. */
export function validateCatalogEntry(sku: string, currency: unknown, listPrice: unknown): CatalogEntry {
  const canonical = validateSku(sku);
  const source = `list price of ${canonical}`;
  if (typeof currency !== 'string' || !isKnownCurrency(currency)) {
    refuse(source, 'currency', 'must be a known ISO 4217 currency code such as "IDR"');
  }
  if (typeof listPrice !== 'number' || !Number.isSafeInteger(listPrice) || listPrice < 1) {
    refuse(source, 'listPrice', 'must be a positive integer amount in minor units');
  }
  return { sku: canonical, currency, listPrice };
}

/**
 * Validates a custom rule sent to the admin API, exactly as the policy's own are (compiled, with the positions of
 * its problems), then the rules in force with it added or replaced (ids once, cost together bounded). Returns the
 * rule, or throws a PolicyError naming the field.
 */
export function validateRule(id: string, body: unknown, inForce: readonly CustomRule[]): CustomRule {
  const source = `custom rule ${JSON.stringify(id)}`;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    refuse(
      source,
      '',
      'the body must be a JSON object like { "scope": "line", "when": "...", "message": "..." }',
    );
  }
  if (Object.hasOwn(body, 'id') && (body as { id: unknown }).id !== id) {
    refuse(source, 'id', `must be the id in the path ("${id}"), or left out`);
  }
  const parsed = customRule.safeParse({ ...body, id });
  if (!parsed.success) throw new PolicyError(toProblems(parsed.error.issues, { schema: customRule }), source);
  const merged = inForce.filter((rule) => rule.id !== id).concat(parsed.data);
  const together = customRules.safeParse(merged);
  if (!together.success) {
    throw new PolicyError(
      toProblems(together.error.issues).map((problem) => ({
        ...problem,
        path: `customRules${problem.path}`,
      })),
      source,
    );
  }
  return parsed.data;
}

/** The file policy with the overlay merged over it: a new policy; the inputs are not changed. */
export function applyOverlay(policy: Policy, overlay: Overlay): Policy {
  const floors: Policy['floors'] = Object.assign(record<Record<string, number>>(), policy.floors);
  for (const sku of Object.keys(overlay.floors)) {
    floors[sku] = Object.assign(record<number>(), policy.floors[sku], overlay.floors[sku]);
  }
  const skus: Policy['discountCaps']['skus'] = Object.assign(
    record<number>(),
    policy.discountCaps.skus,
    overlay.caps,
  );
  const catalog: Policy['catalog'] = Object.assign(record<Record<string, number>>(), policy.catalog);
  for (const sku of Object.keys(overlay.catalog)) {
    catalog[sku] = Object.assign(record<number>(), policy.catalog[sku], overlay.catalog[sku]);
  }
  const runtime = Object.keys(overlay.rules).sort();
  const customRules =
    runtime.length === 0
      ? policy.customRules
      : [
          ...policy.customRules.map((rule) => overlay.rules[rule.id] ?? rule),
          ...runtime
            .filter((id) => !policy.customRules.some((rule) => rule.id === id))
            .map((id) => overlay.rules[id]!),
        ];
  return { ...policy, floors, catalog, customRules, discountCaps: { ...policy.discountCaps, skus } };
}

/** Builds an overlay from entries, validating each; entries that do not validate are returned in `rejected`. */
function fromEntries(entries: Iterable<[string, number]>): { overlay: Overlay; rejected: string[] } {
  const overlay = emptyOverlay();
  const rejected: string[] = [];
  for (const [field, value] of entries) {
    try {
      const key = JSON.parse(field) as unknown;
      if (!Array.isArray(key) || typeof key[1] !== 'string') throw new TypeError(field);
      if (key[0] === 'floor') {
        const floor = validateFloor(key[1], key[2], value);
        overlay.floors[floor.sku] ??= record();
        overlay.floors[floor.sku]![floor.currency] = floor.floor;
      } else if (key[0] === 'cap') {
        const cap = validateCap(key[1], value);
        overlay.caps[cap.sku] = cap.capBp;
      } else {
        rejected.push(field);
      }
    } catch {
      rejected.push(field);
    }
  }
  return { overlay, rejected };
}

const floorField = (sku: string, currency: string) => JSON.stringify(['floor', sku, currency]);
const catalogField = (sku: string, currency: string) => JSON.stringify([sku, currency]);

/** Adds the entries of an uploaded catalog (fields `["SKU","CUR"]`) to an overlay; bad ones go to `rejected`. */
function addCatalog(overlay: Overlay, entries: Iterable<[string, number]>, rejected: string[]): void {
  for (const [field, value] of entries) {
    try {
      const key = JSON.parse(field) as unknown;
      if (!Array.isArray(key) || typeof key[0] !== 'string') throw new TypeError(field);
      const entry = validateCatalogEntry(key[0], key[1], value);
      overlay.catalog[entry.sku] ??= record();
      overlay.catalog[entry.sku]![entry.currency] = entry.listPrice;
    } catch {
      rejected.push(field);
    }
  }
}
const capField = (sku: string) => JSON.stringify(['cap', sku]);

/** Adds stored custom rules (id → JSON) to an overlay, each checked and compiled again; bad ones go to `rejected`. */
function addRules(overlay: Overlay, entries: Iterable<[string, string]>, rejected: string[]): void {
  for (const [id, json] of entries) {
    try {
      const parsed = customRule.safeParse({ ...(JSON.parse(json) as object), id });
      if (parsed.success) overlay.rules[id] = parsed.data;
      else rejected.push(id);
    } catch {
      rejected.push(id);
    }
  }
}

/** The overlay of a single process, for the embedded store. Entries keyed as in Redis, in a Map. */
export class MemoryOverlayStore implements OverlayStore {
  readonly kind = 'memory';
  private readonly entries = new Map<string, number>();
  private catalog = new Map<string, number>();
  private readonly rules = new Map<string, string>();
  /** The overlay as last read; dropped by every write, so an unchanged overlay is the same object. */
  private cached: Overlay | undefined;

  async read(): Promise<Overlay> {
    if (this.cached === undefined) {
      const { overlay, rejected } = fromEntries(this.entries);
      addCatalog(overlay, this.catalog, rejected);
      addRules(overlay, this.rules, rejected);
      this.cached = overlay;
    }
    return this.cached;
  }
  async setRule(rule: CustomRule): Promise<void> {
    this.rules.set(rule.id, JSON.stringify(rule));
    this.cached = undefined;
  }
  async deleteRule(id: string): Promise<boolean> {
    this.cached = undefined;
    return this.rules.delete(id);
  }
  async putCatalog(entries: readonly CatalogEntry[], replace: boolean): Promise<void> {
    const next = replace ? new Map<string, number>() : new Map(this.catalog);
    for (const entry of entries) next.set(catalogField(entry.sku, entry.currency), entry.listPrice);
    this.catalog = next;
    this.cached = undefined;
  }
  async deleteCatalog(sku: string): Promise<boolean> {
    let removed = false;
    for (const field of [...this.catalog.keys()]) {
      if ((JSON.parse(field) as string[])[0] === sku) removed = this.catalog.delete(field) || removed;
    }
    this.cached = undefined;
    return removed;
  }
  async setFloor(sku: string, currency: string, floor: number): Promise<void> {
    this.entries.set(floorField(sku, currency), floor);
    this.cached = undefined;
  }
  async deleteFloor(sku: string, currency?: string): Promise<boolean> {
    this.cached = undefined;
    if (currency !== undefined) return this.entries.delete(floorField(sku, currency));
    let removed = false;
    for (const field of [...this.entries.keys()]) {
      const key = JSON.parse(field) as unknown[];
      if (key[0] === 'floor' && key[1] === sku) removed = this.entries.delete(field) || removed;
    }
    return removed;
  }
  async setCap(sku: string, capBp: number): Promise<void> {
    this.entries.set(capField(sku), capBp);
    this.cached = undefined;
  }
  async deleteCap(sku: string): Promise<boolean> {
    this.cached = undefined;
    return this.entries.delete(capField(sku));
  }
  async close(): Promise<void> {}
}

/**
 * The overlay in one Redis hash, `<prefix>:policy-overlay`, shared by every instance, with a version counter
 * beside it: every write increments it, and a reader re-reads the hash only when it changed. Fields are JSON
 * arrays (`["floor", sku, currency]`, `["cap", sku]`) so SKUs may contain any character; values are integers.
 */
export class RedisOverlayStore implements OverlayStore {
  readonly kind = 'redis';
  readonly key: string;
  private readonly versionKey: string;
  private readonly catalogKey: string;
  private readonly rulesKey: string;
  private cached: { version: string | null; overlay: Overlay } | undefined;

  constructor(
    private readonly redis: Redis | Cluster,
    prefix: string,
    /** Whether close() should quit the connection (it does when the overlay opened it). */
    private readonly ownsConnection = true,
  ) {
    // One hash tag: the hash and its version live in one slot, so a write updates both in one transaction.
    this.key = `{${prefix}:policy-overlay}`;
    this.versionKey = `${this.key}:version`;
    this.catalogKey = `${this.key}:catalog`;
    this.rulesKey = `${this.key}:rules`;
  }

  /** Reads the hash (unless its version is unchanged); entries that do not validate are returned in `rejected`. */
  async readChecked(): Promise<{ overlay: Overlay; rejected: string[] }> {
    const version = await this.redis.get(this.versionKey);
    if (this.cached !== undefined && this.cached.version === version)
      return { overlay: this.cached.overlay, rejected: [] };
    const [fields, catalog, rules] = await Promise.all([
      this.redis.hgetall(this.key),
      this.redis.hgetall(this.catalogKey),
      this.redis.hgetall(this.rulesKey),
    ]);
    const read = fromEntries(Object.entries(fields).map(([field, raw]) => [field, Number(raw)]));
    addCatalog(
      read.overlay,
      Object.entries(catalog).map(([field, raw]) => [field, Number(raw)]),
      read.rejected,
    );
    addRules(read.overlay, Object.entries(rules), read.rejected);
    this.cached = { version, overlay: read.overlay };
    return read;
  }
  async read(): Promise<Overlay> {
    return (await this.readChecked()).overlay;
  }
  async setFloor(sku: string, currency: string, floor: number): Promise<void> {
    await this.write((multi) => multi.hset(this.key, floorField(sku, currency), String(floor)));
  }
  async deleteFloor(sku: string, currency?: string): Promise<boolean> {
    const fields =
      currency !== undefined
        ? [floorField(sku, currency)]
        : Object.keys(await this.redis.hgetall(this.key)).filter((field) => {
            const key = safeParse(field);
            return key?.[0] === 'floor' && key[1] === sku;
          });
    if (fields.length === 0) return false;
    const removed = await this.write((multi) => multi.hdel(this.key, ...fields));
    return removed > 0;
  }
  async setCap(sku: string, capBp: number): Promise<void> {
    await this.write((multi) => multi.hset(this.key, capField(sku), String(capBp)));
  }
  async deleteCap(sku: string): Promise<boolean> {
    return (await this.write((multi) => multi.hdel(this.key, capField(sku)))) > 0;
  }
  async putCatalog(entries: readonly CatalogEntry[], replace: boolean): Promise<void> {
    // One transaction: readers see the old catalog or the new one, never half of an upload.
    await this.write((multi) => {
      if (replace) multi.del(this.catalogKey);
      for (let start = 0; start < entries.length; start += 1000) {
        const chunk: string[] = [];
        for (const entry of entries.slice(start, start + 1000)) {
          chunk.push(catalogField(entry.sku, entry.currency), String(entry.listPrice));
        }
        multi.hset(this.catalogKey, ...chunk);
      }
    });
  }
  async deleteCatalog(sku: string): Promise<boolean> {
    const fields = Object.keys(await this.redis.hgetall(this.catalogKey)).filter(
      (field) => safeParse(field)?.[0] === sku,
    );
    if (fields.length === 0) return false;
    return (await this.write((multi) => multi.hdel(this.catalogKey, ...fields))) > 0;
  }
  async setRule(rule: CustomRule): Promise<void> {
    await this.write((multi) => multi.hset(this.rulesKey, rule.id, JSON.stringify(rule)));
  }
  async deleteRule(id: string): Promise<boolean> {
    return (await this.write((multi) => multi.hdel(this.rulesKey, id))) > 0;
  }
  async close(): Promise<void> {
    if (this.ownsConnection) await this.redis.quit().catch(() => this.redis.disconnect());
  }

  /** One change and the version increment, in one transaction; resolves with the change's reply. */
  private async write(change: (multi: ReturnType<Redis['multi']>) => unknown): Promise<number> {
    const multi = this.redis.multi();
    change(multi as ReturnType<Redis['multi']>);
    multi.incr(this.versionKey);
    const results = (await multi.exec()) ?? [];
    for (const [error] of results) if (error) throw error;
    return Number(results[0]?.[1] ?? 0);
  }
}

function safeParse(field: string): unknown[] | undefined {
  try {
    const value = JSON.parse(field) as unknown;
    return Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
