// src/state/redis/overlay.ts
// The runtime overlay in Redis, shared by every instance: floors, caps and rules in one hash, the uploaded catalog
// in versions switched in by one script.

import type { Cluster, Redis } from 'ioredis';
import { type CatalogTable, CatalogTableBuilder } from '../../core/catalog-table';
import type { CustomRule } from '../../core/policy';
import {
  addCatalogField,
  addRules,
  CATALOG_BATCH,
  CATALOG_READ_BATCH,
  type CatalogDraft,
  capField,
  catalogField,
  catalogFieldsOf,
  floorField,
  fromEntries,
  type Overlay,
  type OverlayStore,
} from '../overlay';
import { registerCommands } from './commands';

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
