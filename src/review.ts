// src/review.ts
// `checkout-price-guard/review`: the on-call review queue as an Express router (API and page), and its tokens.

// What the queue keeps and answers, for storefronts that read it.
export type {
  AuditEntry,
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
export type { ReviewRateLimitOptions } from './review/rate-limit';
export type { ReviewRouter, ReviewRouterOptions } from './review/router';
// Mount reviewRouter({ store, tokens }) at /review, on the same store instance as priceGuard({ store }).
export { ReviewOptionsError, reviewRouter } from './review/router';
