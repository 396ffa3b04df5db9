// src/core/policy-diff.ts
// What a new policy adds, changes and removes against another, term by term (each named by its path in the file).

import type { Policy } from './policy';

/**
 * The kinds of term a policy holds. `settings` are the modes and thresholds every policy has (with defaults); the
 * others are the entries a file lists: floors, SKU and category caps, campaigns, each voucher code's terms,
 * exceptions, custom rules, and the catalog (list prices, scheduled price changes, free items).
 */
export const TERM_KINDS = [
  'floors',
  'caps',
  'campaigns',
  'voucher_terms',
  'exceptions',
  'custom_rules',
  'catalog',
  'settings',
] as const;

/** One kind of policy term. */
export type TermKind = (typeof TERM_KINDS)[number];

/** How a term differs between the running policy and the new one. */
export type TermChangeKind = 'added' | 'changed' | 'removed';

/** The three ways a term can differ, in the order they are reported. */
export const TERM_CHANGES: readonly TermChangeKind[] = Object.freeze([
  'added',
  'changed',
  'removed',
] as const);

/**
 * One term that differs: its path in the policy (`vouchers.BANKX100K.maxUsesPerCustomer`,
 * `floors.MJ-TOTE-TIGER.IDR`, `campaigns.flash-1111.endsAt`), its kind, and its value before and after (absent on
 * the side that does not have it). Lists are one term; timestamps are shown as ISO 8601 strings; a declared voucher
 * code is a term (`vouchers.WELCOME`, value `declared`) besides its own terms.
 */
export interface TermChange {
  term: string;
  kind: TermKind;
  change: TermChangeKind;
  before?: unknown;
  after?: unknown;
}

/** Added, changed and removed counts of one kind. */
export type TermCounts = Record<TermChangeKind, number>;

/** What a new policy adds, changes and removes against a running one. */
export interface PolicyTermsDiff {
  /** Terms of the new policy the running one does not have, in term order. */
  added: TermChange[];
  /** Terms both have with different values, in term order. */
  changed: TermChange[];
  /** Terms of the running policy the new one does not have, in term order. */
  removed: TermChange[];
  /** Per kind, how many terms were added, changed and removed (every kind present, 0 when untouched). */
  counts: Record<TermKind, TermCounts>;
  /** Terms of the running policy per kind (what the removals are measured against). */
  before: Record<TermKind, number>;
}

/** One term of a policy: its kind and value. */
export interface PolicyTerm {
  kind: TermKind;
  value: unknown;
}

/** Fields whose numbers are epoch milliseconds: shown as ISO 8601, as they are written in the file. */
const TIMESTAMP_FIELDS = new Set(['startsAt', 'endsAt', 'at']);

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** A path segment: a plain key as is, any other (a SKU with a dot, an empty key) quoted so paths stay distinct. */
function segment(key: string): string {
  return /^[A-Za-z0-9_\-:*@+/]+$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

function shown(field: string, value: unknown): unknown {
  if (TIMESTAMP_FIELDS.has(field) && typeof value === 'number' && Number.isFinite(value)) {
    return new Date(value).toISOString();
  }
  return value;
}

/**
 * Adds the leaves under `value` at `path`: nested objects are walked, lists and scalars are one term each. An
 * empty object is a term only when `keepEmpty` (an entry the file lists with nothing in it); an empty section with
 * defaults is not.
 */
function leaves(
  out: Map<string, PolicyTerm>,
  kind: TermKind,
  path: string,
  value: unknown,
  keepEmpty: boolean,
  field = '',
): void {
  if (value === undefined) return;
  if (isObject(value)) {
    const keys = Object.keys(value);
    if (keys.length === 0) {
      if (keepEmpty) out.set(path, { kind, value: {} });
      return;
    }
    for (const key of keys) leaves(out, kind, `${path}${segment(key)}`, value[key], false, key);
    return;
  }
  out.set(path, { kind, value: shown(field, value) });
}

/** Each entry of a keyed section (SKU, category, code) as the terms under it; an empty entry is a term. */
function entries(out: Map<string, PolicyTerm>, kind: TermKind, path: string, section: unknown): void {
  if (!isObject(section)) return;
  for (const key of Object.keys(section)) leaves(out, kind, `${path}${segment(key)}`, section[key], true);
}

/** Each item of a list keyed by `id` (campaigns, exceptions, custom rules) as the terms of its fields. */
function byId(
  out: Map<string, PolicyTerm>,
  kind: TermKind,
  path: string,
  items: readonly Record<string, unknown>[],
): void {
  for (const item of items) {
    const base = `${path}${segment(String(item.id))}`;
    for (const [key, value] of Object.entries(item)) {
      if (key !== 'id') leaves(out, kind, `${base}${segment(key)}`, value, false, key);
    }
  }
}

/** The sections walked entry by entry; every other field of a policy is a setting. */
const LISTED_SECTIONS: ReadonlySet<string> = new Set([
  'floors',
  'floorBp',
  'discountCaps',
  'campaigns',
  'vouchers',
  'exceptions',
  'customRules',
  'catalog',
  'priceChanges',
  'freeItems',
]);

/**
 * Every term of a policy by its path, in a stable order: what a diff compares, and what the "most terms" of a
 * reload are counted against.
 */
export function policyTerms(policy: Policy): Map<string, PolicyTerm> {
  const out = new Map<string, PolicyTerm>();
  entries(out, 'floors', 'floors', policy.floors);
  if (policy.floorBp.all !== undefined) out.set('floorBp.all', { kind: 'floors', value: policy.floorBp.all });
  entries(out, 'floors', 'floorBp.categories', policy.floorBp.categories);
  entries(out, 'floors', 'floorBp.skus', policy.floorBp.skus);
  entries(out, 'caps', 'discountCaps.categories', policy.discountCaps.categories);
  entries(out, 'caps', 'discountCaps.skus', policy.discountCaps.skus);
  byId(out, 'campaigns', 'campaigns', policy.campaigns as unknown as Record<string, unknown>[]);
  // A declared code is a term of its own (it is tracked and counted from the first use), then each of its terms.
  for (const [code, terms] of Object.entries(policy.vouchers)) {
    const path = `vouchers${segment(code)}`;
    out.set(path, { kind: 'voucher_terms', value: 'declared' });
    leaves(out, 'voucher_terms', path, terms, false);
  }
  byId(out, 'exceptions', 'exceptions', policy.exceptions as unknown as Record<string, unknown>[]);
  byId(out, 'custom_rules', 'customRules', policy.customRules as unknown as Record<string, unknown>[]);
  entries(out, 'catalog', 'catalog', policy.catalog);
  for (const change of policy.priceChanges) {
    const base = `priceChanges${segment(`${change.sku}@${new Date(change.at).toISOString()}`)}`;
    leaves(out, 'catalog', `${base}.listPrice`, change.listPrice, true, 'listPrice');
    if (change.note !== undefined) out.set(`${base}.note`, { kind: 'catalog', value: change.note });
  }
  entries(out, 'catalog', 'freeItems', policy.freeItems);
  // The modes and thresholds: every other field, walked as it is, and the order-wide caps.
  for (const [key, value] of Object.entries(policy)) {
    if (!LISTED_SECTIONS.has(key)) leaves(out, 'settings', key, value, false, key);
  }
  for (const key of ['lineBp', 'orderBp', 'orderListBp'] as const) {
    out.set(`discountCaps.${key}`, { kind: 'settings', value: policy.discountCaps[key] });
  }
  return out;
}

/** Counts of every kind at 0. */
function zeroCounts(): Record<TermKind, TermCounts> {
  return Object.fromEntries(TERM_KINDS.map((kind) => [kind, { added: 0, changed: 0, removed: 0 }])) as Record<
    TermKind,
    TermCounts
  >;
}

const same = (a: unknown, b: unknown) => a === b || JSON.stringify(a) === JSON.stringify(b);

/** What `next` adds, changes and removes against `running`, term by term. Pure; neither policy is changed. */
export function diffPolicies(running: Policy, next: Policy): PolicyTermsDiff {
  const before = policyTerms(running);
  const after = policyTerms(next);
  const diff: PolicyTermsDiff = {
    added: [],
    changed: [],
    removed: [],
    counts: zeroCounts(),
    before: Object.fromEntries(TERM_KINDS.map((kind) => [kind, 0])) as Record<TermKind, number>,
  };
  for (const [term, old] of before) {
    diff.before[old.kind]++;
    const now = after.get(term);
    if (now === undefined) {
      diff.removed.push({ term, kind: old.kind, change: 'removed', before: old.value });
      diff.counts[old.kind].removed++;
    } else if (!same(old.value, now.value)) {
      diff.changed.push({ term, kind: now.kind, change: 'changed', before: old.value, after: now.value });
      diff.counts[now.kind].changed++;
    }
  }
  for (const [term, now] of after) {
    if (before.has(term)) continue;
    diff.added.push({ term, kind: now.kind, change: 'added', after: now.value });
    diff.counts[now.kind].added++;
  }
  return diff;
}

/** True when the diff adds, changes and removes nothing. */
export function isEmptyDiff(diff: PolicyTermsDiff): boolean {
  return diff.added.length + diff.changed.length + diff.removed.length === 0;
}

/**
 * The listed terms a reload removes and the listed terms the running policy has (every kind but `settings`, which
 * always exist with their defaults and are changed, not dropped, by a file).
 */
export function listedRemovals(diff: PolicyTermsDiff): { removed: number; running: number } {
  let removed = 0;
  let running = 0;
  for (const kind of TERM_KINDS) {
    if (kind === 'settings') continue;
    removed += diff.counts[kind].removed;
    running += diff.before[kind];
  }
  return { removed, running };
}

/**
 * True when a new policy removes most of the running one: more than half of the running policy's listed terms
 * (floors, caps, campaigns, voucher terms, exceptions, custom rules, catalog entries). A reload that does this is
 * refused unless the file says `confirmRemovals: true`.
 */
export function removesMost(diff: PolicyTermsDiff): boolean {
  const { removed, running } = listedRemovals(diff);
  return removed * 2 > running;
}

/** A value as one line shows it: JSON, cut at 120 characters. */
function oneLine(value: unknown): string {
  const json = JSON.stringify(value) ?? String(value);
  return json.length <= 120 ? json : `${json.slice(0, 117)}...`;
}

/** One term change as a line: `removed vouchers.BANKX100K.maxUsesPerCustomer (was 1)`. */
export function formatTermChange(change: TermChange): string {
  if (change.change === 'added') return `added ${change.term}: ${oneLine(change.after)}`;
  if (change.change === 'removed') return `removed ${change.term} (was ${oneLine(change.before)})`;
  return `changed ${change.term}: ${oneLine(change.before)} -> ${oneLine(change.after)}`;
}
