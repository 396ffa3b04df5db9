// src/config/service-workers.ts
// The worker count: `service.workers`, WORKERS and `serve --workers` read as a number of processes or "auto".

import { availableParallelism } from 'node:os';

/** Most worker processes `service.workers` may ask for. */
export const MAX_WORKERS = 256;

/** What a bad worker count is told. */
export const WORKERS_MESSAGE = `must be a whole number of processes from 1 to ${MAX_WORKERS}, or "auto" (one per CPU)`;

/**
 * Reads a worker count as written on the command line or in WORKERS: a whole number of processes, or "auto".
 * Returns undefined for anything else.
 */
export function parseWorkers(text: string): number | 'auto' | undefined {
  const value = text.trim();
  if (value === 'auto') return 'auto';
  if (!/^\d+$/.test(value)) return undefined;
  const count = Number(value);
  return count >= 1 && count <= MAX_WORKERS ? count : undefined;
}

/** The number of processes "auto" stands for: the CPUs this process may run on. */
export function autoWorkers(): number {
  return availableParallelism();
}

/** Why several workers need Redis. */
export const WORKERS_NEED_REDIS =
  'must be 1 without REDIS_URL: the embedded store lives in one process, so several workers would each hold a ' +
  'different queue and history; set REDIS_URL to run several';

/** The worker count for a wish (a number, "auto" or nothing): nothing means one per CPU with Redis, else 1. */
export function resolveWorkers(wanted: number | 'auto' | undefined, redisUrl: string | undefined): number {
  if (wanted === 'auto' || (wanted === undefined && redisUrl)) return autoWorkers();
  return wanted ?? 1;
}
