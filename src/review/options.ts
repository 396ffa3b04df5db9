// src/review/options.ts
// The review router's options: one schema with their defaults and checks, run once at construction.

import { z } from 'zod';
import { RATE_LIMIT_MESSAGE, rateLimitFields, reviewTokens, timeZone } from '../core/option-fields';
import {
  conflict,
  functionOption,
  loggerOption,
  type OptionProblem,
  OptionsProblemError,
  parseOptions,
  positiveWhole,
  withMethods,
} from '../core/options';
import type { Logger } from '../ports/logger';
import type { GuardMetrics } from '../ports/metrics';
import type { GuardStore } from '../ports/store';
import { ReviewEvents } from '../webhooks/delivery';
import { type ReviewToken, TokenRegistry } from './auth';
import {
  isRateLimitBudget,
  limiterFor,
  type RateLimitBudget,
  type ReviewRateLimitOptions,
} from './rate-limit';

/** Options of `reviewRouter()`. */
export interface ReviewRouterOptions {
  /** The store the guard holds orders in (the same instance the middleware uses). Required. */
  store: GuardStore;
  /** Bearer tokens, hashed (see `hashToken`). Required, at least one. */
  tokens: ReviewToken[];
  /** Where in-process `released` / `cancelled` events are emitted. Defaults to a new ReviewEvents (`router.events`). */
  events?: ReviewEvents;
  /**
   * API rate limit per token (per IP before authentication): its options, a budget shared with other routers
   * (`rateLimitBudget()`), or `false` to leave it to a proxy. Defaults to 600 per minute.
   */
  rateLimit?: ReviewRateLimitOptions | RateLimitBudget | false;
  /** Origins besides the router's own that may send state-changing requests. Defaults to none. */
  allowedOrigins?: string[];
  /** Held orders per page when the request names no `limit`. Defaults to 50. */
  pageSize?: number;
  /** Largest `limit` a request may ask for. Defaults to 200. */
  maxPageSize?: number;
  /** Most orders one bulk action decides; it reports `truncated` beyond that (run it again). Defaults to 100,000. */
  maxBulkOrders?: number;
  /** Where store errors go. Defaults to console. */
  logger?: Logger;
  /** Counts reviewer actions (e.g. `createMetrics()`). Defaults to none. */
  metrics?: Required<Pick<GuardMetrics, 'reviewAction'>>;
  /**
   * The ids of the custom rules in force (the policy's `customRules`), offered beside the built-in rules in the
   * page's rule menus; the service passes its policy's. Called on each request, so a reload shows. Defaults to none.
   */
  customRules?: () => readonly string[];
  /** Clock in epoch ms, for tests and replays. Defaults to Date.now. */
  clock?: () => number;
  /**
   * The shop's time zone (an IANA name such as `Asia/Jakarta`): the page shows every time in it, in one format
   * (`2026-12-07 17:46`), and names it in its header. Defaults to `UTC`.
   */
  timeZone?: string;
}

/** Thrown at construction for a bad option; names the option and the fix. */
export class ReviewOptionsError extends OptionsProblemError {
  constructor(problems: readonly OptionProblem[]) {
    super('ERR_REVIEW_OPTIONS', 'reviewRouter', problems);
  }
}

/** The review queue's methods (the store's state controls are optional: see StateControls). */
const STORE_METHODS = [
  'getHold',
  'listHolds',
  'listGroups',
  'listIncidents',
  'claim',
  'transition',
  'audit',
  'auditTrail',
  'queueStats',
  'listTrips',
] as const;

const store = z.custom<GuardStore>().superRefine((value, context) => {
  if (value === null || typeof value !== 'object') {
    context.addIssue({
      code: 'custom',
      message: 'is required: pass the store the guard uses (the one given to priceGuard({ store }))',
    });
    return;
  }
  const missing = STORE_METHODS.find(
    (method) => typeof (value as unknown as Record<string, unknown>)[method] !== 'function',
  );
  if (missing !== undefined) {
    context.addIssue({
      code: 'custom',
      message: `must implement GuardStore: its "${missing}" is not a function`,
    });
  }
});

const ORIGIN = /^https?:\/\/[^/]+$/;
const ORIGINS_MESSAGE = 'must be a list of origins like "https://ops.example.com" (scheme and host, no path)';

/** What express-rate-limit calls on a store. */
const STORE_OF_COUNTS = ['increment', 'decrement', 'resetKey'] as const;

/** The rate limit's own options: the budget's fields, with their one default, and where it counts. */
const rateLimitOptions = z.strictObject({
  ...rateLimitFields,
  // A refinement, not a custom type: the union then reports the store itself as the bad field.
  store: z
    .custom<NonNullable<ReviewRateLimitOptions['store']>>()
    .refine(
      (value) =>
        typeof value === 'object' &&
        value !== null &&
        STORE_OF_COUNTS.every((method) => typeof (value as Record<string, unknown>)[method] === 'function'),
      {
        error:
          'must be an express-rate-limit Store (increment, decrement, resetKey), such as new RedisRateLimitStore({ client })',
      },
    )
    .optional(),
});

const rateLimitSchema = z.union(
  [z.literal(false), z.custom<RateLimitBudget>(isRateLimitBudget), rateLimitOptions],
  { error: `${RATE_LIMIT_MESSAGE}, or a rateLimitBudget()` },
);

const reviewRouterShape = {
  store,
  tokens: reviewTokens.min(1, {
    error: 'must be a non-empty list of { name, role, sha256 } (hashToken(token) gives the sha256)',
  }),
  events: z
    .instanceof(ReviewEvents, { error: 'must be a ReviewEvents instance (new ReviewEvents())' })
    .optional(),
  rateLimit: rateLimitSchema.prefault({}),
  allowedOrigins: z
    .array(z.unknown(), { error: ORIGINS_MESSAGE })
    .refine((origins) => origins.every((origin) => typeof origin === 'string' && ORIGIN.test(origin)), {
      error: ORIGINS_MESSAGE,
    })
    .transform((origins) => origins as string[])
    .default(() => []),
  pageSize: positiveWhole('holds').default(50),
  maxPageSize: positiveWhole('holds').default(200),
  maxBulkOrders: positiveWhole('orders').default(100_000),
  logger: loggerOption<Logger>().default(() => console),
  metrics: withMethods<Required<Pick<GuardMetrics, 'reviewAction'>>>(
    'reviewAction() (createMetrics() does)',
    ['reviewAction'],
  ).optional(),
  customRules: functionOption<() => readonly string[]>('a function returning the custom rule ids').default(
    () => () => [],
  ),
  clock: functionOption<() => number>('a function returning epoch ms').default(() => Date.now),
  timeZone,
} satisfies Record<keyof ReviewRouterOptions, z.ZodType>;

const reviewRouterSchema = z.strictObject(reviewRouterShape);

/** Validated options: the private shape the handlers use. */
export interface Resolved {
  store: GuardStore;
  tokens: TokenRegistry;
  events: ReviewEvents;
  /** The limiter the API mounts (its own, or one shared with other routers), or false. */
  rateLimit: RateLimitBudget | false;
  allowedOrigins: string[];
  pageSize: number;
  maxPageSize: number;
  maxBulkOrders: number;
  logger: Logger;
  metrics: { reviewAction(action: string, count?: number): void };
  customRules: () => readonly string[];
  clock: () => number;
  /** The IANA time zone the page shows times in, as the runtime spells it. */
  timeZone: string;
}

/** Where the `webhooks` option of earlier versions went. */
const WEBHOOKS_MOVED =
  'option "webhooks" is no longer the review router\'s: deliver webhooks with createWebhookDelivery({ store, endpoints }) ' +
  'from checkout-price-guard/webhooks on the same store, and start() it with your app';

/**
 * One rate-limit budget for several routers: pass it as the `rateLimit` of each review router, or mount it in an API
 * of yours (a request with `res.locals.reviewer` set counts by that name, any other by its address), and a token or
 * an address draws from the one budget wherever it calls. Options as the review router's `rateLimit` (600 a minute
 * by default); throws an OptionsProblemError naming a bad one.
 */
export function rateLimitBudget(options: ReviewRateLimitOptions = {}): RateLimitBudget {
  const parsed = parseOptions(
    rateLimitOptions,
    options,
    (problems) => new OptionsProblemError('ERR_REVIEW_OPTIONS', 'rateLimitBudget', problems),
  );
  return limiterFor(parsed);
}

/** Checks the options once; throws a ReviewOptionsError naming each bad one. */
export function resolveOptions(options: ReviewRouterOptions): Resolved {
  if (typeof options === 'function') {
    throw new ReviewOptionsError([
      {
        kind: 'not_called',
        option: '',
        message: 'it was passed to app.use() without being called: write reviewRouter({ ... })',
      },
    ]);
  }
  if ((options as { webhooks?: unknown } | null)?.webhooks !== undefined) {
    throw new ReviewOptionsError([conflict('webhooks', WEBHOOKS_MOVED)]);
  }
  const parsed = parseOptions(reviewRouterSchema, options, (problems) => new ReviewOptionsError(problems), {
    after: (resolved) =>
      resolved.pageSize > resolved.maxPageSize
        ? [
            conflict(
              'pageSize',
              `option "pageSize" (${resolved.pageSize}) must not exceed "maxPageSize" (${resolved.maxPageSize})`,
            ),
          ]
        : [],
  });
  const metrics = parsed.metrics;
  return {
    ...parsed,
    tokens: new TokenRegistry(parsed.tokens),
    events: parsed.events ?? new ReviewEvents(),
    rateLimit:
      parsed.rateLimit === false || isRateLimitBudget(parsed.rateLimit)
        ? parsed.rateLimit
        : limiterFor(parsed.rateLimit),
    metrics: { reviewAction: metrics ? metrics.reviewAction.bind(metrics) : () => {} },
  };
}
