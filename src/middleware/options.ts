// src/middleware/options.ts
// The options of priceGuard(): their schema, defaults and checks, run once when the middleware is built.

import type { NextFunction, Request, Response } from 'express';
import { z } from 'zod';
import { loadPolicyFile } from '../config/policy-file';
import { LANGUAGES, type Language } from '../core/messages';
import { retryAfterSeconds } from '../core/option-fields';
import {
  conflict,
  functionOption,
  type OptionProblem,
  OptionsProblemError,
  parseOptions,
} from '../core/options';
import type { OrderLimits } from '../core/order';
import { type Policy, type PolicyInput, parsePolicy } from '../core/policy';
import type { Decision, Mode } from '../core/types';
import { Guard, type GuardOptions, GuardOptionsError } from '../engine/guard';
import type { Logger } from '../ports/logger';
import type { GuardMetrics } from '../ports/metrics';
import type { GuardState } from '../ports/store';

/** What a held order's handler receives. */
export interface HoldContext {
  decision: Decision;
  /** The shopper's language, from Accept-Language. */
  language: Language;
  /** The friendly text for the shopper in that language. */
  message: string;
}

/** Options of `priceGuard()`. */
export interface PriceGuardOptions {
  /**
   * A Guard built beforehand (`new Guard({ policy, store, ... })`), to share one guard between routes or with a
   * service that swaps its policy on reload. Excludes the options that build a guard (policy, policyFile, store,
   * mode, limits, storeTimeoutMs, logger, metrics, clock): set those on the Guard. Defaults to a guard built from
   * the options here.
   */
  guard?: Guard;
  /** The policy: floors, caps, campaigns, exceptions, voucher terms. Defaults to the safe defaults (README). */
  policy?: PolicyInput;
  /** A JSON or YAML policy file, read once at construction; merged under `policy` is not supported: pick one. */
  policyFile?: string;
  /**
   * Where holds, price history and voucher counters live: pass the same instance to `reviewRouter({ store })`.
   * Defaults to a new embedded MemoryStore, which nothing else can review (the middleware warns once).
   */
  store?: GuardState;
  /** `enforce` holds; `shadow` only records and lets every order through. Defaults to the policy's mode (`enforce`). */
  mode?: Mode;
  /**
   * `respond`: the middleware answers a held order itself (202, or `onHold`). `annotate`: it calls `next()` with
   * the hold on `res.locals.priceGuard`, for storefronts with their own on-hold state. Defaults to `respond`.
   */
  style?: 'respond' | 'annotate';
  /** Maps a request of another shape to the canonical order. Defaults to `req.body`. */
  toOrder?: (req: Request) => unknown;
  /** Answers a held order instead of the default 202 (style `respond` only). Defaults to the 202 JSON answer. */
  onHold?: (req: Request, res: Response, next: NextFunction, hold: HoldContext) => void;
  /** Order limits (maxLines, maxQuantity, maxVouchers, strict). Defaults to DEFAULT_ORDER_LIMITS. */
  limits?: Partial<OrderLimits>;
  /** Language when Accept-Language names none we speak. Defaults to `en`. */
  defaultLanguage?: Language;
  /** Milliseconds to wait for the store. Defaults to 200. */
  storeTimeoutMs?: number;
  /** Seconds a client should wait before retrying after a 503. Defaults to 2. */
  retryAfterSeconds?: number;
  /** Where warnings and store errors go. Defaults to console. */
  logger?: Logger;
  /** Metrics sink (see createMetrics). Defaults to none. */
  metrics?: GuardMetrics;
  /** Clock in epoch ms, for tests and replays. Defaults to Date.now. */
  clock?: () => number;
}

/** Thrown at construction for a bad option; names the option and the fix. `problems` lists each one. */
export class OptionsError extends OptionsProblemError {
  constructor(problems: readonly OptionProblem[]) {
    super('ERR_PRICE_GUARD_OPTIONS', 'priceGuard', problems);
  }
}

/** The options that build a guard: given with `guard`, they would be silently ignored. */
const GUARD_BUILDING = [
  'policy',
  'policyFile',
  'store',
  'mode',
  'limits',
  'storeTimeoutMs',
  'logger',
  'metrics',
  'clock',
] as const satisfies ReadonlyArray<keyof PriceGuardOptions>;

/** Checked by the Guard itself (its schema), named here so an unknown key gets the right "did you mean". */
const guardField = z.unknown().optional();

/**
 * priceGuard's options. The fields that build the guard are passed on to `new Guard()`, which checks them (and
 * holds their defaults): each check runs once, in one place.
 */
const priceGuardShape = {
  guard: z.instanceof(Guard, { error: 'must be a Guard (new Guard({ policy, store }))' }).optional(),
  policy: guardField,
  policyFile: z.string({ error: 'must be the path of a JSON or YAML policy file' }).optional(),
  store: guardField,
  mode: guardField,
  limits: guardField,
  storeTimeoutMs: guardField,
  logger: guardField,
  metrics: guardField,
  clock: guardField,
  style: z.enum(['respond', 'annotate'], { error: 'must be "respond" or "annotate"' }).default('respond'),
  toOrder: functionOption<(req: Request) => unknown>('a function (req) => order').optional(),
  onHold: functionOption<NonNullable<PriceGuardOptions['onHold']>>(
    'a function (req, res, next, hold) => void',
  ).optional(),
  defaultLanguage: z.enum(LANGUAGES, { error: `must be one of ${LANGUAGES.join(', ')}` }).default('en'),
  retryAfterSeconds,
} satisfies Record<keyof PriceGuardOptions, z.ZodType>;
const priceGuardSchema = z.strictObject(priceGuardShape);

/** Options that cannot go together. */
function conflicts(options: Record<string, unknown>): OptionProblem[] {
  const problems: OptionProblem[] = [];
  const given = (name: string) => options[name] !== undefined;
  if (given('guard')) {
    const building = GUARD_BUILDING.filter(given);
    if (building.length > 0) {
      problems.push(
        conflict(
          building[0]!,
          `option "guard" is a Guard already built, so ${building.map((name) => `"${name}"`).join(', ')} would be ignored: set ${building.length === 1 ? 'it' : 'them'} on the Guard (new Guard({ ... })), or leave out "guard"`,
        ),
      );
    }
  }
  if (given('policy') && given('policyFile')) {
    problems.push(
      conflict('policyFile', 'options "policy" and "policyFile": give one or the other, not both'),
    );
  }
  if (given('onHold') && options.style === 'annotate') {
    problems.push(
      conflict(
        'onHold',
        'option "onHold" has no effect with style "annotate" (next() is called with the hold on res.locals)',
      ),
    );
  }
  return problems;
}

/** True for an HTTP request object: what `options` is when priceGuard itself is mounted as the middleware. */
function isRequest(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    'socket' in value &&
    'headers' in value &&
    typeof (value as { method?: unknown }).method === 'string'
  );
}

/** The default `toOrder`: the parsed JSON body. */
export const bodyOf = (req: Request): unknown => req.body;

/** Resolved options: the private shape the handler uses. */
export interface ResolvedPriceGuard {
  guard: Guard;
  style: 'respond' | 'annotate';
  toOrder: (req: Request) => unknown;
  onHold: PriceGuardOptions['onHold'];
  defaultLanguage: Language;
  retryAfterSeconds: number;
  /** True when the guard holds orders in a MemoryStore built here, which no review router can read. */
  unreviewable: boolean;
  /** Where the middleware's own warnings go. */
  logger: Logger;
}

/** Reads the policy the options name: a file, an object, or the defaults. */
function policyOf(options: PriceGuardOptions): Policy {
  try {
    return options.policyFile !== undefined
      ? loadPolicyFile(options.policyFile)
      : parsePolicy(options.policy ?? {}, 'option "policy"');
  } catch (error) {
    throw new OptionsError([
      {
        kind: 'invalid_option',
        option: options.policyFile !== undefined ? 'policyFile' : 'policy',
        message: (error as Error).message,
      },
    ]);
  }
}

/** Checks the options once and builds the guard they describe (or takes the one given). */
export function resolveOptions(options: PriceGuardOptions): ResolvedPriceGuard {
  // `app.use(priceGuard)` makes Express call priceGuard(req, res, next) on every request: `options` is the request.
  if (typeof options === 'function' || isRequest(options)) {
    throw new OptionsError([
      {
        kind: 'not_called',
        option: '',
        message: 'it was passed to app.use() without being called: write app.use(priceGuard({ ... }))',
      },
    ]);
  }
  const parsed = parseOptions(priceGuardSchema, options, (problems) => new OptionsError(problems), {
    before: conflicts,
  });
  let guard = parsed.guard;
  if (guard === undefined) {
    const building: GuardOptions = {
      policy: policyOf(options),
      logger: options.logger ?? console,
      ...(options.store !== undefined ? { store: options.store } : {}),
      ...(options.mode !== undefined ? { mode: options.mode } : {}),
      ...(options.limits !== undefined ? { limits: options.limits } : {}),
      ...(options.storeTimeoutMs !== undefined ? { storeTimeoutMs: options.storeTimeoutMs } : {}),
      ...(options.metrics !== undefined ? { metrics: options.metrics } : {}),
      ...(options.clock !== undefined ? { clock: options.clock } : {}),
    };
    try {
      guard = new Guard(building);
    } catch (error) {
      // The Guard's own checks, said as priceGuard's: the user wrote these options here.
      if (error instanceof GuardOptionsError) throw new OptionsError(error.problems);
      throw error;
    }
  }
  return {
    guard,
    style: parsed.style,
    toOrder: parsed.toOrder ?? bodyOf,
    onHold: parsed.onHold,
    defaultLanguage: parsed.defaultLanguage,
    retryAfterSeconds: parsed.retryAfterSeconds,
    unreviewable: parsed.guard === undefined && options.store === undefined,
    logger: options.logger ?? console,
  };
}
