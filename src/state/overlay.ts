// src/state/overlay.ts
// Runtime floors, caps, rules and the uploaded catalog (in versions) set through the admin API: the port, the checks,
// the merge over the file policy, and the stored form both overlay stores share (memory/overlay.ts, redis/overlay.ts).

import { setImmediate as nextTurn } from 'node:timers/promises';
import { CatalogTable, CatalogTableBuilder } from '../core/catalog-table';
import { CURRENCY_EXPONENTS, isKnownCurrency } from '../core/currencies';
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
export function fromEntries(entries: Iterable<[string, number]>): { overlay: Overlay; rejected: string[] } {
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

export const floorField = (sku: string, currency: string) => JSON.stringify(['floor', sku, currency]);
export const catalogField = (sku: string, currency: string) => JSON.stringify([sku, currency]);

/**
 * A stored catalog field whose SKU needs no JSON unescaping: `["SKU","IDR"]` (a control character, which JSON
 * escapes, is refused by validateCatalogEntry either way).
 */
const PLAIN_FIELD = /^\["([^"\\]*)","([A-Z]{3})"\]$/;

/** Adds one stored catalog field (`["SKU","CUR"]` → price) to a table; a bad one goes to `rejected`. */
export function addCatalogField(
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
export const CATALOG_BATCH = 2_000;
/**
 * Fields one HSCAN of the catalog asks for: a few milliseconds of Redis and of this process each, and few enough
 * round trips that a million rows load in seconds.
 */
export const CATALOG_READ_BATCH = 5_000;

/** A catalog from stored fields, built in batches with a turn of the event loop between them. */
export async function tableOf(entries: Iterable<[string, number]>, size: number, rejected: string[]) {
  const builder = new CatalogTableBuilder(size);
  let count = 0;
  for (const [field, value] of entries) {
    addCatalogField(builder, field, value, rejected);
    if (++count % (CATALOG_BATCH * 5) === 0) await nextTurn();
  }
  return builder.build();
}

/** The fields that hold a SKU's list price in every known currency (a removal names them all). */
export function catalogFieldsOf(sku: string): string[] {
  return Object.keys(CURRENCY_EXPONENTS).map((currency) => catalogField(sku, currency));
}

export const capField = (sku: string) => JSON.stringify(['cap', sku]);

/** Adds stored custom rules (id → JSON) to an overlay, each checked and compiled again; bad ones go to `rejected`. */
export function addRules(overlay: Overlay, entries: Iterable<[string, string]>, rejected: string[]): void {
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
