// src/observability/counters.ts
// The counters and histograms of createMetrics with their help texts, registered in a fixed order, and the series
// of bounded label sets started at zero.

import { TERM_CHANGES, TERM_KINDS } from '../core/policy-diff';
import { FAULT_KINDS, RELOAD_RESULTS, REVIEW_ACTIONS, WEBHOOK_OUTCOMES } from './labels';
import { EVALUATION_BUCKETS, METRIC_NAMES, STORE_BUCKETS } from './metric-names';
import type { Registrar } from './registrar';
import { STORE_OPERATIONS } from './store-operations';

/** The store calls of every checked order (bind, prepare, then hold or commit). */
const HOT_PATH_OPERATIONS = ['bind', 'prepare', 'hold', 'commit'] as const;

/** The counters and histograms, by their key in METRIC_NAMES. */
export type GuardCounters = ReturnType<typeof registerCounters>;

/**
 * Registers every counter and histogram, then starts the series of bounded label sets at zero, so increase() and
 * the alerts see the first event. `currencies` are the currencies whose money counters start at zero.
 */
export function registerCounters(registrar: Registrar, currencies: readonly string[]) {
  const { counter, histogram, withConstants } = registrar;
  const counters = {
    ordersEvaluated: counter(
      METRIC_NAMES.ordersEvaluated,
      'Orders evaluated by the price guard, by decision (allow, hold) and mode (enforce, shadow).',
      ['decision', 'mode'],
    ),
    invalidOrders: counter(METRIC_NAMES.invalidOrders, 'Orders rejected as malformed (HTTP 400).', []),
    orderIdReused: counter(
      METRIC_NAMES.orderIdReused,
      'Orders refused because their order id was already used for an order with other content (HTTP 409).',
      [],
    ),
    holds: counter(
      METRIC_NAMES.holds,
      'Newly stored holds, counted once per enforcing rule that fired on the order (an order can count under several rules).',
      ['rule'],
    ),
    wouldHold: counter(METRIC_NAMES.wouldHold, 'Orders a rule in shadow mode would have held, by rule.', [
      'rule',
    ]),
    evaluationDuration: histogram(
      METRIC_NAMES.evaluationDuration,
      'Wall time of one order check (parse, store facts, evaluate), in seconds.',
      [],
      EVALUATION_BUCKETS,
    ),
    storeCallDuration: histogram(
      METRIC_NAMES.storeCallDuration,
      'Wall time of store calls (Redis or memory), in seconds, by GuardStore operation.',
      ['operation'],
      STORE_BUCKETS,
    ),
    storeErrors: counter(
      METRIC_NAMES.storeErrors,
      'Failed store calls (errors, timeouts, facts the store could not provide), by GuardStore operation.',
      ['operation'],
    ),
    faults: counter(
      METRIC_NAMES.faults,
      'Degraded decisions: facts skipped, holds not stored (503), allowed orders not recorded; by kind.',
      ['kind'],
    ),
    reviewerActions: counter(
      METRIC_NAMES.reviewerActions,
      'Reviewer actions on the review queue, by action.',
      ['action'],
    ),
    webhookDeliveries: counter(
      METRIC_NAMES.webhookDeliveries,
      'Webhook delivery attempts, by outcome (delivered, failed, retried).',
      ['outcome'],
    ),
    heldListValue: counter(
      METRIC_NAMES.heldListValue,
      'List value of newly held orders, in minor units of the currency (cents; whole rupiah for IDR).',
      ['currency'],
    ),
    heldDiscount: counter(
      METRIC_NAMES.heldDiscount,
      'Line and voucher discounts of newly held orders, in minor units of the currency.',
      ['currency'],
    ),
    zeroTotalOrders: counter(
      METRIC_NAMES.zeroTotalOrders,
      'Orders seen with a total of zero while their lines list above zero, whatever the decision.',
      [],
    ),
    voucherVelocityTrips: counter(
      METRIC_NAMES.voucherVelocityTrips,
      'Voucher codes suspended by the velocity rule; voucher is a declared code, or "other".',
      ['voucher'],
    ),
    voucherVelocityResumes: counter(
      METRIC_NAMES.voucherVelocityResumes,
      'Tripped voucher codes resumed on their own after their rate was normal for resumeAfterSeconds; voucher is a declared code, or "other".',
      ['voucher'],
    ),
    abstentions: counter(
      METRIC_NAMES.abstentions,
      'Orders a rule could not judge, by rule: a SKU with no history, accepted price or declared list price, or the store unavailable. A rise means the guard is judging blind.',
      ['rule'],
    ),
    voucherRedemptions: counter(
      METRIC_NAMES.voucherRedemptions,
      'Evaluated orders carrying a voucher code (redemption attempts, whatever the decision); voucher is a declared code, or "other".',
      ['voucher'],
    ),
    voucherDiscount: counter(
      METRIC_NAMES.voucherDiscount,
      'Voucher discounts claimed by evaluated orders, in minor units of the currency; voucher is a declared code, or "other".',
      ['voucher', 'currency'],
    ),
    exceptedOrders: counter(
      METRIC_NAMES.exceptedOrders,
      "Orders on which a configured policy exception set a rule's reason aside, by rule (once per order and rule).",
      ['rule'],
    ),
    policyReloads: counter(
      METRIC_NAMES.policyReloads,
      'Config file reloads, by result: applied, refused (it would drop the policy or most of its terms without confirmEmpty or confirmRemovals; the running policy stays in force) or invalid (the file failed validation).',
      ['result'],
    ),
    policyTermsChanged: counter(
      METRIC_NAMES.policyTermsChanged,
      'Policy terms an applied config reload added, changed or removed, by change and kind of term (floors, caps, campaigns, voucher_terms, exceptions, custom_rules, catalog, settings).',
      ['change', 'kind'],
    ),
  };

  for (const decision of ['allow', 'hold']) {
    for (const mode of ['enforce', 'shadow']) {
      counters.ordersEvaluated.inc(withConstants({ decision, mode }), 0);
    }
  }
  // The `rule` series start in rule-labels.ts: the built-in rules here, custom rules with the policy in force.
  for (const kind of FAULT_KINDS) counters.faults.inc(withConstants({ kind }), 0);
  for (const operation of STORE_OPERATIONS) counters.storeErrors.inc(withConstants({ operation }), 0);
  // The store latency histogram exists from the start through the calls every checked order makes; the other
  // operations' buckets appear on their first call.
  for (const operation of HOT_PATH_OPERATIONS) {
    counters.storeCallDuration.zero(withConstants({ operation }));
  }
  for (const action of REVIEW_ACTIONS) counters.reviewerActions.inc(withConstants({ action }), 0);
  for (const outcome of WEBHOOK_OUTCOMES) counters.webhookDeliveries.inc(withConstants({ outcome }), 0);
  for (const currency of currencies) {
    counters.heldListValue.inc(withConstants({ currency }), 0);
    counters.heldDiscount.inc(withConstants({ currency }), 0);
  }
  for (const result of RELOAD_RESULTS) counters.policyReloads.inc(withConstants({ result }), 0);
  for (const change of TERM_CHANGES) {
    for (const kind of TERM_KINDS) counters.policyTermsChanged.inc(withConstants({ change, kind }), 0);
  }
  counters.invalidOrders.inc(withConstants({}), 0);
  counters.orderIdReused.inc(withConstants({}), 0);
  counters.zeroTotalOrders.inc(withConstants({}), 0);
  return counters;
}
