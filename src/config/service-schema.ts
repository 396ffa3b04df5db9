// src/config/service-schema.ts
// The zod schema of the service's configuration file: the service, review and metrics sections.

import { isIP } from 'node:net';
import { z } from 'zod';
import { isKnownCurrency } from '../core/currencies';
import {
  distinctUrls,
  guardMode,
  orderLimits,
  rateLimit,
  retryAfterSeconds,
  reviewTokens,
  storeTimeoutMs,
  timeZone,
  voucherLabels,
  webhookEvents,
  webhookUrl,
} from '../core/option-fields';
import { positiveWhole } from '../core/options';
import { parseWithin, WITHIN_MESSAGE } from '../core/preflight/within';
import { MAX_WORKERS, WORKERS_MESSAGE } from './service-workers';

const bodyLimit = z.union([
  positiveWhole('bytes'),
  z
    .string()
    .regex(/^\d+(b|kb|mb)$/i, { error: 'must be a size such as "256kb" or "1mb", or a number of bytes' }),
]);

/** The address the service listens on: an IP address (`0.0.0.0` for every interface) or a host name. */
export function isListenHost(value: string): boolean {
  return (
    isIP(value) !== 0 ||
    /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(
      value,
    )
  );
}

/** What a bad listen address is told. */
export const HOST_MESSAGE =
  'must be an IP address or a host name, e.g. "127.0.0.1" or "0.0.0.0" (every interface)';
const workersValue = z.union([z.number().int().min(1).max(MAX_WORKERS), z.literal('auto')], {
  error: WORKERS_MESSAGE,
});

/** The service's own preflight of the policy in force, run in the background. */
const preflightSection = z.strictObject({
  /** Run it at start, after every change of the policy in force, and every hour. Defaults to true. */
  enabled: z.boolean({ error: 'must be true or false' }).default(true),
  /** How far ahead it judges campaign and voucher starts, campaign ends and price changes, as `preflight --within` takes it. Defaults to "7d". */
  within: z
    .string({ error: WITHIN_MESSAGE })
    .refine((text) => parseWithin(text) !== undefined, { error: WITHIN_MESSAGE })
    .default('7d'),
});

const serviceSection = z.strictObject({
  /** Overridden by the HOST environment variable and `serve --host`. */
  host: z.string({ error: HOST_MESSAGE }).refine(isListenHost, { error: HOST_MESSAGE }).optional(),
  /** Overridden by the PORT environment variable and `serve --port`. */
  port: z
    .number({ error: 'must be a TCP port number (0-65535)' })
    .int({ error: 'must be a TCP port number (0-65535)' })
    .min(0, { error: 'must be a TCP port number (0-65535)' })
    .max(65_535, { error: 'must be a TCP port number (0-65535)' })
    .optional(),
  /**
   * Processes serving the port (node:cluster), each judging orders on the shared Redis state: a number, or "auto"
   * for one per CPU. Overridden by WORKERS and `serve --workers`. Defaults to "auto" with REDIS_URL, else 1.
   */
  workers: workersValue.optional(),
  bodyLimit: bodyLimit.default('256kb'),
  // The guard's and the middleware's own fields, with their one default each: what passes here passes there.
  storeTimeoutMs,
  mode: guardMode.optional(),
  limits: orderLimits,
  retryAfterSeconds,
  shutdownTimeoutMs: positiveWhole('milliseconds').default(10_000),
  overlayRefreshMs: positiveWhole('milliseconds').default(2_000),
  /**
   * The one rate-limit budget of the review and admin APIs together (the review router's own field and default):
   * requests per token name, or per client address before authentication, per window; false leaves it to a proxy.
   */
  rateLimit,
  watchConfig: z.boolean({ error: 'must be true or false' }).default(false),
  preflight: preflightSection.prefault({}),
  logLevel: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      error: 'must be one of fatal, error, warn, info, debug, trace, silent',
    })
    .default('info'),
});

const reviewSection = z.strictObject({
  // The review router's token check, duplicates included.
  tokens: reviewTokens.default(() => []),
  /** The shop's time zone, in which the review page shows every time (an IANA name). Defaults to UTC. */
  timeZone,
  webhooks: z
    .array(
      z.strictObject({
        // The delivery worker's URL and event checks: an http(s) URL, each once.
        url: webhookUrl,
        /** The signing secret (`whsec_` + base64, Standard Webhooks); prefer secretEnv so the file holds no secret. */
        secret: z.string({ error: 'must be a string' }).optional(),
        /** Name of the environment variable holding the signing secret. */
        secretEnv: z
          .string()
          .regex(/^[A-Z_][A-Z0-9_]*$/, { error: 'must be an environment variable name' })
          .optional(),
        /** Event types it receives. Defaults to order.released and order.cancelled. */
        events: webhookEvents.optional(),
      }),
    )
    .superRefine(distinctUrls)
    .default(() => []),
});

const metricsSection = z.strictObject({
  defaultMetrics: z.boolean({ error: 'must be true or false' }).default(true),
  voucherLabels: voucherLabels.default(() => []),
});

/** The configuration file's schema. The `policy` section is the policy schema of src/policy.ts, unchanged. */
export const configSchema = z.strictObject({
  policy: z.unknown().optional(),
  /**
   * Say `true` to apply a file whose policy is empty while the running one is not (a reload that would drop every
   * floor, cap, campaign and voucher term is refused otherwise).
   */
  confirmEmpty: z.boolean({ error: 'must be true or false' }).optional(),
  /**
   * Say `true` to apply a file that removes more than half of the running policy's floors, caps, campaigns,
   * voucher terms, exceptions, custom rules and catalog entries (such a reload is refused otherwise).
   */
  confirmRemovals: z.boolean({ error: 'must be true or false' }).optional(),
  /**
   * The unit of each listed currency's amounts, when it is not the guard's default (IDR whole rupiah, USD cents):
   * `{ IDR: { exponent: 2 } }` for a shop that sends IDR in sen. Read at start.
   */
  currencies: z
    .record(
      z.string().refine(isKnownCurrency, { error: 'must be a known ISO 4217 currency code such as "IDR"' }),
      z.strictObject({
        exponent: z
          .number({ error: 'must be a whole number from 0 to 4' })
          .int({ error: 'must be a whole number from 0 to 4' })
          .min(0, { error: 'must be a whole number from 0 to 4' })
          .max(4, { error: 'must be a whole number from 0 to 4' }),
      }),
      { error: 'must map currency codes to { exponent }, such as { IDR: { exponent: 2 } }' },
    )
    .default({}),
  service: serviceSection.prefault({}),
  review: reviewSection.prefault({}),
  metrics: metricsSection.prefault({}),
});

/** A review token as configured: the name is the audit actor, the SHA-256 is compared in constant time. */
export type TokenConfig = z.output<typeof reviewTokens>[number];
