// tools/bench/fixtures.ts
// Shared benchmark fixtures: the 3-line order body, orders of n lines, and a private redis-server on a free port.

import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { OrderInput } from '../../src/core/order';
import type { PolicyInput } from '../../src/core/policy';

/** The voucher code every benchmark order carries (declared in the policy of the guard configurations). */
export const BENCH_VOUCHER = 'BENCH10';

/** The policy of the allowed configurations: the voucher the orders carry is declared, at a rate far above the load (a busy public code). */
export const BENCH_POLICY: PolicyInput = {
  vouchers: { [BENCH_VOUCHER]: { velocity: { expectedPerHour: 100_000_000 } } },
};

/**
 * Twenty custom rules a shop might write, 12 judged per order and 8 per line (the five of docs/policy.md and
 * others like them); none holds a benchmark order, so each runs to its end as on an ordinary order.
 */
export const BENCH_CUSTOM_RULES: NonNullable<PolicyInput['customRules']> = [
  ['order', '"NEW" in order.segments && order.codes.size() >= 2 && order.paymentMethod == "COD"'],
  [
    'order',
    'order.shippingDiscount > order.shipping || (order.shippingDiscount > 0 && order.subtotal < 50000)',
  ],
  ['order', 'order.units > 50'],
  ['order', 'order.total > 100000000'],
  ['order', 'order.discountBp > 8000 && order.listValue > 1000000'],
  ['order', 'order.vouchers.exists(v, v.discount > 1000000)'],
  ['order', 'order.lines.exists(l, l.quantity > 20)'],
  ['order', 'order.customerId == "" && order.total > 20000000'],
  ['order', 'order.paymentMethod.startsWith("CARD:") && order.codes.size() > 3'],
  ['order', 'order.expectedTotal != order.total && order.total < 1000'],
  ['order', 'order.lineCount > 30'],
  ['order', 'order.voucherDiscounts * 2 > order.subtotal'],
  ['line', 'line.category == "PHONES" && line.quantity > 3'],
  ['line', 'line.category == "GIFT_CARDS" && order.codes.size() > 0'],
  [
    'line',
    'line.category == "ELECTRONICS" && has(line.declaredPrice) && line.paid * 100 < line.declaredPrice * line.quantity * 30',
  ],
  ['line', 'line.quantity > 100'],
  ['line', 'line.discountBp > 9500'],
  ['line', 'line.unitPrice > 500000000'],
  ['line', 'has(line.recentMedian) && line.paidUnitPrice * 10 < line.recentMedian'],
  ['line', 'line.sku.startsWith("TEST-")'],
].map(([scope, when], index) => ({
  id: `bench_rule_${index + 1}`,
  scope: scope as 'order' | 'line',
  when: when!,
  message: `bench rule ${index + 1} on {order.orderId}`,
}));

/** SKUs the benchmark orders rotate through, so the guard keeps real price history. */
export const BENCH_SKUS = 200;

/** An order of `lines` lines (IDR, modest discounts) whose total adds up. */
export function benchOrder(orderId: string, lines: number, seed = 0): OrderInput {
  const items = Array.from({ length: lines }, (_, index) => {
    const n = lines > BENCH_SKUS ? index : (seed + index * 7) % BENCH_SKUS; // distinct SKUs in big orders
    const unitPrice = 50_000 + n * 1_000;
    return { sku: `SKU-${n}`, quantity: 1 + (index % 2), unitPrice, discount: (index % 3) * 5_000 };
  });
  const subtotal = items.reduce((sum, line) => sum + line.unitPrice * line.quantity - line.discount, 0);
  return {
    orderId,
    currency: 'IDR',
    customerId: `cust-${seed % 5000}`,
    paymentMethod: 'ewallet:gopay',
    lines: items,
    vouchers: [{ code: BENCH_VOUCHER, discount: 5_000 }],
    shipping: 15_000,
    total: subtotal - 5_000 + 15_000,
  };
}

/** The HTTP body template of the 3-line order: `prefix + uniqueOrderId + suffix`. */
export function bodyTemplate(): { prefix: string; suffix: string } {
  const json = JSON.stringify(benchOrder('@@ID@@', 3, 11));
  const [prefix, suffix] = json.split('@@ID@@') as [string, string];
  return { prefix, suffix };
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** A private redis-server (no persistence) that the benchmark owns and stops. */
export interface PrivateRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** Starts `redis-server` on a free port and waits until it answers. */
export async function startRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--loglevel',
      'warning',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    child.once('error', (error) => reject(new Error(`cannot start redis-server: ${error.message}`)));
    const started = Date.now();
    const probe = () => {
      const socket = require('node:net').connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.end();
        resolve();
      });
      socket.once('error', () => {
        if (Date.now() - started > 5000) reject(new Error(`redis-server did not listen on ${port}`));
        else setTimeout(probe, 50);
      });
    };
    probe();
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Percentile of sorted numbers (nearest rank). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Median of numbers. */
export function medianOf(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}
