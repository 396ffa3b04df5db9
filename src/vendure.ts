// src/vendure.ts
// The `checkout-price-guard/vendure` entry: the Vendure plugin and the order mapping; needs @vendure/core installed.

// The order mapping on its own, for checking what the guard will see of a Vendure order.
export type {
  VendureDiscount,
  VendureLineSnapshot,
  VendureMappingOptions,
  VendureOrderSnapshot,
  VendureShippingSnapshot,
} from './vendure/mapping';
export { toGuardOrder, VendureMappingError } from './vendure/mapping';
export type { PriceGuardPluginOptions } from './vendure/options';
export { PriceGuardPluginOptionsError } from './vendure/options';

// Before the plugin loads Vendure: without it installed, one clear line instead of a missing-module trace.
import './vendure/peer';

// The plugin: PriceGuardPlugin.init({ policyFile, store, review: { tokens } }) in Vendure's plugins list.
export { PriceGuardOrderResolver, PriceGuardPlugin } from './vendure/plugin';
// The hold state's name and the statuses kept on each order, for storefronts and admin extensions.
export type { GuardStatus } from './vendure/runtime';
export { HOLD_STATE } from './vendure/runtime';
