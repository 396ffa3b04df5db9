// src/index.ts
// The package's public surface; each export says why it is public.

export { loadPolicyFile } from './config/policy-file';
export { ConfigError, loadConfig, parseConfig } from './config/service';
export type { Evaluation } from './core/evaluate';
// The pure core, for tests and tools that evaluate orders themselves.
export { evaluate } from './core/evaluate';
export type { Facts, SkuHistory, VoucherState } from './core/facts';
export type { Language, MessageKey } from './core/messages';
// Shopper-facing texts in Indonesian and English.
export { MESSAGES, negotiateLanguage, shopperMessage } from './core/messages';
// Exact money helpers used in messages and by storefront code.
export { formatBp, formatMoney, MoneyOverflowError } from './core/money';
export type { Order, OrderInput, OrderLimits, OrderLine, OrderVoucher } from './core/order';
// The order contract and its parser.
export { DEFAULT_ORDER_LIMITS, OrderParser } from './core/order';
export type { Campaign, Policy, PolicyInput, VoucherTerms } from './core/policy';
// The policy schema, for validating policy files in CI.
export { DEFAULT_VELOCITY, PolicyError, parsePolicy, policySchema } from './core/policy';
// Preflight: the lowest price each SKU can be paid under a policy's campaigns and codes, before they go live
// (docs/preflight.md); catalog files read as the CLI and the admin API read them.
export type {
  CatalogEntry,
  CatalogOptions,
  CatalogResult,
  PreflightCatalog,
  PreflightFinding,
  PreflightOptions,
  PreflightReport,
  SkuPreflight,
} from './core/preflight';
export {
  CatalogError,
  catalogFromCsv,
  catalogFromJson,
  formatPreflight,
  parseCatalog,
  preflight,
} from './core/preflight';
export type { Problem } from './core/problems';
export { RULES } from './core/rules';
export type { Effects } from './core/rules/context';
export type { LineView, OrderTotals } from './core/totals';
export { deriveTotals } from './core/totals';
export type { Abstention, AppliedException, Decision, Mode, Reason, RuleId, Verdict } from './core/types';
// Decision types and the stable rule ids.
export { RULE_IDS } from './core/types';
export type { CheckResult, GuardOptions, Logger } from './guard';
// The guard without HTTP, for services, workers and replays.
export { Guard, StoreTimeoutError } from './guard';
export type { HoldContext, PriceGuardMiddleware, PriceGuardOptions } from './http/middleware';
// The middleware: the main entry point, as the default export and by name.
export { OptionsError, priceGuard as default, priceGuard } from './http/middleware';
// The standalone service, for embedding or a custom start-up.
export { createService } from './http/service';
// Prometheus metrics for the guard, its store and the review queue, with a /metrics handler (docs/observability.md).
export { instrumentStore } from './observability/instrument-store';
export type { MetricsOptions, PriceGuardMetrics } from './observability/metrics';
export {
  createMetrics,
  declaredVoucherCodes,
  METRIC_NAMES,
  MetricsOptionsError,
} from './observability/metrics';
// Metrics sink interface, for custom metrics back-ends.
export type { FaultKind, GuardMetrics, WebhookOutcome } from './observability/sink';
export type { Reviewer, ReviewRole, ReviewToken } from './review/auth';
// The on-call review queue: mount reviewRouter({ store, tokens }) at /review; hashToken makes token config.
export { hashToken } from './review/auth';
export type { BulkResult } from './review/bulk';
export type { ReviewRateLimitOptions } from './review/rate-limit';
export type { ReviewRouter, ReviewRouterOptions } from './review/router';
export { ReviewOptionsError, reviewRouter } from './review/router';
export type {
  SignedWebhookHeaders,
  VerifyOptions,
  WebhookHeaders,
  WebhookSignatureFailure,
} from './review/signature';
// Standard Webhooks signatures: the verification helper storefronts use on their receiving endpoint, a signer,
// and a generator of `whsec_` secrets.
export {
  assertWebhookSignature,
  generateWebhookSecret,
  signWebhook,
  verifyWebhookSignature,
  WEBHOOK_HEADERS,
  WebhookSignatureError,
} from './review/signature';
export type {
  EventType,
  GuardEvent,
  HeldEvent,
  OutboxStats,
  ReviewEvent,
  VoucherTrippedEvent,
  WebhookEndpoint,
  WebhookOptions,
} from './review/webhooks';
// In-process release/cancel events for storefronts that mount the router in their own app; the webhook event types.
export { EVENT_TYPES, ReviewEvents } from './review/webhooks';
export { createStoreFromEnv } from './state/from-env';
export type { MemoryStoreOptions } from './state/memory/store';
// Stores: the interface for custom stores, and the embedded one.
export { MemoryStore } from './state/memory/store';
export type { RedisConnectionOptions, RedisTarget } from './state/redis/connection';
// Shared state in Redis or Redis Cluster: the store picked from REDIS_URL, and the fail-fast client it uses.
export {
  createRedisClient,
  parseRedisUrl,
  RedisConfigError,
} from './state/redis/connection';
export type { RedisStoreOptions } from './state/redis/store';
// The Redis store itself, for shops that build their own ioredis client.
export { RedisStore } from './state/redis/store';
// The store's shapes, for custom stores: holds, the review queue and the webhook outbox (docs/review-queue.md).
export type {
  AuditEntry,
  DecisionRequest,
  EventOutbox,
  GroupKind,
  GroupList,
  GroupQuery,
  GuardStore,
  HeldOrder,
  HoldFilter,
  HoldGroup,
  HoldOrder,
  HoldPage,
  HoldStatus,
  MoneyAtStake,
  OutboxClaim,
  OutboxClaimRequest,
  OutboxDelivery,
  OutboxRoute,
  OutboxStore,
  QueueStats,
  TransitionResult,
} from './state/types';
