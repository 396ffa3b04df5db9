// src/vendure/options.ts
// PriceGuardPlugin.init(options): what a Vendure shop configures, checked once, with the guard and review router built from it.

import type { OrderLine } from '@vendure/core';
import type { Guard } from '../engine/guard';
import { OptionsError, type PriceGuardOptions, resolveOptions } from '../middleware/price-guard';
import type { Logger } from '../ports/logger';
import type { GuardStore } from '../ports/store';
import type { ReviewRouterOptions } from '../review/router';
import { MemoryStore } from '../state/memory/store';

/** Options of `PriceGuardPlugin.init()`: the guard's own options, and how holds reach on-call and come back. */
export interface PriceGuardPluginOptions
  extends Omit<PriceGuardOptions, 'style' | 'toOrder' | 'onHold' | 'store' | 'defaultLanguage'> {
  /**
   * Where holds, history and counters live, and the review queue on-call works from: a MemoryStore or a RedisStore
   * (with several Vendure servers, a RedisStore they share). Defaults to a new embedded MemoryStore.
   */
  store?: GuardStore;
  /**
   * The review page and API, mounted in Vendure's server at `reviewPath`: the review router's options but `store`.
   * `false` mounts nothing (on-call reviews elsewhere on the same store: decisions then reach Vendure within
   * `reconcileIntervalMs`). Required unless `false`: the review API needs its tokens.
   */
  review: Omit<ReviewRouterOptions, 'store'> | false;
  /** Where the review page and API are mounted, relative to the server's root. Defaults to `price-guard/review`. */
  reviewPath?: string;
  /**
   * Capture (settle) a released order's authorised payments at once. With false, a released order goes on exactly
   * as it would have without the guard (to `PaymentAuthorized`, captured when the shop captures). Defaults to false.
   */
  settleOnRelease?: boolean;
  /**
   * How often, in milliseconds, the plugin looks for held orders whose decision has not reached Vendure yet, or that
   * could not be stored while the store was down, and finishes them. Defaults to 30,000.
   */
  reconcileIntervalMs?: number;
  /**
   * The category of an order line for category caps and campaigns (for example a facet value or a custom field of
   * its variant). Defaults to none.
   */
  category?: (line: OrderLine) => string | undefined;
}

/** Thrown by `PriceGuardPlugin.init()` for a bad option; names the option and the fix. */
export class PriceGuardPluginOptionsError extends TypeError {
  readonly code = 'ERR_PRICE_GUARD_VENDURE_OPTIONS';
  constructor(message: string) {
    super(`PriceGuardPlugin.init: ${message}`);
    this.name = this.constructor.name;
  }
}

/** The resolved options: the guard built, and the plugin's own settings. */
export interface ResolvedPluginOptions {
  guard: Guard;
  store: GuardStore;
  review: Omit<ReviewRouterOptions, 'store'> | false;
  reviewPath: string;
  settleOnRelease: boolean;
  reconcileIntervalMs: number;
  category: ((line: OrderLine) => string | undefined) | undefined;
  logger: Logger;
}

const PLUGIN_KEYS = ['review', 'reviewPath', 'settleOnRelease', 'reconcileIntervalMs', 'category'] as const;
const EXPRESS_ONLY = ['style', 'toOrder', 'onHold', 'defaultLanguage'] as const;

/** Checks the options once and builds the guard (with the same checks and messages as `priceGuard()`). */
export function resolvePluginOptions(
  options: PriceGuardPluginOptions,
  logger: Logger,
): ResolvedPluginOptions {
  if (options === null || typeof options !== 'object') {
    throw new PriceGuardPluginOptionsError(
      `options must be an object such as { review: { tokens } }, got ${options === null ? 'null' : typeof options}`,
    );
  }
  for (const key of EXPRESS_ONLY) {
    if (key in options) {
      throw new PriceGuardPluginOptionsError(
        `option "${key}" is for the Express middleware; in Vendure the shopper's answer is the order's priceGuard field`,
      );
    }
  }
  const { review, reviewPath, settleOnRelease, reconcileIntervalMs, category, ...guardOptions } = options;
  if (review === undefined) {
    throw new PriceGuardPluginOptionsError(
      'option "review" is required: the review router options ({ tokens: [...] }), or false to mount no review page',
    );
  }
  if (review !== false && (review === null || typeof review !== 'object' || 'store' in review)) {
    throw new PriceGuardPluginOptionsError(
      `option "review" must be the review router's options without "store" (the plugin passes its own), or false; got ${review === null ? 'null' : typeof review}`,
    );
  }
  const path = reviewPath ?? 'price-guard/review';
  if (typeof path !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9/_-]*$/.test(path) || path.endsWith('/')) {
    throw new PriceGuardPluginOptionsError(
      `option "reviewPath" must be a path such as "price-guard/review" (letters, digits, -, _ and /, no leading or trailing /), got ${JSON.stringify(path)}`,
    );
  }
  if (settleOnRelease !== undefined && typeof settleOnRelease !== 'boolean') {
    throw new PriceGuardPluginOptionsError(
      `option "settleOnRelease" must be true or false, got ${JSON.stringify(settleOnRelease)}`,
    );
  }
  const interval = reconcileIntervalMs ?? 30_000;
  if (!Number.isInteger(interval) || interval < 50 || interval > 3_600_000) {
    throw new PriceGuardPluginOptionsError(
      `option "reconcileIntervalMs" must be a whole number of milliseconds from 50 to 3600000, got ${JSON.stringify(reconcileIntervalMs)}`,
    );
  }
  if (category !== undefined && typeof category !== 'function') {
    throw new PriceGuardPluginOptionsError(
      `option "category" must be a function of the order line, got ${typeof category}`,
    );
  }
  const store = guardOptions.store ?? new MemoryStore();
  for (const method of ['getHold', 'transition', 'listHolds'] as const) {
    if (typeof (store as unknown as Record<string, unknown>)[method] !== 'function') {
      throw new PriceGuardPluginOptionsError(
        `option "store" must be a store with a review queue (MemoryStore or RedisStore): its "${method}" is not a function`,
      );
    }
  }
  let guard: Guard;
  try {
    guard = resolveOptions({ logger, ...guardOptions, store }).guard;
  } catch (error) {
    if (error instanceof OptionsError) {
      const known = [...PLUGIN_KEYS].join(', ');
      throw new PriceGuardPluginOptionsError(
        `${error.message.replace(/^priceGuard: /, '')}${/unknown option/.test(error.message) ? ` (the plugin also knows: ${known})` : ''}`,
      );
    }
    throw error;
  }
  return {
    guard,
    store,
    review,
    reviewPath: path,
    settleOnRelease: settleOnRelease ?? false,
    reconcileIntervalMs: interval,
    category,
    logger: guardOptions.logger ?? logger,
  };
}
