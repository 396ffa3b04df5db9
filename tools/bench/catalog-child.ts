// tools/bench/catalog-child.ts
// A process of the catalog bench: the service on a private Redis (`service`), or a 1M-SKU catalog held in memory
// as a plain object or as the compact table (`memory-object`, `memory-table`, `memory-none`) for its RSS.

import { CatalogTable, CatalogTableBuilder } from '../../src/core/catalog-table';
import { runService } from '../../src/service/server';

/** What a child reports to the bench over IPC. */
export type ChildReport =
  | { kind: 'ready'; port: number; readyMs: number; rss: number }
  | {
      kind: 'memory';
      rss: number;
      heapUsed: number;
      arrayBuffers: number;
      skus: number;
      /** The compact table's typed arrays, exactly (memory-table). */
      tableBytes?: number;
    }
  | { kind: 'rss'; rss: number };

const send = (report: ChildReport) => process.send?.(report);

function settle(): { rss: number; heapUsed: number; arrayBuffers: number } {
  for (let round = 0; round < 3; round++) (globalThis as { gc?: () => void }).gc?.();
  const usage = process.memoryUsage();
  return { rss: usage.rss, heapUsed: usage.heapUsed, arrayBuffers: usage.arrayBuffers };
}

async function main(): Promise<void> {
  const [mode, ...rest] = process.argv.slice(2);
  if (mode === 'service') {
    // BENCH_STALLS=1: every turn of the event loop longer than 40 ms, on stderr (when the checkout stood still).
    if (process.env.BENCH_STALLS) {
      let last = performance.now();
      setInterval(() => {
        const now = performance.now();
        if (now - last > 40) console.error(`stall of ${Math.round(now - last)} ms at ${Math.round(now)} ms`);
        last = now;
      }, 5).unref();
    }
    const [configPath] = rest;
    const started = performance.now();
    const running = await runService({ configPath: configPath!, host: '127.0.0.1', port: 0 });
    await running.service.whenReady();
    const address = running.server.address() as { port: number };
    send({ kind: 'ready', port: address.port, readyMs: performance.now() - started, rss: settle().rss });
    process.on('message', (message: unknown) => {
      if (message === 'rss') send({ kind: 'rss', rss: settle().rss });
      if (message === 'stop') void running.shutdown('SIGTERM').then(() => process.exit(0));
    });
    return;
  }
  const skus = Number(rest[0] ?? 1_000_000);
  let held: unknown;
  if (mode === 'memory-object') {
    // Today's overlay shape: sku → currency → price, records without a prototype.
    const catalog = Object.create(null) as Record<string, Record<string, number>>;
    for (let index = 0; index < skus; index++) {
      const prices = Object.create(null) as Record<string, number>;
      prices.IDR = 50_000 + (index % 200) * 1_000;
      catalog[`SKU-${index}`] = prices;
    }
    held = catalog;
  } else if (mode === 'memory-table') {
    const builder = new CatalogTableBuilder(skus);
    for (let index = 0; index < skus; index++)
      builder.add(`SKU-${index}`, 'IDR', 50_000 + (index % 200) * 1_000);
    held = builder.build();
  }
  const tableBytes = held instanceof CatalogTable ? held.bytes : undefined;
  send({
    kind: 'memory',
    ...settle(),
    skus: held === undefined ? 0 : skus,
    ...(tableBytes === undefined ? {} : { tableBytes }),
  });
  process.exit(0);
}

void main().catch((error) => {
  console.error(error);
  process.exit(1);
});
