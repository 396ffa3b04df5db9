// src/vendure/plugin.ts
// PriceGuardPlugin: the Vendure plugin that wires the guard, its hold state and the review queue into a Vendure server.

import { Parent, ResolveField, Resolver } from '@nestjs/graphql';
import {
  Ctx,
  LanguageCode,
  type Order,
  PluginCommonModule,
  type RequestContext,
  type RuntimeVendureConfig,
  Logger as VendureLogger,
  VendurePlugin,
} from '@vendure/core';
import { parse } from 'graphql';
import { type Language, type MessageKey, shopperMessage } from '../core/messages';
import type { Logger } from '../ports/logger';
import { reviewRouter } from '../review/router';
import { type PriceGuardPluginOptions, type ResolvedPluginOptions, resolvePluginOptions } from './options';
import {
  guardCapture,
  guardFulfillmentProcess,
  guardFulfilment,
  guardOrderProcess,
  guardPaymentProcess,
  guardPlacedStrategy,
  guardStockStrategy,
} from './processes';
import { type GuardStatus, PriceGuardRuntime } from './runtime';

const LOG_CONTEXT = 'PriceGuardPlugin';

/** Vendure's logger behind the guard's Logger interface. */
const vendureLogger: Logger = {
  warn(object, message) {
    VendureLogger.warn(`${message ?? ''}${details(object)}`, LOG_CONTEXT);
  },
  error(object, message) {
    VendureLogger.error(`${message ?? ''}${details(object)}`, LOG_CONTEXT);
  },
};

function details(object: object): string {
  const parts = Object.entries(object).map(([key, value]) =>
    value instanceof Error ? `${key}=${value.message}` : `${key}=${JSON.stringify(value)}`,
  );
  return parts.length === 0 ? '' : ` (${parts.join(', ')})`;
}

const SCHEMA = parse(`
  "Where the order is with the checkout price check."
  type PriceGuardCheck {
    "held (being checked), allowed, released (checked and confirmed) or cancelled (could not be confirmed)"
    status: String!
    "What to tell the shopper, in the request's language (Indonesian or English); null when there is nothing to say."
    message: String
  }
  extend type Order {
    "The checkout price check of this order; null before the order is paid."
    priceGuard: PriceGuardCheck
  }
`);

/** What the shopper sees of the guard's status (every status: the compiler keeps this table in step). */
const SHOPPER_STATUS: Readonly<Record<GuardStatus, { status: string; message?: MessageKey }>> = Object.freeze(
  {
    allowed: { status: 'allowed' },
    held: { status: 'held', message: 'held' },
    unstored: { status: 'held', message: 'held' },
    unmappable: { status: 'held', message: 'held' },
    released: { status: 'released', message: 'released' },
    cancelling: { status: 'cancelled', message: 'cancelled' },
    rejected: { status: 'cancelled', message: 'cancelled' },
  },
);

/** Resolves `Order.priceGuard` in the Shop and Admin APIs. */
export class PriceGuardOrderResolver {
  /** The order's check, with the shopper's message in the request's language. */
  priceGuard(order: Order, ctx: RequestContext): { status: string; message: string | null } | null {
    const status = order.customFields?.priceGuardStatus;
    const shown =
      status && Object.hasOwn(SHOPPER_STATUS, status) ? SHOPPER_STATUS[status as GuardStatus] : undefined;
    if (!shown) return null;
    const language: Language = ctx.languageCode === LanguageCode.id ? 'id' : 'en';
    return { status: shown.status, message: shown.message ? shopperMessage(shown.message, language) : null };
  }
}
// Nest's decorators, applied as calls (this package is compiled without decorator syntax).
Resolver('Order')(PriceGuardOrderResolver);
ResolveField()(
  PriceGuardOrderResolver.prototype,
  'priceGuard',
  Object.getOwnPropertyDescriptor(PriceGuardOrderResolver.prototype, 'priceGuard')!,
);
Parent()(PriceGuardOrderResolver.prototype, 'priceGuard', 0);
Ctx()(PriceGuardOrderResolver.prototype, 'priceGuard', 1);

/** Each status as the admin's description of `priceGuardStatus` lists it (every status, kept in step by the compiler). */
const STATUS_NOTES: Readonly<Record<GuardStatus, string>> = Object.freeze({
  allowed: 'allowed',
  held: 'held',
  unstored: 'unstored (held, not yet in the review queue)',
  unmappable:
    'unmappable (held, never in the review queue: the guard cannot check its cart; cancel the order or move it on to release it)',
  released: 'released',
  cancelling: 'cancelling',
  rejected: 'rejected',
});
const STATUS_DESCRIPTION = (() => {
  const notes = Object.values(STATUS_NOTES);
  return `${notes.slice(0, -1).join(', ')} or ${notes.at(-1)}`;
})();

/** Marks what the plugin added to a config, so configuring twice adds nothing twice. */
const OURS = Symbol('checkout-price-guard');
const ours = <T extends object>(value: T): T => Object.assign(value, { [OURS]: true });
const notOurs = (value: object) => !(OURS in value);

/**
 * Adds the guard to a Vendure config: the hold state and the processes around it, the strategies that treat a
 * hold as a placed order, the order's custom fields, and the review page and API.
 */
function configure(config: RuntimeVendureConfig, runtime: PriceGuardRuntime, options: ResolvedPluginOptions) {
  const { orderOptions, paymentOptions, shippingOptions } = config;
  orderOptions.process = [...(orderOptions.process ?? []).filter(notOurs), ours(guardOrderProcess(runtime))];
  paymentOptions.process = [
    ...(paymentOptions.process ?? []).filter(notOurs),
    ours(guardPaymentProcess(runtime)),
  ];
  shippingOptions.process = [
    ...(shippingOptions.process ?? []).filter(notOurs),
    ours(guardFulfillmentProcess()),
  ];
  for (const handler of paymentOptions.paymentMethodHandlers) {
    if (notOurs(handler)) guardCapture(ours(handler));
  }
  for (const handler of shippingOptions.fulfillmentHandlers) {
    if (notOurs(handler)) guardFulfilment(ours(handler));
  }
  if (notOurs(orderOptions.orderPlacedStrategy)) {
    orderOptions.orderPlacedStrategy = ours(guardPlacedStrategy(orderOptions.orderPlacedStrategy));
  }
  if (notOurs(orderOptions.stockAllocationStrategy)) {
    orderOptions.stockAllocationStrategy = ours(guardStockStrategy(orderOptions.stockAllocationStrategy));
  }
  const label = (value: string) => [{ languageCode: LanguageCode.en, value }];
  config.customFields.Order = [
    ...(config.customFields.Order ?? []).filter((field) => !field.name.startsWith('priceGuard')),
    {
      name: 'priceGuardStatus',
      type: 'string',
      nullable: true,
      public: false,
      readonly: true,
      label: label('Price check'),
      description: label(STATUS_DESCRIPTION),
    },
    {
      name: 'priceGuardDetail',
      type: 'text',
      nullable: true,
      public: false,
      readonly: true,
      label: label('Price check detail'),
      description: label(
        'The rules that held the order, why it is not in the review queue, or who decided it in Vendure',
      ),
    },
  ];
  runtime.precision = config.entityOptions.moneyStrategy?.precision ?? 2;
  const router = runtime.router;
  if (router) {
    config.apiOptions.middleware = [
      ...config.apiOptions.middleware.filter((middleware) => notOurs(middleware)),
      ours({ route: options.reviewPath, handler: router }),
    ];
  }
  return config;
}

/**
 * The checkout price guard in Vendure. Add `PriceGuardPlugin.init({ policyFile, store, review: { tokens } })` to
 * `plugins`. An order is checked when its payment is authorised: a suspicious one waits in `PriceGuardHold`
 * (placed, payment authorised, nothing captured or fulfilled) until on-call approves it (it goes on to
 * `PaymentAuthorized`) or rejects it (cancelled, payments voided or refunded) in the review queue. An order whose
 * cart the guard cannot check waits there too, for an administrator to cancel it or move it on in Vendure.
 */
// biome-ignore lint/complexity/noStaticOnlyClass: a Vendure plugin is a class configured through its static init()
export class PriceGuardPlugin {
  private static runtimeValue: PriceGuardRuntime | undefined;
  private static resolved: ResolvedPluginOptions | undefined;

  /** Configures the plugin; see PriceGuardPluginOptions. Throws a PriceGuardPluginOptionsError for a bad option. */
  static init(options: PriceGuardPluginOptions): typeof PriceGuardPlugin {
    const resolved = resolvePluginOptions(options, vendureLogger);
    const runtime = new PriceGuardRuntime(resolved);
    if (resolved.review !== false) {
      const router = reviewRouter({ logger: resolved.logger, ...resolved.review, store: resolved.store });
      router.events.on('released', (_event, held) => void runtime.reconcile(held.orderId));
      router.events.on('cancelled', (_event, held) => void runtime.reconcile(held.orderId));
      runtime.router = router;
    }
    PriceGuardPlugin.resolved = resolved;
    PriceGuardPlugin.runtimeValue = runtime;
    return PriceGuardPlugin;
  }

  /** The running plugin: its guard, store and review router, and `sweep()` to reconcile at once. */
  static get runtime(): PriceGuardRuntime {
    if (!PriceGuardPlugin.runtimeValue) {
      throw new Error(
        'checkout-price-guard/vendure: call PriceGuardPlugin.init({ ... }) in your plugins list',
      );
    }
    return PriceGuardPlugin.runtimeValue;
  }

  /** Vendure calls this with the config before bootstrap. */
  static configure(config: RuntimeVendureConfig): RuntimeVendureConfig {
    const runtime = PriceGuardPlugin.runtime;
    return configure(config, runtime, PriceGuardPlugin.resolved!);
  }
}

VendurePlugin({
  imports: [PluginCommonModule],
  configuration: (config) => PriceGuardPlugin.configure(config),
  shopApiExtensions: { schema: SCHEMA, resolvers: [PriceGuardOrderResolver] },
  adminApiExtensions: { schema: SCHEMA, resolvers: [PriceGuardOrderResolver] },
  compatibility: '^3.0.0',
})(PriceGuardPlugin);
