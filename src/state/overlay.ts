// src/state/overlay.ts
// Runtime catalog floors and caps set through the admin API: kept in process or in a Redis hash, merged over the file policy.

import type { Cluster, Redis } from 'ioredis';
import { type Policy, PolicyError, parsePolicy } from '../core/policy';

/** Floors and SKU discount caps set at run time; they win over the file policy's entries for the same SKU. */
export interface Overlay {
  /** sku → currency → floor in minor units. */
  floors: Record<string, Record<string, number>>;
  /** sku → line discount cap in basis points. */
  caps: Record<string, number>;
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
  close(): Promise<void>;
}

/** An empty overlay. */
export function emptyOverlay(): Overlay {
  return { floors: {}, caps: {} };
}

/** Runs the policy schema on a one-entry policy and renames the problem paths to the request's fields. */
function validateWith<T>(
  source: string,
  build: () => T,
  rename: (path: string, message: string) => string,
): T {
  try {
    return build();
  } catch (error) {
    if (!(error instanceof PolicyError)) throw error;
    throw new PolicyError(
      error.problems.map((problem) => ({
        path: rename(problem.path, problem.message),
        message:
          problem.message === 'Invalid key in record'
            ? 'must be a known ISO 4217 currency code'
            : problem.message,
      })),
      source,
    );
  }
}

/** Validates one floor with the policy schema; throws a PolicyError naming the field (`currency` or `floor`). */
export function validateFloor(sku: string, currency: string, floor: unknown): number {
  return validateWith(
    `floor of ${sku}`,
    () => parsePolicy({ floors: { [sku]: { [currency]: floor } } }).floors[sku]![currency]!,
    (path, message) =>
      message === 'Invalid key in record' ? 'currency' : path.startsWith('floors.') ? 'floor' : 'sku',
  );
}

/** Validates one SKU cap with the policy schema; throws a PolicyError naming the field (`capBp`). */
export function validateCap(sku: string, capBp: unknown): number {
  return validateWith(
    `cap of ${sku}`,
    () => parsePolicy({ discountCaps: { skus: { [sku]: capBp } } }).discountCaps.skus[sku]!,
    (path) =>
      path.startsWith('discountCaps.skus.') && path.length > 'discountCaps.skus.'.length ? 'capBp' : 'sku',
  );
}

/** The file policy with the overlay merged over it: a new object; the inputs are not changed. */
export function applyOverlay(policy: Policy, overlay: Overlay): Policy {
  const floors: Policy['floors'] = { ...policy.floors };
  for (const [sku, byCurrency] of Object.entries(overlay.floors)) {
    floors[sku] = { ...(policy.floors[sku] ?? {}), ...byCurrency };
  }
  return {
    ...policy,
    floors,
    discountCaps: { ...policy.discountCaps, skus: { ...policy.discountCaps.skus, ...overlay.caps } },
  };
}

/** The overlay of a single process, for the embedded store. */
export class MemoryOverlayStore implements OverlayStore {
  readonly kind = 'memory';
  private overlay = emptyOverlay();

  async read(): Promise<Overlay> {
    return structuredClone(this.overlay);
  }
  async setFloor(sku: string, currency: string, floor: number): Promise<void> {
    this.overlay.floors[sku] = { ...(this.overlay.floors[sku] ?? {}), [currency]: floor };
  }
  async deleteFloor(sku: string, currency?: string): Promise<boolean> {
    const current = this.overlay.floors[sku];
    if (!current) return false;
    if (currency === undefined) {
      delete this.overlay.floors[sku];
      return true;
    }
    if (!(currency in current)) return false;
    delete current[currency];
    if (Object.keys(current).length === 0) delete this.overlay.floors[sku];
    return true;
  }
  async setCap(sku: string, capBp: number): Promise<void> {
    this.overlay.caps[sku] = capBp;
  }
  async deleteCap(sku: string): Promise<boolean> {
    if (!(sku in this.overlay.caps)) return false;
    delete this.overlay.caps[sku];
    return true;
  }
  async close(): Promise<void> {}
}

/**
 * The overlay in one Redis hash, `<prefix>:policy-overlay`, shared by every instance. Fields are JSON arrays
 * (`["floor", sku, currency]`, `["cap", sku]`) so SKUs may contain any character; values are integers.
 */
export class RedisOverlayStore implements OverlayStore {
  readonly kind = 'redis';
  readonly key: string;

  constructor(
    private readonly redis: Redis | Cluster,
    prefix: string,
    /** Whether close() should quit the connection (it does when the overlay opened it). */
    private readonly ownsConnection = true,
  ) {
    this.key = `${prefix}:policy-overlay`;
  }

  /** Reads the hash; entries that do not validate are skipped and returned in `rejected` for logging. */
  async readChecked(): Promise<{ overlay: Overlay; rejected: string[] }> {
    const fields = await this.redis.hgetall(this.key);
    const overlay = emptyOverlay();
    const rejected: string[] = [];
    for (const [field, raw] of Object.entries(fields)) {
      try {
        const key = JSON.parse(field) as unknown[];
        const value = Number(raw);
        if (key[0] === 'floor' && typeof key[1] === 'string' && typeof key[2] === 'string') {
          const floor = validateFloor(key[1], key[2], value);
          overlay.floors[key[1]] = { ...(overlay.floors[key[1]] ?? {}), [key[2]]: floor };
        } else if (key[0] === 'cap' && typeof key[1] === 'string') {
          overlay.caps[key[1]] = validateCap(key[1], value);
        } else {
          rejected.push(field);
        }
      } catch {
        rejected.push(field);
      }
    }
    return { overlay, rejected };
  }
  async read(): Promise<Overlay> {
    return (await this.readChecked()).overlay;
  }
  async setFloor(sku: string, currency: string, floor: number): Promise<void> {
    await this.redis.hset(this.key, JSON.stringify(['floor', sku, currency]), String(floor));
  }
  async deleteFloor(sku: string, currency?: string): Promise<boolean> {
    if (currency !== undefined) {
      return (await this.redis.hdel(this.key, JSON.stringify(['floor', sku, currency]))) > 0;
    }
    const fields = Object.keys(await this.redis.hgetall(this.key)).filter((field) => {
      const key = safeParse(field);
      return key?.[0] === 'floor' && key[1] === sku;
    });
    if (fields.length === 0) return false;
    return (await this.redis.hdel(this.key, ...fields)) > 0;
  }
  async setCap(sku: string, capBp: number): Promise<void> {
    await this.redis.hset(this.key, JSON.stringify(['cap', sku]), String(capBp));
  }
  async deleteCap(sku: string): Promise<boolean> {
    return (await this.redis.hdel(this.key, JSON.stringify(['cap', sku]))) > 0;
  }
  async close(): Promise<void> {
    if (this.ownsConnection) await this.redis.quit().catch(() => this.redis.disconnect());
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
