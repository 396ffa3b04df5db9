// src/state/overlay.ts
// Runtime floors, caps, rules and the uploaded catalog (in versions) set through the admin API: kept in process or
// in Redis, merged over the file policy.

import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Cluster, Redis } from 'ioredis';
import { CatalogTable, CatalogTableBuilder } from '../core/catalog-table';
import { CURRENCY_EXPONENTS, isKnownCurrency } from '../core/currencies';
import { canonicalName, IDENTIFIER_LIMITS, identifierProblem } from '../core/identifiers';
import { type CustomRule, type Policy, PolicyError } from '../core/policy';
import { customRule, customRules } from '../core/policy/custom-rules';
import { toProblems } from '../core/problems';
import { registerCommands } from './redis/commands';

/**
 * Floors and SKU discount caps set at run time; they win over the file policy's entries for the same SKU. Keys are
 * canonical SKUs; the records have no prototype, so any SKU the order contract accepts is an ordinary key.
 */
export interface Overlay {
  /** sku → currency → floor in minor units. */
  floors: Record<string, Record<string, number>>;
  /** sku → line discount cap in basis points. */
  caps: Record<string, number>;
  /**
   * The uploaded catalog in force: declared list prices (reference prices, as the policy's `catalog`) in a compact
   * table, read again only when a new version is put in force.
   */
  catalog: CatalogTable;
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

/**
 * A catalog version being written (an upload under way): rows go in batch by batch, invisible to every reader,
 * until `commit` puts the whole version in force in one step.
 */
export interface CatalogDraft {
  /** Adds one batch to the version (a later price of the same SKU and currency replaces an earlier one). */
  write(entries: readonly CatalogEntry[]): Promise<void>;
  /**
   * Puts the version in force in one step and deletes the one it replaced. `conflict` when the draft adds to a
   * version that another upload replaced meanwhile: nothing changed, the draft is deleted.
   */
  commit(): Promise<'switched' | 'conflict'>;
  /** Deletes the unfinished version; the catalog in force is untouched. */
  abort(): Promise<void>;
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
  /**
   * Starts a new catalog version: empty (`replace`), or a copy of the version in force that the upload adds to
   * (copy on write). Nothing is visible until the draft is committed.
   */
  beginCatalog(replace: boolean): Promise<CatalogDraft>;
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

const EMPTY_CATALOG = CatalogTable.empty();

/** An empty overlay. */
export function emptyOverlay(): Overlay {
  return { floors: record(), caps: record(), catalog: EMPTY_CATALOG, rules: record() };
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
  // The uploaded catalog goes in by reference: a million SKUs are not copied on every swap.
  const { uploadedCatalog: _previous, ...rest } = policy;
  return {
    ...rest,
    floors,
    customRules,
    discountCaps: { ...policy.discountCaps, skus },
    ...(overlay.catalog.prices > 0 ? { uploadedCatalog: overlay.catalog } : {}),
  };
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

/**
 * A stored catalog field whose SKU needs no JSON unescaping: `["SKU","IDR"]` (a control character, which JSON
 * escapes, is refused by validateCatalogEntry either way).
 */
const PLAIN_FIELD = /^\["([^"\\]*)","([A-Z]{3})"\]$/;

/** Adds one stored catalog field (`["SKU","CUR"]` → price) to a table; a bad one goes to `rejected`. */
function addCatalogField(
  builder: CatalogTableBuilder,
  field: string,
  value: number,
  rejected: string[],
): void {
  try {
    // The common field, a SKU without quotes or backslashes, is read without JSON.parse (twice as fast).
    const plain = PLAIN_FIELD.exec(field);
    const key = plain === null ? (JSON.parse(field) as unknown) : [plain[1], plain[2]];
    if (!Array.isArray(key) || typeof key[0] !== 'string') throw new TypeError(field);
    const entry = validateCatalogEntry(key[0], key[1], value);
    builder.add(entry.sku, entry.currency, entry.listPrice);
  } catch {
    rejected.push(field);
  }
}

/** Rows of a catalog copied or built between two turns of the event loop. */
const CATALOG_BATCH = 2_000;
/**
 * Fields one HSCAN of the catalog asks for: a few milliseconds of Redis and of this process each, and few enough
 * round trips that a million rows load in seconds.
 */
const CATALOG_READ_BATCH = 5_000;

/** A catalog from stored fields, built in batches with a turn of the event loop between them. */
async function tableOf(entries: Iterable<[string, number]>, size: number, rejected: string[]) {
  const builder = new CatalogTableBuilder(size);
  let count = 0;
  for (const [field, value] of entries) {
    addCatalogField(builder, field, value, rejected);
    if (++count % (CATALOG_BATCH * 5) === 0) await nextTurn();
  }
  return builder.build();
}

/** The fields that hold a SKU's list price in every known currency (a removal names them all). */
function catalogFieldsOf(sku: string): string[] {
  return Object.keys(CURRENCY_EXPONENTS).map((currency) => catalogField(sku, currency));
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

/**
 * The overlay of a single process, for the embedded store. Entries keyed as in Redis, in Maps; the catalog in
 * versions with a pointer, as in Redis: an upload fills a new version and a commit switches the pointer.
 */
export class MemoryOverlayStore implements OverlayStore {
  readonly kind = 'memory';
  private readonly entries = new Map<string, number>();
  /** Catalog versions by id; `current` names the one in force. */
  private readonly versions = new Map<number, Map<string, number>>([[0, new Map()]]);
  private current = 0;
  private nextVersion = 1;
  /** Incremented by every change of the catalog in force. */
  private stamp = 0;
  private readonly rules = new Map<string, string>();
  /** The overlay as last read; dropped by every write, so an unchanged overlay is the same object. */
  private cached: Overlay | undefined;
  private table: { stamp: number; table: CatalogTable } | undefined;
  private reading: Promise<Overlay> | undefined;
  /** Incremented by every write. */
  private changes = 0;

  private invalidate(): void {
    this.cached = undefined;
    this.changes++;
  }

  async read(): Promise<Overlay> {
    if (this.cached !== undefined) return this.cached;
    this.reading ??= this.readNow().finally(() => {
      this.reading = undefined;
    });
    return this.reading;
  }
  private async readNow(): Promise<Overlay> {
    const stamp = this.stamp;
    const changes = this.changes;
    const { overlay, rejected } = fromEntries(this.entries);
    if (this.table?.stamp !== stamp) {
      const version = this.versions.get(this.current)!;
      const table = await tableOf(version, version.size, rejected);
      // A switch while the table was built: read again (a reader never sees a mix of two versions).
      if (this.changes !== changes) return this.readNow();
      this.table = { stamp, table };
    }
    overlay.catalog = this.table.table;
    addRules(overlay, this.rules, rejected);
    this.cached = overlay;
    return overlay;
  }
  async setRule(rule: CustomRule): Promise<void> {
    this.rules.set(rule.id, JSON.stringify(rule));
    this.invalidate();
  }
  async deleteRule(id: string): Promise<boolean> {
    this.invalidate();
    return this.rules.delete(id);
  }
  async beginCatalog(replace: boolean): Promise<CatalogDraft> {
    const id = this.nextVersion++;
    const base = this.current;
    const draft = replace ? new Map<string, number>() : new Map(this.versions.get(base));
    this.versions.set(id, draft);
    let open = true;
    return {
      write: async (entries) => {
        if (!open) throw new Error('catalog draft already committed or aborted');
        for (const entry of entries) draft.set(catalogField(entry.sku, entry.currency), entry.listPrice);
      },
      commit: async () => {
        open = false;
        if (!replace && this.current !== base) {
          this.versions.delete(id);
          return 'conflict';
        }
        this.versions.delete(this.current);
        this.current = id;
        this.stamp++;
        this.invalidate();
        return 'switched';
      },
      abort: async () => {
        open = false;
        this.versions.delete(id);
      },
    };
  }
  async deleteCatalog(sku: string): Promise<boolean> {
    const version = this.versions.get(this.current)!;
    let removed = false;
    for (const field of catalogFieldsOf(sku)) removed = version.delete(field) || removed;
    if (removed) {
      this.stamp++;
      this.invalidate();
    }
    return removed;
  }
  async setFloor(sku: string, currency: string, floor: number): Promise<void> {
    this.entries.set(floorField(sku, currency), floor);
    this.invalidate();
  }
  async deleteFloor(sku: string, currency?: string): Promise<boolean> {
    this.invalidate();
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
    this.invalidate();
  }
  async deleteCap(sku: string): Promise<boolean> {
    this.invalidate();
    return this.entries.delete(capField(sku));
  }
  async close(): Promise<void> {}
}

/**
 * The overlay in one Redis hash, `<prefix>:policy-overlay`, shared by every instance, with a version counter
 * beside it: every write increments it, and a reader re-reads the hash only when it changed. Fields are JSON
 * arrays (`["floor", sku, currency]`, `["cap", sku]`) so SKUs may contain any character; values are integers.
 *
 * The uploaded catalog lives in versions, one hash each (`<key>:catalog:v:<id>`, fields `["SKU","CUR"]`), with a
 * pointer to the one in force (`<key>:catalog:current`) and a stamp every change of it increments
 * (`<key>:catalog:stamp`). An upload fills a new version in bounded batches on a connection of its own (a
 * duplicate of this one, so the uploads' traffic never queues ahead of the overlay's reads), then one script
 * (catalog-switch-1.lua) moves the pointer; the old version is UNLINKed afterwards. A reader loads the catalog only
 * when the stamp changed, with HSCAN in batches, and checks the stamp again at the end: a switch during the read
 * means reading again, so no reader ever holds half of one version or a mix of two.
 */
export class RedisOverlayStore implements OverlayStore {
  readonly kind = 'redis';
  readonly key: string;
  private readonly versionKey: string;
  /** The unversioned catalog hash of earlier releases: the catalog while no version was ever switched in. */
  private readonly catalogKey: string;
  private readonly currentKey: string;
  private readonly stampKey: string;
  private readonly rulesKey: string;
  private cached:
    | { version: string | null; stamp: string | null; overlay: Overlay; rejected: string[] }
    | undefined;
  private reading: Promise<{ overlay: Overlay; rejected: string[] }> | undefined;
  private nextRead: Promise<{ overlay: Overlay; rejected: string[] }> | undefined;
  /** The uploads' connection, opened by the first upload. */
  private writer: Redis | Cluster | undefined;

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
    this.currentKey = `${this.key}:catalog:current`;
    this.stampKey = `${this.key}:catalog:stamp`;
    this.rulesKey = `${this.key}:rules`;
  }

  /** The hash of a catalog version ('' is the unversioned hash of earlier releases). */
  private catalogVersionKey(id: string): string {
    return id === '' ? this.catalogKey : `${this.key}:catalog:v:${id}`;
  }

  /**
   * Reads the overlay: the floors, caps and rules again when their version changed, the catalog again when its
   * stamp changed, else the same object as last time. Entries that do not validate are returned in `rejected`.
   * A call while a read is under way (a catalog may take seconds) waits for the next read, which starts when that
   * one ends and is shared by every call that came meanwhile: a read asked for after a write sees the write.
   */
  async readChecked(): Promise<{ overlay: Overlay; rejected: string[] }> {
    if (this.reading === undefined) {
      this.reading = this.readNow().finally(() => {
        this.reading = undefined;
      });
      return this.reading;
    }
    this.nextRead ??= this.reading
      .catch(() => undefined)
      .then(() => {
        this.nextRead = undefined;
        return this.readChecked();
      });
    return this.nextRead;
  }

  private async readNow(): Promise<{ overlay: Overlay; rejected: string[] }> {
    const [version = null, stamp = null] = await this.redis.mget(this.versionKey, this.stampKey);
    const cached = this.cached;
    if (cached !== undefined && cached.version === version && cached.stamp === stamp)
      return { overlay: cached.overlay, rejected: [] };
    const rejected: string[] = [];
    let overlay: Overlay;
    if (cached === undefined || cached.version !== version) {
      const [fields, rules] = await Promise.all([
        this.redis.hgetall(this.key),
        this.redis.hgetall(this.rulesKey),
      ]);
      const read = fromEntries(Object.entries(fields).map(([field, raw]) => [field, Number(raw)]));
      addRules(read.overlay, Object.entries(rules), read.rejected);
      rejected.push(...read.rejected);
      overlay = read.overlay;
    } else {
      overlay = { ...cached.overlay };
    }
    let catalogStamp = cached?.stamp ?? null;
    if (cached === undefined || cached.stamp !== stamp) {
      const loaded = await this.loadCatalog(rejected);
      overlay.catalog = loaded.table;
      catalogStamp = loaded.stamp;
    } else overlay.catalog = cached.overlay.catalog;
    this.cached = { version, stamp: catalogStamp, overlay, rejected };
    return { overlay, rejected };
  }

  /** The catalog version in force, read with HSCAN in batches; read again if it was switched meanwhile. */
  private async loadCatalog(rejected: string[]): Promise<{ stamp: string | null; table: CatalogTable }> {
    for (let attempt = 1; ; attempt++) {
      const [stamp = null, current = null] = await this.redis.mget(this.stampKey, this.currentKey);
      const key = this.catalogVersionKey(current ?? '');
      const builder = new CatalogTableBuilder(await this.redis.hlen(key));
      const bad: string[] = [];
      let cursor = '0';
      do {
        const [next, flat] = await this.redis.hscan(key, cursor, 'COUNT', CATALOG_READ_BATCH);
        cursor = next;
        for (let index = 0; index < flat.length; index += 2) {
          addCatalogField(builder, flat[index]!, Number(flat[index + 1]), bad);
        }
      } while (cursor !== '0');
      if ((await this.redis.get(this.stampKey)) === stamp) {
        rejected.push(...bad);
        return { stamp, table: builder.build() };
      }
      if (attempt >= 5) {
        throw new Error(
          `the uploaded catalog changed during each of ${attempt} reads; the previous one stays in force until the next read`,
        );
      }
    }
  }

  async read(): Promise<Overlay> {
    return (await this.readChecked()).overlay;
  }

  /** The uploads' connection: a duplicate of the overlay's, opened once and kept. */
  private async uploads(): Promise<Redis | Cluster> {
    if (this.writer === undefined) {
      this.writer = this.redis.duplicate();
      this.writer.on('error', () => {});
    }
    const writer = this.writer;
    if (writer.status !== 'ready') {
      await new Promise<void>((resolve, reject) => {
        const settle = (error?: Error) => {
          clearTimeout(timer);
          writer.off('ready', ready);
          if (error) reject(error);
          else resolve();
        };
        const ready = () => settle();
        const timer = setTimeout(
          () => settle(new Error('could not connect to Redis for the catalog upload within 5 s')),
          5_000,
        );
        writer.once('ready', ready);
        if (writer.status === 'wait') writer.connect().catch(() => undefined);
      });
    }
    return writer;
  }

  async beginCatalog(replace: boolean): Promise<CatalogDraft> {
    const writer = await this.uploads();
    const commands = registerCommands(writer);
    const id = String(await writer.incr(`${this.key}:catalog:next`));
    const key = this.catalogVersionKey(id);
    let base = '*';
    // An upload that dies half-way leaves nothing behind for long: each batch extends the draft's life by an hour,
    // and the switch makes the version permanent.
    const write = async (fields: string[]) => {
      const results =
        (await writer
          .multi()
          .hset(key, ...fields)
          .expire(key, 3600)
          .exec()) ?? [];
      for (const [error] of results) if (error) throw error;
    };
    if (!replace) {
      // Copy on write: the version in force, copied batch by batch, then the upload's rows over it.
      base = (await writer.get(this.currentKey)) ?? '';
      const from = this.catalogVersionKey(base);
      let cursor = '0';
      do {
        const [next, flat] = await writer.hscan(from, cursor, 'COUNT', CATALOG_BATCH);
        cursor = next;
        if (flat.length > 0) await write(flat);
      } while (cursor !== '0');
    }
    return {
      async write(entries) {
        if (entries.length === 0) return;
        const fields: string[] = [];
        for (const entry of entries)
          fields.push(catalogField(entry.sku, entry.currency), String(entry.listPrice));
        await write(fields);
      },
      commit: async () => {
        const [switched, previous] = (await commands.catalogSwitch(this.key, id, base)) as [number, string];
        if (switched !== 1) {
          await writer.unlink(key);
          return 'conflict';
        }
        // UNLINK frees the old version's memory in the background, not in Redis's main thread.
        await writer.unlink(this.catalogVersionKey(previous)).catch(() => undefined);
        return 'switched';
      },
      async abort() {
        await writer.unlink(key);
      },
    };
  }

  async deleteCatalog(sku: string): Promise<boolean> {
    const commands = registerCommands(this.redis);
    return Number(await commands.catalogRemove(this.key, ...catalogFieldsOf(sku))) > 0;
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
  async setRule(rule: CustomRule): Promise<void> {
    await this.write((multi) => multi.hset(this.rulesKey, rule.id, JSON.stringify(rule)));
  }
  async deleteRule(id: string): Promise<boolean> {
    return (await this.write((multi) => multi.hdel(this.rulesKey, id))) > 0;
  }
  async close(): Promise<void> {
    const writer = this.writer;
    this.writer = undefined;
    if (writer !== undefined) await writer.quit().catch(() => writer.disconnect());
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
