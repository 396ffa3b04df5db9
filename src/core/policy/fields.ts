// src/core/policy/fields.ts
// The field schemas every section of the policy is built from: amounts, basis points, identifiers, keyed records.

import { z } from 'zod';
import { isKnownCurrency } from '../currencies';
import {
  canonicalIdentifier,
  IDENTIFIER_LIMITS,
  type IdentifierKind,
  identifierProblem,
} from '../identifiers';
import { recordValues } from '../known-keys';
import { RULE_IDS } from '../types';

export const currency = z
  .string()
  .refine(isKnownCurrency, { error: 'must be a known ISO 4217 currency code such as "IDR" or "USD"' });
export const amount = z
  .number({ error: 'must be an integer amount in minor units' })
  .int({ error: 'must be an integer amount in minor units, not a fraction' })
  .min(0, { error: 'must not be negative' });
export const basisPoints = z
  .number({ error: 'must be a number of basis points (7000 = 70%)' })
  .int({ error: 'must be a whole number of basis points (7000 = 70%)' })
  .min(0, { error: 'must not be negative' })
  .max(10_000, { error: 'must be at most 10000 (100%)' });
export const count = z
  .number()
  .int({ error: 'must be a whole number' })
  .min(0, { error: 'must not be negative' });
export const seconds = z
  .number()
  .int({ error: 'must be a whole number of seconds' })
  .min(1, { error: 'must be at least 1' });
/** An identifier of `kind`, checked and put in its canonical form exactly as the order parser does. */
export const identifier = (kind: IdentifierKind, max = 128) =>
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
export const name = identifier('name');
/** Voucher codes: compared case-insensitively and without spaces. */
export const code = identifier('code', IDENTIFIER_LIMITS.code);
/** Customer ids: compared as given (trimmed). */
export const opaque = identifier('opaque');
export const list = <T extends z.ZodType>(item: T) =>
  z.array(item).min(1, { error: 'must list at least one value' });
export const names = list(name);
export const codes = list(code);

/**
 * A record keyed by identifiers of one kind (SKUs, categories, voucher codes), with keys in canonical form, built
 * without a prototype: a SKU named "constructor" or "__proto__" is an ordinary key (zod's own record would drop
 * "__proto__"), and a lookup of an absent name finds nothing instead of Object.prototype's members. Two keys that
 * are the same identifier once canonical (`tote` and `TOTE`) are refused rather than one silently winning.
 */
export const keyedBy = <V extends z.ZodType>(kind: IdentifierKind, value: V, max = 128) =>
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
export const record = <K extends z.core.$ZodRecordKey, V extends z.ZodType>(key: K, value: V) =>
  z.record(key, value).transform((entries) => Object.assign(Object.create(null), entries) as typeof entries);
export const perCurrency = record(currency, amount);
export const timestamp = z.iso
  .datetime({
    offset: true,
    error: 'must be an ISO 8601 timestamp with a time zone, e.g. 2026-11-11T00:00:00+07:00',
  })
  .transform((value) => Date.parse(value));
export const ruleId = z.enum(RULE_IDS, { error: `must be a rule id: one of ${RULE_IDS.join(', ')}` });
/** The shape of every rule id, built-in or custom: lower case letters, digits and underscores. */
export const RULE_ID_SHAPE = /^[a-z][a-z0-9_]{0,63}$/;
/**
 * A rule named by an exception: a built-in id or the id of one of the policy's `customRules` (the policy checks
 * that it names one).
 */
export const ruleName = z.string({ error: 'must be a rule id' }).regex(RULE_ID_SHAPE, {
  error: `must be a rule id: one of ${RULE_IDS.join(', ')} or a custom rule's id`,
});
export const mode = z.enum(['enforce', 'shadow'], { error: 'must be "enforce" or "shadow"' });
/** A ratio above 100% in basis points (20000 = 2×). */
export const factorBp = z
  .number({ error: 'must be a whole number of basis points (20000 = 2x)' })
  .int({ error: 'must be a whole number of basis points (20000 = 2x)' })
  .min(10_001, { error: 'must be above 10000 (1x)' })
  .max(10_000_000, { error: 'must be at most 10000000 (1000x)' });
