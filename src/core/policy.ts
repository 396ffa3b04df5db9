// src/core/policy.ts
// The guard's policy (floors, caps, campaigns, exceptions, voucher terms): zod schema, defaults and resolution.
// Reading a policy file is an edge concern: src/config/policy-file.ts.

import { z } from 'zod';
import { isKnownCurrency } from './currencies';
import {
  canonicalIdentifier,
  IDENTIFIER_LIMITS,
  type IdentifierKind,
  identifierProblem,
} from './identifiers';
import { recordValues } from './known-keys';
import { type Problem, toProblems } from './problems';
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
/** An identifier of `kind`, checked and put in its canonical form exactly as the order parser does. */
const identifier = (kind: IdentifierKind, max = 128) =>
  z
    .string({ error: 'must be a string' })
    .max(max, { error: `must be at most ${max} characters` })
    .superRefine((value, context) => {
      const problem = identifierProblem(value, kind);
      if (problem !== undefined) context.addIssue({ code: 'custom', message: problem, input: value });
    })
    .transform((value) => canonicalIdentifier(value, kind))
    .refine((value) => value !== '', { error: 'must not be empty', abort: true });
/** SKUs, categories, payment methods, segments: compared case-insensitively. */
const name = identifier('name');
/** Voucher codes: compared case-insensitively and without spaces. */
const code = identifier('code', IDENTIFIER_LIMITS.code);
/** Customer ids: compared as given (trimmed). */
const opaque = identifier('opaque');
const list = <T extends z.ZodType>(item: T) =>
  z.array(item).min(1, { error: 'must list at least one value' });
const names = list(name);
const codes = list(code);

/**
 * A record keyed by identifiers of one kind (SKUs, categories, voucher codes), with keys in canonical form, built
 * without a prototype: a SKU named "constructor" or "__proto__" is an ordinary key (zod's own record would drop
 * "__proto__"), and a lookup of an absent name finds nothing instead of Object.prototype's members. Two keys that
 * are the same identifier once canonical (`tote` and `TOTE`) are refused rather than one silently winning.
 */
const keyedBy = <V extends z.ZodType>(kind: IdentifierKind, value: V, max = 128) =>
  z
    .custom<Record<string, z.input<V>>>(
      (input) => input !== null && typeof input === 'object' && !Array.isArray(input),
      {
        error: 'must be an object keyed by name',
      },
    )
    .transform((input, context) => {
      const out: Record<string, z.output<V>> = Object.create(null);
      const seen: Record<string, string> = Object.create(null);
      for (const key of Object.keys(input)) {
        const problem = key.length > max ? `must be at most ${max} characters` : identifierProblem(key, kind);
        const canonical = problem === undefined ? canonicalIdentifier(key, kind) : '';
        if (problem !== undefined || canonical === '') {
          context.addIssue({
            code: 'custom',
            path: [key],
            message: `is not a valid key: ${problem ?? 'must not be empty'}`,
          });
          continue;
        }
        if (seen[canonical] !== undefined) {
          context.addIssue({
            code: 'custom',
            path: [key],
            message: `names the same ${kind === 'code' ? 'code' : 'name'} as "${seen[canonical]}" (${canonical}; names are compared case-insensitively)`,
          });
          continue;
        }
        seen[canonical] = key;
        const parsed = value.safeParse((input as Record<string, unknown>)[key]);
        if (!parsed.success) {
          for (const issue of parsed.error.issues) {
            // The issue as zod raised it (an unknown key stays `unrecognized_keys`, for "did you mean").
            context.addIssue({ ...issue, path: [key, ...issue.path] });
          }
          continue;
        }
        out[canonical] = parsed.data;
      }
      return out;
    })
    .register(recordValues, { value });
/** A record keyed by currency codes, without a prototype. */
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
  customerIds: list(opaque).optional(),
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
        skus: keyedBy('name', basisPoints).prefault({}),
        categories: keyedBy('name', basisPoints).prefault({}),
      })
      .prefault({}),
    floors: keyedBy('name', perCurrency).prefault({}),
    /**
     * A line whose SKU has floors only in other currencies: `abstain` (the decision says it was not checked) or
     * `hold` it.
     */
    floorCoverage: z.enum(['abstain', 'hold'], { error: 'must be "abstain" or "hold"' }).default('abstain'),
    campaigns: z
      .array(
        z
          .strictObject({
            id: opaque,
            note: z.string().max(500).default(''),
            startsAt: timestamp,
            endsAt: timestamp,
            skus: names.optional(),
            categories: names.optional(),
            vouchers: codes.optional(),
            lineDiscountCapBp: basisPoints.optional(),
            floors: keyedBy('name', perCurrency).optional(),
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
            id: opaque,
            note: z.string().min(1, { error: 'must say why the exception exists' }).max(500),
            rules: z.array(ruleId).min(1, { error: 'must name the rules the exception lets orders through' }),
            vouchers: codes.optional(),
            customerIds: list(opaque).optional(),
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
    vouchers: keyedBy('code', voucher, IDENTIFIER_LIMITS.code).prefault({}),
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
