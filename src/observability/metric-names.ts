// src/observability/metric-names.ts
// The metric names (without the prefix) the dashboard and alert rules build on, and the histograms' buckets.

/** Prepended to every metric name unless the `prefix` option says otherwise. */
export const DEFAULT_PREFIX = 'checkout_price_guard_';

/**
 * Every metric's name without the prefix. The dashboard (grafana/dashboard.ts) builds its queries from these, and
 * test/prometheus.test.ts checks that prometheus/alerts.yml names only these.
 */
export const METRIC_NAMES = Object.freeze({
  /** Counter {decision, mode}: orders evaluated. */
  ordersEvaluated: 'orders_evaluated_total',
  /** Counter: orders rejected as malformed (400). */
  invalidOrders: 'invalid_orders_total',
  /** Counter: orders refused because their id was already used for other content (409 order_id_reused). */
  orderIdReused: 'order_id_reused_total',
  /** Counter {rule}: newly stored holds, once per enforcing rule that fired on the order. */
  holds: 'holds_total',
  /** Counter {rule}: orders a rule in shadow mode would have held. */
  wouldHold: 'would_hold_total',
  /** Histogram: wall time of parse + facts + evaluate per order, in seconds. */
  evaluationDuration: 'evaluation_duration_seconds',
  /** Histogram {operation}: wall time of store calls, in seconds. */
  storeCallDuration: 'store_call_duration_seconds',
  /** Counter {operation}: failed store calls. */
  storeErrors: 'store_errors_total',
  /** Counter {kind}: degraded decisions (facts skipped, holds not stored, commits lost). */
  faults: 'faults_total',
  /** Gauge {status}: held orders in the review queue by status. */
  queueHolds: 'review_queue_holds',
  /** Gauge: age of the oldest pending hold, in seconds (0 when none is pending). */
  queueOldestPendingAge: 'review_queue_oldest_pending_age_seconds',
  /** Counter {action}: reviewer actions on the queue. */
  reviewerActions: 'reviewer_actions_total',
  /** Counter {outcome}: webhook delivery attempts. */
  webhookDeliveries: 'webhook_deliveries_total',
  /** Counter {currency}: list value of newly held orders, in minor units. */
  heldListValue: 'held_list_value_minor_total',
  /** Counter {currency}: line plus voucher discounts of newly held orders, in minor units. */
  heldDiscount: 'held_discount_minor_total',
  /** Counter: orders seen with a zero total while their lines list above zero (held or not). */
  zeroTotalOrders: 'zero_total_orders_total',
  /** Counter {voucher}: voucher velocity trips; `voucher` is a declared code or `other`. */
  voucherVelocityTrips: 'voucher_velocity_trips_total',
  /** Counter {voucher}: tripped codes that resumed on their own once their rate was normal again. */
  voucherVelocityResumes: 'voucher_velocity_resumes_total',
  /** Counter {rule}: orders a rule could not judge (no history and no reference price, store degraded). */
  abstentions: 'rule_abstentions_total',
  /** Counter {voucher}: evaluated orders carrying a voucher code (redemption attempts), whatever the decision. */
  voucherRedemptions: 'voucher_redemption_attempts_total',
  /** Counter {voucher, currency}: voucher discounts claimed by evaluated orders, in minor units. */
  voucherDiscount: 'voucher_discount_minor_total',
  /** Counter {rule}: orders on which a configured exception set a rule's reason aside (never paging). */
  exceptedOrders: 'excepted_orders_total',
  /** Gauge {currency, amount}: money in pending holds (list_value, discount, total), in minor units. */
  pendingValue: 'review_queue_pending_value_minor',
  /** Gauge: webhook deliveries waiting in the outbox (one per event and endpoint). */
  webhookOutbox: 'webhook_outbox_pending',
  /** Counter {result}: config file reloads: applied, refused (the policy stays) or invalid (the file failed validation). */
  policyReloads: 'policy_reloads_total',
  /** Counter {change, kind}: policy terms an applied reload added, changed or removed, by kind of term. */
  policyTermsChanged: 'policy_terms_changed_total',
  /** Gauge {severity}: problems (error, warning) the service's last preflight of the policy in force found. */
  preflightProblems: 'preflight_problems',
  /**
   * Gauge: unix time (seconds) of the earliest instant ahead (a campaign or voucher start) at which the service's
   * last preflight found an error not found now; 0 when none.
   */
  preflightConflictAhead: 'preflight_conflict_ahead_timestamp_seconds',
});

/** Buckets of the evaluation histogram: 25 µs to 250 ms (the store timeout is 200 ms by default). */
export const EVALUATION_BUCKETS: readonly number[] = Object.freeze([
  0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
]);

/** Buckets of the store call histogram: 100 µs to 1 s. */
export const STORE_BUCKETS: readonly number[] = Object.freeze([
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
]);
