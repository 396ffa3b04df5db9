// src/index.ts
// The package's root entry: what a storefront needs to mount the guard. Each other wing has its own subpath.

export { loadPolicyFile } from './config/policy-file';
export type { Language, MessageKey } from './core/messages';
// The shopper's texts in Indonesian and English, and exact money formatting for a storefront's own pages.
export { negotiateLanguage, shopperMessage } from './core/messages';
export { formatMoney } from './core/money';
export type { OptionProblem, OptionProblemKind } from './core/options';
// The base of every options error (priceGuard's, the Guard's, the review router's, the metrics', the webhooks').
export { OptionsProblemError } from './core/options';
export type { Order, OrderInput, OrderLimits, OrderLine, OrderVoucher } from './core/order';
// The order contract: its parser (for storefronts that validate before they call the guard) and its limits.
export { DEFAULT_ORDER_LIMITS } from './core/order';
export type { ParseResult } from './core/order-parser';
export { OrderParser } from './core/order-parser';
export type { Campaign, CustomRule, CustomRuleInput, Policy, PolicyInput, VoucherTerms } from './core/policy';
// The policy: parse and check one in code or from a JSON/YAML file, the same way the middleware does.
export { PolicyError, parsePolicy } from './core/policy';
export type { Problem } from './core/problems';
export type {
  Abstention,
  AppliedException,
  Decision,
  Mode,
  Reason,
  RuleId,
  RuleName,
  Verdict,
} from './core/types';
// Decisions and the stable rule ids they name.
export { RULE_IDS } from './core/types';
export type { CheckResult, GuardOptions } from './engine/guard';
// The guard without HTTP, for workers, queues and other frameworks (and `priceGuard({ guard })`); its options error.
export { Guard, GuardOptionsError } from './engine/guard';
export type { HoldContext, PriceGuardMiddleware, PriceGuardOptions } from './middleware/price-guard';
// The middleware: the main entry point, as the default export and by name; its options error.
export { OptionsError, priceGuard as default, priceGuard } from './middleware/price-guard';
export type { Logger } from './ports/logger';
// The metrics port the guard reports through (`checkout-price-guard/metrics` implements it with prom-client).
export type { GuardMetrics } from './ports/metrics';
// The store port, for custom stores and for mounting the same store in the review router.
export type {
  ConfirmedPrice,
  GuardState,
  GuardStore,
  HeldOrder,
  HoldStatus,
  OrderBinding,
  ReviewQueue,
  ShutdownReport,
  StateControls,
} from './ports/store';
export { StoreTimeoutError } from './ports/timeout';
export type { MemoryStoreOptions } from './state/memory/store';
// The embedded store: one process, nothing to run (the Redis store is `checkout-price-guard/redis`).
export { MemoryStore } from './state/memory/store';
