// src/index.ts
// The package's public surface; each export says why it is public.

export type { Effects, Evaluation, LineView, OrderTotals } from './evaluate';
// The pure core, for tests and tools that evaluate orders themselves.
export { deriveTotals, evaluate, RULES } from './evaluate';
export type { Facts, SkuHistory, VoucherState } from './facts';
export type { CheckResult, GuardOptions, Logger } from './guard';
// The guard without HTTP, for services, workers and replays.
export { Guard, StoreTimeoutError } from './guard';
export type { MemoryStoreOptions } from './memory-store';
// Stores: the interface for custom stores, and the embedded one.
export { MemoryStore } from './memory-store';
export type { Language, MessageKey } from './messages';
// Shopper-facing texts in Indonesian and English.
export { MESSAGES, negotiateLanguage, shopperMessage } from './messages';
export type { MetricsOptions, PriceGuardMetrics } from './metrics';
// Prometheus metrics for the guard, its store and the review queue, with a /metrics handler (docs/observability.md).
export { createMetrics, instrumentStore, METRIC_NAMES, MetricsOptionsError } from './metrics';
// Metrics sink interface, for custom metrics back-ends.
export type { FaultKind, GuardMetrics, WebhookOutcome } from './metrics-types';
export type { HoldContext, PriceGuardMiddleware, PriceGuardOptions } from './middleware';
// The middleware: the main entry point, as the default export and by name.
export { OptionsError, priceGuard as default, priceGuard } from './middleware';
// Exact money helpers used in messages and by storefront code.
export { formatBp, formatMoney, MoneyOverflowError } from './money';
export type { Order, OrderInput, OrderLimits, OrderLine, OrderVoucher, Problem } from './order';
// The order contract and its parser.
export { DEFAULT_ORDER_LIMITS, OrderParser } from './order';
export type { Campaign, Policy, PolicyInput, VoucherTerms } from './policy';
// The policy schema, for validating policy files in CI.
export { DEFAULT_VELOCITY, loadPolicyFile, PolicyError, parsePolicy, policySchema } from './policy';
export type { RedisConnectionOptions, RedisTarget } from './redis-connection';
// Shared state in Redis or Redis Cluster: the store picked from REDIS_URL, and the fail-fast client it uses.
export { createRedisClient, createStoreFromEnv, parseRedisUrl, RedisConfigError } from './redis-connection';
export type { RedisStoreOptions } from './redis-store';
// The Redis store itself, for shops that build their own ioredis client.
export { RedisStore } from './redis-store';
export type { Reviewer, ReviewRole, ReviewToken } from './review/auth';
// The on-call review queue: mount reviewRouter({ store, tokens }) at /review; hashToken makes token config.
export { hashToken } from './review/auth';
export type { BulkResult } from './review/bulk';
export type { ReviewRateLimitOptions } from './review/rate-limit';
export type { ReviewRouter, ReviewRouterOptions } from './review/router';
export { ReviewOptionsError, reviewRouter } from './review/router';
export type { OutboxStats, ReviewEvent, WebhookEndpoint, WebhookOptions } from './review/webhooks';
// In-process release/cancel events for storefronts that mount the router in their own app.
export { ReviewEvents } from './review/webhooks';
// The standalone service, for embedding or a custom start-up.
export { createService } from './service/app';
export { ConfigError, loadConfig, parseConfig } from './service/config';
export type {
  AuditEntry,
  DecisionRequest,
  GuardStore,
  HeldOrder,
  HoldFilter,
  HoldPage,
  HoldStatus,
  QueueStats,
  TransitionResult,
} from './store';
export type { Abstention, AppliedException, Decision, Mode, Reason, RuleId, Verdict } from './types';
// Decision types and the stable rule ids.
export { RULE_IDS } from './types';
export type { VerifyOptions, WebhookSignatureFailure } from './webhook-signature';
// The webhook verification helper storefronts use on their receiving endpoint.
export {
  assertWebhookSignature,
  SIGNATURE_HEADER,
  signWebhook,
  verifyWebhookSignature,
  WebhookSignatureError,
} from './webhook-signature';
