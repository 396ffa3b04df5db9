// src/core/option-fields.ts
// The option fields the code options and the service configuration share: each checked, and defaulted, once here.

import { z } from 'zod';
import { canonicalCode, identifierProblem } from './identifiers';
import { unknownKeyHints } from './known-keys';
import { positiveWhole } from './options';
import { DEFAULT_ORDER_LIMITS, type OrderLimits } from './order';
import { EVENT_TYPES } from './webhook-contract';

/** How long the guard waits for the store before deciding without it, in ms. Defaults to 200. */
export const storeTimeoutMs = positiveWhole('milliseconds').default(200);

/** The `Retry-After` of a 503, in seconds. Defaults to 2. */
export const retryAfterSeconds = positiveWhole('seconds').default(2);

/** `enforce` holds; `shadow` records and lets every order through. */
export const guardMode = z.enum(['enforce', 'shadow'], { error: 'must be "enforce" or "shadow"' });

/** Order limits as given (any of them), made whole with DEFAULT_ORDER_LIMITS. */
export const orderLimits = z
  .strictObject({
    maxLines: positiveWhole('lines').optional(),
    maxQuantity: positiveWhole('units').optional(),
    maxVouchers: positiveWhole('vouchers').optional(),
    strict: z.boolean({ error: 'must be true or false' }).optional(),
  })
  .optional()
  .transform((given): OrderLimits => {
    const limits = { ...DEFAULT_ORDER_LIMITS };
    for (const [key, value] of Object.entries(given ?? {})) {
      if (value !== undefined) (limits as Record<string, unknown>)[key] = value;
    }
    return limits;
  });

/** What a review token's hash must be. */
const SHA256_MESSAGE =
  'must be 64 hex digits: the SHA-256 of the token (hashToken(token), or printf %s "$TOKEN" | sha256sum)';

/** One review token as configured: a name for the audit trail, a role, and only the SHA-256 of the token. */
export const reviewToken = z
  .strictObject({
    name: z
      .string({
        error: 'must be 1-64 letters, digits, ".", "_", "@" or "-" (it is written to the audit trail)',
      })
      .regex(/^[A-Za-z0-9._@-]{1,64}$/, {
        error: 'must be 1-64 letters, digits, ".", "_", "@" or "-" (it is written to the audit trail)',
      }),
    role: z.enum(['viewer', 'reviewer', 'admin'], { error: 'must be "viewer", "reviewer" or "admin"' }),
    sha256: z.string({ error: SHA256_MESSAGE }).regex(/^[0-9a-f]{64}$/i, { error: SHA256_MESSAGE }),
  })
  .register(unknownKeyHints, { token: 'configure the sha256 of the token, never the token itself' });

/** Review tokens: each name and each hash once (a name is the audit actor; a hash must say who is who). */
export const reviewTokens = z
  .array(reviewToken, { error: 'must be a list of { name, role, sha256 }' })
  .superRefine((tokens, context) => {
    const names = new Set<string>();
    const hashes = new Set<string>();
    tokens.forEach((token, index) => {
      if (names.has(token.name)) {
        context.addIssue({
          code: 'custom',
          path: [index, 'name'],
          message: `"${token.name}" is used by two tokens`,
        });
      }
      if (hashes.has(token.sha256.toLowerCase())) {
        context.addIssue({ code: 'custom', path: [index, 'sha256'], message: 'is used by two tokens' });
      }
      names.add(token.name);
      hashes.add(token.sha256.toLowerCase());
    });
  });

/**
 * The fields of the one rate-limit budget the review and admin APIs draw from: requests per token name (per client
 * address before authentication) per window. Defaults to 600 a minute, stated here only.
 */
export const rateLimitFields = {
  windowMs: positiveWhole('milliseconds').default(60_000),
  limit: positiveWhole('requests').default(600),
};

/** What a bad rate-limit option is told. */
export const RATE_LIMIT_MESSAGE = 'must be { windowMs, limit } or false (to leave rate limiting to a proxy)';

/** The rate-limit budget as the service configuration takes it: `{ windowMs, limit }`, or false for none. */
export const rateLimit = z
  .union([z.literal(false), z.strictObject(rateLimitFields)], { error: RATE_LIMIT_MESSAGE })
  .prefault({});

/** A webhook receiver's URL: http or https only (no file:, data: or other schemes), each endpoint once. */
export const webhookUrl = z.string({ error: 'must be an http(s) URL' }).refine(
  (value) => {
    try {
      return ['http:', 'https:'].includes(new URL(value).protocol);
    } catch {
      return false;
    }
  },
  { error: 'must be an http(s) URL' },
);

/** The event types an endpoint subscribes to. */
export const webhookEvents = z
  .array(z.enum(EVENT_TYPES, { error: `must be one of ${EVENT_TYPES.join(', ')}` }), {
    error: `must be a list of ${EVENT_TYPES.join(', ')}`,
  })
  .min(1, { error: `must name at least one of ${EVENT_TYPES.join(', ')}` })
  .transform((events) => [...new Set(events)]);

/** Refuses a list of endpoints that names one URL twice (each would get every event twice). */
export function distinctUrls(endpoints: ReadonlyArray<{ url: string }>, context: z.RefinementCtx): void {
  const seen = new Set<string>();
  endpoints.forEach(({ url }, index) => {
    if (seen.has(url)) {
      context.addIssue({
        code: 'custom',
        path: [index, 'url'],
        message: 'repeats an earlier endpoint: list each URL once',
      });
    }
    seen.add(url);
  });
}

/** The IANA name of a time zone the runtime knows, as it spells it, or undefined. */
function knownTimeZone(value: string): string | undefined {
  if (value === '' || value.length > 64) return undefined;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/** The shop's time zone for the review page (an IANA name such as `Asia/Jakarta`). Defaults to `UTC`. */
export const timeZone = z
  .string({ error: 'must be an IANA time zone name such as "Asia/Jakarta" or "UTC"' })
  .refine((value) => knownTimeZone(value) !== undefined, {
    error: 'must be an IANA time zone name such as "Asia/Jakarta" or "UTC"',
  })
  .transform((value) => knownTimeZone(value)!)
  .default('UTC');

/** The value every voucher code without a series of its own is counted under. */
export const OTHER_VOUCHER_LABEL = 'other';

/** The longest voucher code accepted as a label value. */
const MAX_VOUCHER_LABEL = 64;

/** Voucher codes that get their own metrics series, in canonical form, each once. */
export const voucherLabels = z
  .array(
    z
      .string({ error: `must be a voucher code of 1 to ${MAX_VOUCHER_LABEL} characters` })
      .min(1, { error: `must be a voucher code of 1 to ${MAX_VOUCHER_LABEL} characters` })
      .max(MAX_VOUCHER_LABEL, { error: `must be a voucher code of 1 to ${MAX_VOUCHER_LABEL} characters` })
      .superRefine((code, context) => {
        if (code === OTHER_VOUCHER_LABEL) {
          context.addIssue({
            code: 'custom',
            message: `is "${OTHER_VOUCHER_LABEL}", the value every unlisted code is counted under; remove it`,
          });
          return;
        }
        const problem = identifierProblem(code);
        if (problem !== undefined) context.addIssue({ code: 'custom', message: problem });
      }),
    { error: 'must be an array of voucher codes' },
  )
  .transform((codes) => [...new Set(codes.map(canonicalCode))]);
