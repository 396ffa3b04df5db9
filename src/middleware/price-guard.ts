// src/middleware/price-guard.ts
// priceGuard(options): the Express middleware for an order-submission route, with options checked up front.

import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { loadPolicyFile } from '../config/policy-file';
import { LANGUAGES, type Language, negotiateLanguage, shopperMessage } from '../core/messages';
import { DEFAULT_ORDER_LIMITS, type OrderLimits } from '../core/order';
import { type Policy, type PolicyInput, parsePolicy } from '../core/policy';
import { closest } from '../core/suggest';
import type { Decision, Mode } from '../core/types';
import { type CheckResult, Guard } from '../engine/guard';
import { asyncRoute } from '../express/async-route';
import { bodyUnread, orderBodyProblem, unsupportedMediaTypeBody } from '../express/json-body';
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
  /** The policy: floors, caps, campaigns, exceptions, voucher terms. Defaults to the safe defaults (README). */
  policy?: PolicyInput;
  /** A JSON or YAML policy file, read once at construction; merged under `policy` is not supported: pick one. */
  policyFile?: string;
  /** Where holds, price history and voucher counters live. Defaults to a new embedded MemoryStore. */
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
  /** Answers a held order instead of the default 202 (style `respond` only). */
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

/** Thrown at construction for a bad option; names the option and the fix. */
export class OptionsError extends TypeError {
  readonly code = 'ERR_PRICE_GUARD_OPTIONS';
  constructor(message: string) {
    super(`priceGuard: ${message}`);
    this.name = this.constructor.name;
  }
}

/** Every option priceGuard knows; the mapped type keeps this list complete. */
const KNOWN_OPTIONS: { [K in keyof Required<PriceGuardOptions>]: true } = {
  policy: true,
  policyFile: true,
  store: true,
  mode: true,
  style: true,
  toOrder: true,
  onHold: true,
  limits: true,
  defaultLanguage: true,
  storeTimeoutMs: true,
  retryAfterSeconds: true,
  logger: true,
  metrics: true,
  clock: true,
};

const REQUIRED_STORE_METHODS = ['prepare', 'hold', 'commit'] as const;

/** Resolved options: the private shape the handler uses. */
interface Resolved {
  guard: Guard;
  style: 'respond' | 'annotate';
  toOrder: (req: Request) => unknown;
  onHold: PriceGuardOptions['onHold'];
  defaultLanguage: Language;
  retryAfterSeconds: number;
}

function positiveInteger(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new OptionsError(`option "${name}" must be a positive whole number, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** The default `toOrder`: the parsed JSON body. */
const bodyOf = (req: Request): unknown => req.body;

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

/** Validates the options once and builds the guard they describe. Exported for the service. */
export function resolveOptions(options: PriceGuardOptions): Resolved {
  // `app.use(priceGuard)` makes Express call priceGuard(req, res, next) on every request: `options` is the request.
  if (typeof options === 'function' || isRequest(options)) {
    throw new OptionsError(
      'it was passed to app.use() without being called: write app.use(priceGuard({ ... }))',
    );
  }
  if (options === null || typeof options !== 'object') {
    throw new OptionsError(`options must be an object, got ${options === null ? 'null' : typeof options}`);
  }
  const known = Object.keys(KNOWN_OPTIONS);
  for (const key of Object.keys(options)) {
    if (!(key in KNOWN_OPTIONS)) {
      const suggestion = closest(key, known);
      throw new OptionsError(
        `unknown option "${key}"${suggestion ? `; did you mean "${suggestion}"?` : ''} (known: ${known.join(', ')})`,
      );
    }
  }
  if (options.policy !== undefined && options.policyFile !== undefined) {
    throw new OptionsError('give "policy" or "policyFile", not both');
  }
  let policy: Policy;
  try {
    policy =
      options.policyFile !== undefined
        ? loadPolicyFile(options.policyFile)
        : parsePolicy(options.policy ?? {}, 'option "policy"');
  } catch (error) {
    throw new OptionsError((error as Error).message);
  }
  if (options.store !== undefined) {
    for (const method of REQUIRED_STORE_METHODS) {
      if (typeof (options.store as unknown as Record<string, unknown>)[method] !== 'function') {
        throw new OptionsError(
          `option "store" must implement GuardState (prepare, hold, commit): its "${method}" is not a function`,
        );
      }
    }
  }
  if (options.mode !== undefined && options.mode !== 'enforce' && options.mode !== 'shadow') {
    throw new OptionsError(
      `option "mode" must be "enforce" or "shadow", got ${JSON.stringify(options.mode)}`,
    );
  }
  const style = options.style ?? 'respond';
  if (style !== 'respond' && style !== 'annotate') {
    throw new OptionsError(`option "style" must be "respond" or "annotate", got ${JSON.stringify(style)}`);
  }
  for (const name of ['toOrder', 'onHold', 'clock'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') {
      throw new OptionsError(`option "${name}" must be a function, got ${typeof options[name]}`);
    }
  }
  if (options.onHold !== undefined && style === 'annotate') {
    throw new OptionsError(
      'option "onHold" has no effect with style "annotate" (next() is called with the hold on res.locals)',
    );
  }
  const defaultLanguage = options.defaultLanguage ?? 'en';
  if (!(LANGUAGES as readonly string[]).includes(defaultLanguage)) {
    throw new OptionsError(
      `option "defaultLanguage" must be one of ${LANGUAGES.join(', ')}, got ${JSON.stringify(defaultLanguage)}`,
    );
  }
  const limits: OrderLimits = { ...DEFAULT_ORDER_LIMITS };
  for (const [key, value] of Object.entries(options.limits ?? {})) {
    if (value === undefined) continue;
    if (!(key in DEFAULT_ORDER_LIMITS)) {
      throw new OptionsError(
        `unknown limit "limits.${key}" (known: ${Object.keys(DEFAULT_ORDER_LIMITS).join(', ')})`,
      );
    }
    if (key === 'strict') {
      if (typeof value !== 'boolean')
        throw new OptionsError(`option "limits.strict" must be a boolean, got ${JSON.stringify(value)}`);
      limits.strict = value;
    } else {
      (limits as unknown as Record<string, number>)[key] = positiveInteger(`limits.${key}`, value);
    }
  }
  const guard = new Guard({
    policy,
    limits,
    ...(options.store ? { store: options.store } : {}),
    ...(options.mode ? { mode: options.mode } : {}),
    storeTimeoutMs:
      options.storeTimeoutMs === undefined ? 200 : positiveInteger('storeTimeoutMs', options.storeTimeoutMs),
    ...(options.clock ? { clock: options.clock } : {}),
    logger: options.logger ?? console,
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
  return {
    guard,
    style,
    toOrder: options.toOrder ?? bodyOf,
    onHold: options.onHold,
    defaultLanguage,
    retryAfterSeconds:
      options.retryAfterSeconds === undefined
        ? 2
        : positiveInteger('retryAfterSeconds', options.retryAfterSeconds),
  };
}

/** The 400 body for a malformed order: a machine-readable list of problems. */
export function invalidOrderBody(result: Extract<CheckResult, { kind: 'invalid' }>) {
  return {
    error: 'invalid_order',
    message: `The order is malformed (${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}).`,
    problems: result.problems,
  };
}

/** The 409 body for an order id reused with other content: for the integrator, with a text for the shopper. */
export function conflictBody(result: Extract<CheckResult, { kind: 'conflict' }>, language: Language) {
  return {
    error: 'order_id_reused',
    orderId: result.order.orderId,
    message: `Order id ${result.order.orderId} was already used for an order with other content${result.boundAt === undefined ? '' : ` (decided at ${new Date(result.boundAt).toISOString()})`}; a changed cart needs a new order id.`,
    shopperMessage: shopperMessage('reused', language),
  };
}

/** A guard middleware; `guard` gives access to the store and the policy (for reloads and the review router). */
export type PriceGuardMiddleware = RequestHandler & { guard: Guard };

/**
 * Creates the middleware for an order-submission route. Mount it after `express.json()`:
 * `app.post('/checkout', express.json(), priceGuard({ policy }), placeOrder)`.
 */
export function priceGuard(options: PriceGuardOptions = {}): PriceGuardMiddleware {
  const resolved = resolveOptions(options);
  const { guard, style, toOrder, onHold, defaultLanguage, retryAfterSeconds } = resolved;

  const middleware = asyncRoute(async function priceGuardMiddleware(req, res, next) {
    let input: unknown;
    try {
      input = toOrder(req);
    } catch (error) {
      next(error);
      return;
    }
    // The order is the body (the default): it must be JSON. A mapping reads what it likes; when it finds nothing and
    // no parser read the body, the same answer tells the integrator why.
    const problem =
      toOrder === bodyOf || (input === undefined && bodyUnread(req)) ? orderBodyProblem(req) : undefined;
    if (problem === 'unsupported_media_type') {
      res.status(415).json(unsupportedMediaTypeBody());
      return;
    }
    if (problem) {
      next(problem);
      return;
    }
    let result: CheckResult;
    try {
      result = await guard.check(input);
    } catch (error) {
      next(error);
      return;
    }
    // Only answers to the shopper need their language: an allowed order goes on without it.
    const language = () => negotiateLanguage(req.get('accept-language'), defaultLanguage);
    switch (result.kind) {
      case 'invalid':
        res.status(400).json(invalidOrderBody(result));
        return;
      case 'allowed':
        res.locals.priceGuard = result.decision;
        next();
        return;
      case 'conflict':
        res.status(409).json(conflictBody(result, language()));
        return;
      case 'unavailable':
        res.set('Retry-After', String(retryAfterSeconds));
        res.status(503).json({
          error: 'guard_unavailable',
          orderId: result.order.orderId,
          message: shopperMessage('unavailable', language()),
        });
        return;
      case 'held': {
        res.locals.priceGuard = result.decision;
        if (style === 'annotate') {
          next();
          return;
        }
        const spoken = language();
        const message = shopperMessage('held', spoken);
        if (onHold) {
          onHold(req, res, next, { decision: result.decision, language: spoken, message });
          return;
        }
        res.status(202).json({
          status: 'held',
          orderId: result.order.orderId,
          reviewId: result.held.orderId,
          language: spoken,
          message,
        });
        return;
      }
    }
  }) as PriceGuardMiddleware;
  middleware.guard = guard;
  return middleware;
}
