// src/core/policy.ts
// The guard's policy (floors, caps, campaigns, exceptions, voucher terms, catalog): schema, types and resolution.
// The sections are in ./policy/; reading a policy file is an edge concern (src/config/policy-file.ts).

import { z } from 'zod';
import type { CatalogTable } from './catalog-table';
import { IDENTIFIER_LIMITS } from './identifiers';
import { campaign, exception } from './policy/campaigns';
import { type CustomRule, customRules, ruleNameProblem } from './policy/custom-rules';
import { amount, basisPoints, keyedBy, mode, perCurrency, ruleId } from './policy/fields';
import {
  catalog,
  discountCaps,
  floorBp,
  floors,
  freeItems,
  history,
  priceChange,
  referencePrice,
} from './policy/prices';
import { unknownVouchers, velocity, voucher } from './policy/vouchers';
import { type Problem, toProblems } from './problems';
import type { Mode, RuleId } from './types';

/** Thrown when a policy (file or options) is invalid; `problems` names every bad field. */
export class PolicyError extends Error {
  readonly code = 'ERR_INVALID_POLICY';
  constructor(
    readonly problems: Problem[],
    readonly source = 'policy',
  ) {
    super(
      `invalid ${source}:\n${problems.map((problem) => `  - ${problem.path || '(root)'}: ${problem.message}`).join('\n')}`,
    );
    this.name = this.constructor.name;
  }
}

/** The policy schema: what a policy file and the `policy` option may contain. */
export const policySchema = z
  .strictObject({
    mode: mode.default('enforce'),
    rules: z
      .partialRecord(ruleId, z.strictObject({ enabled: z.boolean().optional(), mode: mode.optional() }))
      .default({}),
    nearZeroTotal: z
      .strictObject({ fractionBp: basisPoints.default(500), minTotal: perCurrency.prefault({}) })
      .prefault({}),
    totalMismatch: z.strictObject({ tolerance: amount.default(0) }).prefault({}),
    discountCaps: discountCaps.prefault({}),
    floors: floors.prefault({}),
    floorBp: floorBp.prefault({}),
    /**
     * A line whose SKU has absolute floors only in other currencies: `abstain` (the decision says it was not
     * checked) or `hold` it.
     */
    floorCoverage: z.enum(['abstain', 'hold'], { error: 'must be "abstain" or "hold"' }).default('abstain'),
    catalog: catalog.prefault({}),
    freeItems: freeItems.prefault({}),
    priceChanges: z.array(priceChange).default([]),
    referencePrice: referencePrice.prefault({}),
    campaigns: z.array(campaign).default([]),
    exceptions: z.array(exception).default([]),
    history: history.prefault({}),
    velocity: velocity.default({}),
    vouchers: keyedBy('code', voucher, IDENTIFIER_LIMITS.code).prefault({}),
    unknownVouchers: unknownVouchers.prefault({}),
    /** The shop's own rules: CEL expressions over the order or a line (docs/policy.md, "Custom rules"). */
    customRules: customRules.default([]),
  })
  .superRefine((policy, ctx) => {
    const customIds = policy.customRules.map((rule) => rule.id);
    policy.exceptions.forEach((exception, index) => {
      exception.rules.forEach((name, at) => {
        const problem = ruleNameProblem(name, customIds);
        if (problem !== undefined)
          ctx.addIssue({ code: 'custom', path: ['exceptions', index, 'rules', at], message: problem });
      });
    });
    for (const [list, items] of [
      ['exceptions', policy.exceptions],
      ['campaigns', policy.campaigns],
    ] as const) {
      items.forEach((item, index) => {
        if (items.findIndex((other) => other.id === item.id) !== index) {
          ctx.addIssue({ code: 'custom', path: [list, index, 'id'], message: `duplicate id "${item.id}"` });
        }
      });
    }
  });

export type { CustomRule, CustomRuleInput } from './policy/custom-rules';

/** A policy as written in a file or passed as an option (every field optional). */
export type PolicyInput = z.input<typeof policySchema>;
/**
 * A validated policy with defaults applied, and the catalog uploaded through the service's admin API when there
 * is one (never in a file).
 */
export type Policy = z.output<typeof policySchema> & {
  /** List prices uploaded at run time, a compact table; per SKU and currency they win over `catalog`. */
  uploadedCatalog?: CatalogTable;
};
/** Terms of one configured voucher. */
export type VoucherTerms = Policy['vouchers'][string];
/** One planned campaign. */
export type Campaign = Policy['campaigns'][number];
/** One scheduled list price change. */
export type PriceChange = Policy['priceChanges'][number];

/** Velocity settings after defaults. */
export interface VelocityPolicy {
  windows: readonly number[];
  windowSeconds: number;
  baselineSeconds: number;
  minRedemptions: number;
  surgeMultiplier: number;
  oneIn: number;
  priorPerHour: number;
  maxPerWindow: number | undefined;
  expectedPerHour: number | undefined;
  resumeAfterSeconds: number;
  sticky: boolean;
  scoped: boolean;
}

/** Defaults of the voucher velocity detector; docs/detection.md explains how they were chosen. */
export const DEFAULT_VELOCITY: VelocityPolicy = Object.freeze({
  windows: Object.freeze([60, 300, 900, 1800]),
  windowSeconds: 600,
  baselineSeconds: 86_400,
  minRedemptions: 5,
  surgeMultiplier: 5,
  oneIn: 1_000_000,
  priorPerHour: 12,
  maxPerWindow: undefined,
  expectedPerHour: undefined,
  resumeAfterSeconds: 1800,
  sticky: false,
  scoped: true,
});

const velocities = new WeakMap<Policy, Map<string, VelocityPolicy>>();

/** Velocity settings for one code: its own, over the policy's, over the defaults; computed once per policy. */
export function velocityFor(policy: Policy, code: string): VelocityPolicy {
  let cache = velocities.get(policy);
  if (cache === undefined) {
    cache = new Map();
    velocities.set(policy, cache);
  }
  let merged = cache.get(code);
  if (merged === undefined) {
    const own = policy.vouchers[code]?.velocity ?? {};
    const values: Record<string, unknown> = { ...DEFAULT_VELOCITY };
    for (const source of [policy.velocity, own]) {
      for (const [key, value] of Object.entries(source)) if (value !== undefined) values[key] = value;
    }
    merged = Object.freeze(values) as unknown as VelocityPolicy;
    cache.set(code, merged);
  }
  return merged;
}

/** A SKU's scheduled list price changes, oldest first, indexed once per policy. */
const changeIndex = new WeakMap<Policy, Map<string, PriceChange[]>>();

function changesOf(policy: Policy, sku: string): PriceChange[] | undefined {
  if (policy.priceChanges.length === 0) return undefined;
  let index = changeIndex.get(policy);
  if (index === undefined) {
    index = new Map();
    for (const change of [...policy.priceChanges].sort((a, b) => a.at - b.at)) {
      const list = index.get(change.sku) ?? [];
      list.push(change);
      index.set(change.sku, list);
    }
    changeIndex.set(policy, index);
  }
  return index.get(sku);
}

/** The latest scheduled change of `sku` in `currency` in force at `now`, if any. */
function changeInForce(policy: Policy, sku: string, currency: string, now: number): PriceChange | undefined {
  const changes = changesOf(policy, sku);
  if (changes === undefined) return undefined;
  let found: PriceChange | undefined;
  for (const change of changes) {
    if (change.at > now) break;
    if (change.listPrice[currency] !== undefined) found = change;
  }
  return found;
}

/**
 * The declared (reference) list price of a SKU at `now`: the latest price change in force, else the uploaded
 * catalog, else the policy's catalog.
 */
export function referenceListPrice(
  policy: Policy,
  sku: string,
  currency: string,
  now: number,
): number | undefined {
  return (
    changeInForce(policy, sku, currency, now)?.listPrice[currency] ??
    policy.uploadedCatalog?.listPrice(sku, currency) ??
    policy.catalog[sku]?.[currency]
  );
}

/** When a SKU's price history starts over: the last scheduled price change in force at `now`, if any. */
export function historySince(policy: Policy, sku: string, currency: string, now: number): number | undefined {
  return changeInForce(policy, sku, currency, now)?.at;
}

/** Validates a policy object; throws a PolicyError naming every bad field. */
export function parsePolicy(input: unknown, source = 'policy'): Policy {
  const result = policySchema.safeParse(input ?? {});
  if (!result.success)
    throw new PolicyError(toProblems(result.error.issues, { schema: policySchema }), source);
  return result.data;
}

/** Whether a rule runs, and in which mode, after the per-rule switches. */
export function ruleMode(policy: Policy, rule: RuleId): Mode | 'off' {
  const switches = policy.rules[rule];
  if (switches?.enabled === false) return 'off';
  return switches?.mode ?? policy.mode;
}

/** Whether a custom rule runs, and in which mode: its own `enabled` and `mode`, over the policy's mode. */
export function customRuleMode(policy: Policy, rule: CustomRule): Mode | 'off' {
  if (rule.enabled === false) return 'off';
  return rule.mode ?? policy.mode;
}
