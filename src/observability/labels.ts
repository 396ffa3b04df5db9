// src/observability/labels.ts
// The bounded label values of the metrics: mapped records that keep each list complete, and the `other` fallback.

import { isKnownCurrency } from '../core/currencies';
import { OTHER_VOUCHER_LABEL } from '../core/option-fields';
import type { FaultKind, WebhookOutcome } from '../ports/metrics';
import type { AuditEntry, HoldStatus } from '../ports/store';

/** The label value of anything outside a bounded list (an unconfigured voucher, an unknown operation). */
export const OTHER = OTHER_VOUCHER_LABEL;

/** Label names the metrics set themselves, so constant labels must not reuse them. */
export const OWN_LABELS: readonly string[] = Object.freeze([
  'decision',
  'mode',
  'rule',
  'operation',
  'kind',
  'status',
  'action',
  'outcome',
  'currency',
  'voucher',
  'amount',
  'change',
  'result',
]);

// Mapped records keep these runtime lists complete when the types they mirror grow.

/** Every fault kind, as a mapped record so a new kind fails the build until it is listed. */
export const FAULT_KIND_SET: { [K in FaultKind]: true } = {
  facts_unavailable: true,
  history_unavailable: true,
  vouchers_unavailable: true,
  hold_unstored: true,
  commit_failed: true,
  binding_unavailable: true,
};
/** Every audited reviewer or admin action (all but `held`), as a mapped record kept complete by the build. */
export const REVIEW_ACTION_SET: { [K in Exclude<AuditEntry['action'], 'held'>]: true } = {
  claimed: true,
  approved: true,
  rejected: true,
  voucher_cleared: true,
  voucher_resumed: true,
  voucher_extended: true,
  price_accepted: true,
  history_reset: true,
  floor_set: true,
  floor_removed: true,
  cap_set: true,
  cap_removed: true,
  catalog_uploaded: true,
  catalog_removed: true,
  rule_set: true,
  rule_removed: true,
};
const HOLD_STATUS_SET: { [K in HoldStatus]: true } = { pending: true, approved: true, rejected: true };
/** Every webhook delivery outcome, as a mapped record kept complete by the build. */
export const WEBHOOK_OUTCOME_SET: { [K in WebhookOutcome]: true } = {
  delivered: true,
  failed: true,
  retried: true,
};

/** What became of one config file reload: put in force, refused (the running policy stays), or invalid. */
export type ReloadResult = 'applied' | 'refused' | 'invalid';
/** Every reload result, as a mapped record kept complete by the build. */
export const RELOAD_RESULT_SET: { [K in ReloadResult]: true } = {
  applied: true,
  refused: true,
  invalid: true,
};
/** Values of the `result` label of the reload counter. */
export const RELOAD_RESULTS = Object.freeze(Object.keys(RELOAD_RESULT_SET) as ReloadResult[]);

/** Values of the `kind` label. */
export const FAULT_KINDS = Object.freeze(Object.keys(FAULT_KIND_SET) as FaultKind[]);
/** Values of the `action` label, besides `other`. */
export const REVIEW_ACTIONS = Object.freeze(Object.keys(REVIEW_ACTION_SET));
/** Values of the `outcome` label. */
export const WEBHOOK_OUTCOMES = Object.freeze(Object.keys(WEBHOOK_OUTCOME_SET) as WebhookOutcome[]);
/** Values of the `status` label. */
export const HOLD_STATUSES = Object.freeze(Object.keys(HOLD_STATUS_SET) as HoldStatus[]);
/** Values of the `amount` label of the pending-value gauge, in the order of `MoneyAtStake`. */
export const PENDING_AMOUNTS = Object.freeze([
  'list_value',
  'discount',
  'total',
  'exposure',
  'overcharge',
] as const);

/** `value` when `known` (one of the mapped records above) lists it, else `other`: a label never grows unbounded. */
export function boundedLabel(known: object, value: string): string {
  return Object.hasOwn(known, value) ? value : OTHER;
}

/** The `currency` label: a currency the guard knows, else `other`. */
export function currencyLabel(code: string): string {
  return isKnownCurrency(code) ? code : OTHER;
}
