// src/review/options.ts
// The review router's options: their types, their defaults and their checks at construction (with precise errors).

import type { Logger } from '../ports/logger';
import type { GuardMetrics, WebhookOutcome } from '../ports/metrics';
import type { GuardStore } from '../ports/store';
import {
  type ResolvedWebhookOptions,
  ReviewEvents,
  resolveWebhookOptions,
  type WebhookOptions,
} from '../webhooks/delivery';
import { type ReviewToken, TokenRegistry } from './auth';
import type { ReviewRateLimitOptions } from './rate-limit';

/** Options of `reviewRouter()`. */
export interface ReviewRouterOptions {
  /** The store the guard holds orders in (the same instance the middleware uses). Required. */
  store: GuardStore;
  /** Bearer tokens, hashed (see `hashToken`). Required, at least one. */
  tokens: ReviewToken[];
  /** Signed webhooks to the storefront on release and cancel. Defaults to none. */
  webhooks?: WebhookOptions;
  /** Where in-process `released` / `cancelled` events are emitted. Defaults to a new ReviewEvents (`router.events`). */
  events?: ReviewEvents;
  /** API rate limit per token (per IP before authentication), or `false` to leave it to a proxy. Defaults to 600 per minute. */
  rateLimit?: ReviewRateLimitOptions | false;
  /** Origins besides the router's own that may send state-changing requests. Defaults to none. */
  allowedOrigins?: string[];
  /** Held orders per page when the request names no `limit`. Defaults to 50. */
  pageSize?: number;
  /** Largest `limit` a request may ask for. Defaults to 200. */
  maxPageSize?: number;
  /** Most orders one bulk action decides; it reports `truncated` beyond that (run it again). Defaults to 100,000. */
  maxBulkOrders?: number;
  /** Where store errors and webhook failures go. Defaults to console. */
  logger?: Logger;
  /** Counts reviewer actions and webhook deliveries (e.g. `createMetrics()`). Defaults to none. */
  metrics?: Pick<GuardMetrics, 'reviewAction' | 'webhook'>;
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
export class ReviewOptionsError extends TypeError {
  readonly code = 'ERR_REVIEW_OPTIONS';
  constructor(message: string) {
    super(`reviewRouter: ${message}`);
    this.name = this.constructor.name;
  }
}

const KNOWN_OPTIONS: { [K in keyof Required<ReviewRouterOptions>]: true } = {
  store: true,
  tokens: true,
  webhooks: true,
  events: true,
  rateLimit: true,
  allowedOrigins: true,
  pageSize: true,
  maxPageSize: true,
  maxBulkOrders: true,
  logger: true,
  metrics: true,
  customRules: true,
  clock: true,
  timeZone: true,
};

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
  'listTrips',
  'queueStats',
] as const;

function positiveInteger(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new ReviewOptionsError(
      `option "${name}" must be a positive whole number, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

function resolveWebhooks(options: WebhookOptions | undefined): ResolvedWebhookOptions | undefined {
  return resolveWebhookOptions(options, (message) => {
    throw new ReviewOptionsError(message);
  });
}

/** Validated options: the private shape the handlers use. */
export interface Resolved {
  store: GuardStore;
  tokens: TokenRegistry;
  webhooks: ResolvedWebhookOptions | undefined;
  events: ReviewEvents;
  rateLimit: Required<ReviewRateLimitOptions> | false;
  allowedOrigins: string[];
  pageSize: number;
  maxPageSize: number;
  maxBulkOrders: number;
  logger: Logger;
  metrics: { reviewAction(action: string, count?: number): void; webhook(outcome: WebhookOutcome): void };
  customRules: () => readonly string[];
  clock: () => number;
  /** The IANA time zone the page shows times in. */
  timeZone: string;
}

/** The IANA name of a time zone the runtime knows (as it spells it), or undefined. */
function knownTimeZone(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '' || value.length > 64) return undefined;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

export function resolveOptions(options: ReviewRouterOptions): Resolved {
  if (typeof options === 'function') {
    throw new ReviewOptionsError(
      'it was passed to app.use() without being called: write reviewRouter({ ... })',
    );
  }
  if (options === null || typeof options !== 'object') {
    throw new ReviewOptionsError('options must be an object like { store, tokens }');
  }
  const known = Object.keys(KNOWN_OPTIONS);
  for (const key of Object.keys(options)) {
    if (!(key in KNOWN_OPTIONS)) {
      throw new ReviewOptionsError(`unknown option "${key}" (known: ${known.join(', ')})`);
    }
  }
  const store = options.store as unknown as Record<string, unknown> | undefined;
  if (store === undefined || store === null || typeof store !== 'object') {
    throw new ReviewOptionsError(
      'option "store" is required: pass the store the guard uses (e.g. priceGuard(...).guard.store)',
    );
  }
  for (const method of STORE_METHODS) {
    if (typeof store[method] !== 'function') {
      throw new ReviewOptionsError(
        `option "store" must implement GuardStore: its "${method}" is not a function`,
      );
    }
  }
  let tokens: TokenRegistry;
  try {
    tokens = new TokenRegistry(options.tokens);
  } catch (error) {
    throw new ReviewOptionsError((error as Error).message.replace(/^reviewRouter: /, ''));
  }
  if (options.events !== undefined && !(options.events instanceof ReviewEvents)) {
    throw new ReviewOptionsError('option "events" must be a ReviewEvents instance (new ReviewEvents())');
  }
  let rateLimit: Resolved['rateLimit'] = { windowMs: 60_000, limit: 600 };
  if (options.rateLimit === false) rateLimit = false;
  else if (options.rateLimit !== undefined) {
    for (const key of Object.keys(options.rateLimit)) {
      if (key !== 'windowMs' && key !== 'limit') {
        throw new ReviewOptionsError(`unknown option "rateLimit.${key}" (known: windowMs, limit), or false`);
      }
    }
    rateLimit = {
      windowMs:
        options.rateLimit.windowMs === undefined
          ? 60_000
          : positiveInteger('rateLimit.windowMs', options.rateLimit.windowMs),
      limit:
        options.rateLimit.limit === undefined
          ? 600
          : positiveInteger('rateLimit.limit', options.rateLimit.limit),
    };
  }
  const allowedOrigins = options.allowedOrigins ?? [];
  if (
    !Array.isArray(allowedOrigins) ||
    allowedOrigins.some((o) => typeof o !== 'string' || !/^https?:\/\/[^/]+$/.test(o))
  ) {
    throw new ReviewOptionsError(
      `option "allowedOrigins" must be a list of origins like "https://ops.example.com" (scheme and host, no path), got ${JSON.stringify(allowedOrigins)}`,
    );
  }
  const maxPageSize =
    options.maxPageSize === undefined ? 200 : positiveInteger('maxPageSize', options.maxPageSize);
  const pageSize = options.pageSize === undefined ? 50 : positiveInteger('pageSize', options.pageSize);
  if (pageSize > maxPageSize) {
    throw new ReviewOptionsError(
      `option "pageSize" (${pageSize}) must not exceed "maxPageSize" (${maxPageSize})`,
    );
  }
  for (const name of ['clock', 'customRules'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') {
      throw new ReviewOptionsError(`option "${name}" must be a function, got ${typeof options[name]}`);
    }
  }
  const metrics = options.metrics;
  if (
    metrics !== undefined &&
    (metrics === null ||
      typeof metrics !== 'object' ||
      (metrics.reviewAction !== undefined && typeof metrics.reviewAction !== 'function') ||
      (metrics.webhook !== undefined && typeof metrics.webhook !== 'function'))
  ) {
    throw new ReviewOptionsError(
      'option "metrics" must be an object with reviewAction() and webhook() methods, e.g. createMetrics()',
    );
  }
  return {
    store: options.store,
    tokens,
    webhooks: resolveWebhooks(options.webhooks),
    events: options.events ?? new ReviewEvents(),
    rateLimit,
    allowedOrigins,
    pageSize,
    maxPageSize,
    maxBulkOrders:
      options.maxBulkOrders === undefined ? 100_000 : positiveInteger('maxBulkOrders', options.maxBulkOrders),
    logger: options.logger ?? console,
    metrics: {
      reviewAction: metrics?.reviewAction?.bind(metrics) ?? (() => {}),
      webhook: metrics?.webhook?.bind(metrics) ?? (() => {}),
    },
    customRules: options.customRules ?? (() => []),
    clock: options.clock ?? Date.now,
    timeZone: resolveTimeZone(options.timeZone),
  };
}

function resolveTimeZone(value: unknown): string {
  if (value === undefined) return 'UTC';
  const zone = knownTimeZone(value);
  if (zone === undefined) {
    throw new ReviewOptionsError(
      `option "timeZone" must be an IANA time zone name such as "Asia/Jakarta" or "UTC", got ${JSON.stringify(value)}`,
    );
  }
  return zone;
}
