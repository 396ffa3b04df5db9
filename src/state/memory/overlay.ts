// src/state/memory/overlay.ts
// The runtime overlay of a single process (the embedded store): entries keyed as in Redis, the catalog in versions.

import type { CatalogTable } from '../../core/catalog-table';
import type { CustomRule } from '../../core/policy';
import {
  addRules,
  type CatalogDraft,
  capField,
  catalogField,
  catalogFieldsOf,
  floorField,
  fromEntries,
  type Overlay,
  type OverlayStore,
  tableOf,
} from '../overlay';

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
