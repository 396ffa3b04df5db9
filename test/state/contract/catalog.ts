// test/state/contract/catalog.ts
// The uploaded catalog's versions in the overlay store contract: drafts invisible until switched, copy on write,
// conflicts, removal, and a reader that reloads only when the catalog in force changed.

import type { CatalogEntry, OverlayStore } from '../../../src/state/overlay';

/** Makes overlay stores that share one catalog (two instances of one deployment), and closes them. */
export interface OverlayFactory {
  /** A store on fresh data. */
  make(): Promise<OverlayStore>;
  /** A second store over the same data as `of` (another instance); the memory store returns `of` itself. */
  twin(of: OverlayStore): Promise<OverlayStore>;
  close(): Promise<void>;
}

const rows = (count: number, price: number, prefix = 'SKU'): CatalogEntry[] =>
  Array.from({ length: count }, (_, index) => ({
    sku: `${prefix}-${index}`,
    currency: 'IDR',
    listPrice: price + index,
  }));

async function upload(store: OverlayStore, entries: CatalogEntry[], replace: boolean) {
  const draft = await store.beginCatalog(replace);
  for (let start = 0; start < entries.length; start += 1000)
    await draft.write(entries.slice(start, start + 1000));
  return draft.commit();
}

/** Registers the catalog tests of the overlay contract. */
export function catalogContract(factory: () => OverlayFactory): void {
  let context: OverlayFactory;
  let store: OverlayStore;
  beforeAll(() => {
    context = factory();
  });
  afterAll(() => context.close());
  beforeEach(async () => {
    store = await context.make();
  });

  test('a draft is invisible until it is switched in; then every reader has all of it', async () => {
    const other = await context.twin(store);
    const draft = await store.beginCatalog(true);
    await draft.write(rows(1500, 1000));
    expect((await other.read()).catalog.prices).toBe(0);
    await draft.write(rows(1500, 1000, 'MORE'));
    expect((await store.read()).catalog.prices).toBe(0);
    expect(await draft.commit()).toBe('switched');
    for (const reader of [store, other]) {
      const { catalog } = await reader.read();
      expect(catalog.skus).toBe(3000);
      expect(catalog.listPrice('SKU-7', 'IDR')).toBe(1007);
      expect(catalog.listPrice('MORE-1499', 'IDR')).toBe(2499);
    }
  });

  test('an aborted draft leaves the catalog in force, and nothing behind', async () => {
    expect(await upload(store, rows(10, 500), true)).toBe('switched');
    const before = await store.read();
    const draft = await store.beginCatalog(true);
    await draft.write(rows(20, 9));
    await draft.abort();
    const after = await store.read();
    expect(after).toBe(before);
    expect(after.catalog.listPrice('SKU-3', 'IDR')).toBe(503);
  });

  test('a replacement drops what it does not name; an addition copies the version in force, then its rows win', async () => {
    await upload(store, rows(100, 1000), true);
    await upload(store, [{ sku: 'SKU-1', currency: 'USD', listPrice: 7 }, ...rows(2, 5, 'NEW')], false);
    let { catalog } = await store.read();
    expect(catalog.skus).toBe(102);
    expect(catalog.listPrice('SKU-1', 'IDR')).toBe(1001);
    expect(catalog.listPrice('SKU-1', 'USD')).toBe(7);
    await upload(
      store,
      [...rows(3, 50, 'ONLY'), { sku: 'QUOTE"BACK\\SLASH', currency: 'IDR', listPrice: 9 }],
      true,
    );
    ({ catalog } = await store.read());
    expect(catalog.skus).toBe(4);
    expect(catalog.listPrice('QUOTE"BACK\\SLASH', 'IDR')).toBe(9);
    expect(catalog.listPrice('SKU-1', 'IDR')).toBeUndefined();
  });

  test('an addition built on a version another upload replaced meanwhile changes nothing (conflict)', async () => {
    await upload(store, rows(5, 1000), true);
    const adding = await store.beginCatalog(false);
    await adding.write(rows(1, 1, 'LATE'));
    expect(await upload(store, rows(2, 2000, 'WINNER'), true)).toBe('switched');
    expect(await adding.commit()).toBe('conflict');
    const { catalog } = await store.read();
    expect(catalog.skus).toBe(2);
    expect(catalog.listPrice('LATE-0', 'IDR')).toBeUndefined();
  });

  test('a SKU is removed in every currency, and every reader sees it; reads without a change return the same object', async () => {
    const other = await context.twin(store);
    await upload(
      store,
      [
        ...rows(3, 100),
        { sku: 'SKU-1', currency: 'USD', listPrice: 9 },
        { sku: 'SKU-1', currency: 'EUR', listPrice: 8 },
      ],
      true,
    );
    const first = await other.read();
    expect(await other.read()).toBe(first);
    expect(await store.deleteCatalog('SKU-1')).toBe(true);
    expect(await store.deleteCatalog('SKU-1')).toBe(false);
    const { catalog } = await other.read();
    expect(catalog.skus).toBe(2);
    expect(catalog.listPrice('SKU-1', 'USD')).toBeUndefined();
  });

  test('a read asked for after a write sees it, even while a read of a new catalog is under way', async () => {
    await upload(store, rows(3000, 1000), true);
    const under = store.read();
    await store.setFloor('SKU-1', 'IDR', 500);
    const after = await store.read();
    expect(after.floors['SKU-1']).toEqual({ IDR: 500 });
    expect(after.catalog.skus).toBe(3000);
    expect((await under).catalog.skus).toBe(3000);
  });
}
