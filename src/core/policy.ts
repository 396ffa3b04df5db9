// src/core/policy.ts
// The guard's policy (floors, caps, campaigns, exceptions, voucher terms): zod schema, defaults and resolution.
// Reading a policy file is an edge concern: src/config/policy-file.ts.

import { z } from 'zod';
import { isKnownCurrency } from './currencies';
import { type Problem, toProblems } from './order';
import { type Mode, RULE_IDS, type RuleId } from './types';

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

const currency = z
  .string()
  .refine(isKnownCurrency, { error: 'must be a known ISO 4217 currency code such as "IDR" or "USD"' });
const amount = z
  .number({ error: 'must be an integer amount in minor units' })
  .int({ error: 'must be an integer amount in minor units, not a fraction' })
  .min(0, { error: 'must not be negative' });
const basisPoints = z
  .number({ error: 'must be a number of basis points (7000 = 70%)' })
  .int({ error: 'must be a whole number of basis points (7000 = 70%)' })
  .min(0, { error: 'must not be negative' })
  .max(10_000, { error: 'must be at most 10000 (100%)' });
const count = z.number().int({ error: 'must be a whole number' }).min(0, { error: 'must not be negative' });
const seconds = z
  .number()
  .int({ error: 'must be a whole number of seconds' })
  .min(1, { error: 'must be at least 1' });
const name = z.string().min(1, { error: 'must not be empty' }).max(128);
const names = z.array(name).min(1, { error: 'must list at least one value' });
/**
 * A record keyed by shopper-controlled strings (SKUs, voucher codes, categories). Built without a prototype, so a
 * SKU named "toString" or "__proto__" finds nothing instead of Object.prototype's members.
 */
const record = <K extends z.core.$ZodRecordKey, V extends z.ZodType>(key: K, value: V) =>
  z.record(key, value).transform((entries) => Object.assign(Object.create(null), entries) as typeof entries);
const perCurrency = record(currency, amount);
const timestamp = z.iso
  .datetime({
    offset: true,
    error: 'must be an ISO 8601 timestamp with a time zone, e.g. 2026-11-11T00:00:00+07:00',
  })
  .transform((value) => Date.parse(value));
const ruleId = z.enum(RULE_IDS, { error: `must be a rule id: one of ${RULE_IDS.join(', ')}` });
const mode = z.enum(['enforce', 'shadow'], { error: 'must be "enforce" or "shadow"' });

const velocity = z.strictObject({
  windowSeconds: seconds.optional(),
  baselineSeconds: seconds.optional(),
  minRedemptions: count.optional(),
  surgeMultiplier: z.number().int().min(1, { error: 'must be at least 1' }).optional(),
  maxPerWindow: count.optional(),
  expectedPerHour: count.optional(),
});

const voucher = z.strictObject({
  paymentMethods: names.optional(),
  customerSegments: names.optional(),
  customerIds: names.optional(),
  minSubtotal: perCurrency.optional(),
  maxUses: count.optional(),
  maxUsesPerCustomer: count.optional(),
  budget: perCurrency.optional(),
  budgetWindowSeconds: seconds.optional(),
  velocity: velocity.optional(),
  note: z.string().max(500).optional(),
});

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
    discountCaps: z
      .strictObject({
        lineBp: basisPoints.default(9000),
        orderBp: basisPoints.default(9000),
        skus: record(name, basisPoints).prefault({}),
        categories: record(name, basisPoints).prefault({}),
      })
      .prefault({}),
    floors: record(name, perCurrency).prefault({}),
    campaigns: z
      .array(
        z
          .strictObject({
            id: name,
            note: z.string().max(500).default(''),
            startsAt: timestamp,
            endsAt: timestamp,
            skus: names.optional(),
            categories: names.optional(),
            vouchers: names.optional(),
            lineDiscountCapBp: basisPoints.optional(),
            floors: record(name, perCurrency).optional(),
          })
          .refine((value) => value.endsAt > value.startsAt, {
            error: 'endsAt must be after startsAt',
            path: ['endsAt'],
          })
          .refine((value) => value.skus || value.categories || value.vouchers, {
            error: 'a campaign must name the skus, categories or vouchers it covers',
            path: ['skus'],
          }),
      )
      .default([]),
    exceptions: z
      .array(
        z
          .strictObject({
            id: name,
            note: z.string().min(1, { error: 'must say why the exception exists' }).max(500),
            rules: z.array(ruleId).min(1, { error: 'must name the rules the exception lets orders through' }),
            vouchers: names.optional(),
            customerIds: names.optional(),
            paymentMethods: names.optional(),
            skus: names.optional(),
            startsAt: timestamp.optional(),
            endsAt: timestamp.optional(),
          })
          .refine((value) => value.vouchers || value.customerIds || value.paymentMethods || value.skus, {
            error: 'an exception must match on vouchers, customerIds, paymentMethods or skus',
            path: ['vouchers'],
          })
          .refine((value) => !(value.startsAt && value.endsAt) || value.endsAt > value.startsAt, {
            error: 'endsAt must be after startsAt',
            path: ['endsAt'],
          }),
      )
      .default([]),
    history: z
      .strictObject({
        minSamples: z.number().int().min(1).default(20),
        ratioBp: basisPoints.default(5000),
        maxSamples: z.number().int().min(3).max(1000).default(101),
        ttlSeconds: seconds.default(14 * 86_400),
      })
      .prefault({}),
    velocity: velocity.default({}),
    vouchers: record(name, voucher).prefault({}),
    unknownVouchers: z
      .strictObject({
        track: z.boolean().default(true),
        admitAfter: z.number().int().min(1).default(3),
        maxTracked: z.number().int().min(1).default(10_000),
      })
      .prefault({}),
  })
  .superRefine((policy, ctx) => {
    for (const [index, exception] of policy.exceptions.entries()) {
      if (policy.exceptions.findIndex((other) => other.id === exception.id) !== index) {
        ctx.addIssue({
          code: 'custom',
          path: ['exceptions', index, 'id'],
          message: `duplicate id "${exception.id}"`,
        });
      }
    }
    for (const [index, campaign] of policy.campaigns.entries()) {
      if (policy.campaigns.findIndex((other) => other.id === campaign.id) !== index) {
        ctx.addIssue({
          code: 'custom',
          path: ['campaigns', index, 'id'],
          message: `duplicate id "${campaign.id}"`,
        });
      }
    }
  });

/** A policy as written in a file or passed as an option (every field optional). */
export type PolicyInput = z.input<typeof policySchema>;
/** A validated policy with defaults applied. */
export type Policy = z.output<typeof policySchema>;
/** Terms of one configured voucher. */
export type VoucherTerms = Policy['vouchers'][string];
/** One planned campaign. */
export type Campaign = Policy['campaigns'][number];

/** Velocity settings after defaults. */
export interface VelocityPolicy {
  windowSeconds: number;
  baselineSeconds: number;
  minRedemptions: number;
  surgeMultiplier: number;
  maxPerWindow: number | undefined;
  expectedPerHour: number | undefined;
}

/** Defaults of the voucher velocity detector; see the README for how they were chosen. */
export const DEFAULT_VELOCITY: VelocityPolicy = Object.freeze({
  windowSeconds: 600,
  baselineSeconds: 86_400,
  minRedemptions: 20,
  surgeMultiplier: 20,
  maxPerWindow: undefined,
  expectedPerHour: undefined,
});

/** Velocity settings for one code: its own, over the policy's, over the defaults. */
export function velocityFor(policy: Policy, code: string): VelocityPolicy {
  const own = policy.vouchers[code]?.velocity ?? {};
  const merged: VelocityPolicy = { ...DEFAULT_VELOCITY };
  for (const source of [policy.velocity, own]) {
    for (const [key, value] of Object.entries(source)) {
      if (value !== undefined) (merged as unknown as Record<string, number>)[key] = value;
    }
  }
  return merged;
}

/** Validates a policy object; throws a PolicyError naming every bad field. */
export function parsePolicy(input: unknown, source = 'policy'): Policy {
  const result = policySchema.safeParse(input ?? {});
  if (!result.success) throw new PolicyError(toProblems(result.error.issues), source);
  return result.data;
}

/** Whether a rule runs, and in which mode, after the per-rule switches. */
export function ruleMode(policy: Policy, rule: RuleId): Mode | 'off' {
  const switches = policy.rules[rule];
  if (switches?.enabled === false) return 'off';
  return switches?.mode ?? policy.mode;
}
