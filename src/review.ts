// src/review.ts
// `checkout-price-guard/review`: the on-call review queue as an Express router (API and page), and its tokens.

export type { ReviewControl, ReviewStore, ReviewWorkflowOptions } from './engine/review';
// Decisions and on-call's controls over any store, for tools that decide outside the router (the router uses it).
export { ReviewWorkflow, UnsupportedControlError } from './engine/review';
// What the queue keeps and answers, for storefronts that read it.
export type {
  AuditEntry,
  ConfirmedPrice,
  DecisionRequest,
  GroupKind,
  GroupList,
  GroupQuery,
  HoldFilter,
  HoldGroup,
  HoldOrder,
  HoldPage,
  Incident,
  IncidentBreakdown,
  IncidentCause,
  IncidentList,
  IncidentQuery,
  MoneyAtStake,
  QueueStats,
  TransitionResult,
  TrippedVoucher,
} from './ports/store';
export type { Reviewer, ReviewRole, ReviewToken } from './review/auth';
// Review tokens are configured as SHA-256 hashes: hashToken makes one from a token.
export { hashToken } from './review/auth';
export type { BulkResult } from './review/bulk';
// One limiter for several routers (the review API and an API of yours), so they draw from one budget.
export { rateLimitBudget } from './review/options';
export type { RateLimitBudget, ReviewRateLimitOptions } from './review/rate-limit';
export type { ReviewRouter, ReviewRouterOptions } from './review/router';
// Mount reviewRouter({ store, tokens }) at /review, on the same store instance as priceGuard({ store }).
export { ReviewOptionsError, reviewRouter } from './review/router';
