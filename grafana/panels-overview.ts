// grafana/panels-overview.ts
// The dashboard's upper rows: the 3 a.m. summary stats, then decisions, money, speed, store and the review queue.

import {
  at,
  GREEN_ONLY,
  type GuardPanel,
  m,
  ORDERS_PER_SECOND,
  on,
  RATE,
  s,
  stat,
  timeseries,
} from './panel-builders';

/** Minutes a hold may wait for review before the queue SLA alert fires (prometheus/alerts.yml uses the same). */
export const REVIEW_SLA_SECONDS = 15 * 60;

const evaluated = s('ordersEvaluated');
const holdRatio = (window: string) =>
  `sum(rate(${s('ordersEvaluated', 'decision="hold"')}[${window}])) / sum(rate(${evaluated}[${window}]))`;
const quantile = (q: number, metric: string, by = 'le') =>
  `histogram_quantile(${q}, sum by (${by}) (rate(${on(`${metric}_bucket`)}[${RATE}])))`;

/** The upper panels, top to bottom; built when called, so panel ids follow the order of the calls. */
export const overviewPanels = (): GuardPanel[] => [
  stat({
    title: 'Orders checked',
    description:
      'Orders the guard evaluated per second, all decisions. Zero during shop hours means checkout is not reaching the guard.',
    gridPos: at(0, 0, 4, 4),
    unit: ORDERS_PER_SECOND,
    expr: `sum(rate(${evaluated}[${RATE}]))`,
    thresholds: GREEN_ONLY,
    decimals: 2,
  }),
  stat({
    title: 'Hold rate (15 min)',
    description:
      'Share of evaluated orders held over the last 15 minutes. Normally well under 1%; above 5% pages (PriceGuardHoldRateSpike).',
    gridPos: at(4, 0, 4, 4),
    unit: 'percentunit',
    expr: holdRatio('15m'),
    thresholds: [
      [null, 'green'],
      [0.01, 'yellow'],
      [0.05, 'red'],
    ],
    decimals: 1,
  }),
  stat({
    title: 'Pending reviews',
    description:
      'Held orders waiting for a reviewer right now. Each is a customer whose order is not being packed.',
    gridPos: at(8, 0, 4, 4),
    unit: 'none',
    expr: `sum(${s('queueHolds', 'status="pending"')})`,
    thresholds: [
      [null, 'green'],
      [10, 'yellow'],
      [50, 'red'],
    ],
  }),
  stat({
    title: 'Oldest pending hold',
    description: `How long the oldest held order has waited for review. Red at the ${REVIEW_SLA_SECONDS / 60} min review SLA (PriceGuardReviewQueueSLA).`,
    gridPos: at(12, 0, 4, 4),
    unit: 's',
    expr: `max(${s('queueOldestPendingAge')})`,
    thresholds: [
      [null, 'green'],
      [REVIEW_SLA_SECONDS * (2 / 3), 'yellow'],
      [REVIEW_SLA_SECONDS, 'red'],
    ],
  }),
  stat({
    title: 'Zero-total orders (1 h)',
    description:
      'Orders with a total of 0 while their lines list above 0, last hour, held or not. Anything above 0 is the pricing-glitch incident pattern: page.',
    gridPos: at(16, 0, 4, 4),
    unit: 'none',
    expr: `sum(increase(${s('zeroTotalOrders')}[1h]))`,
    thresholds: [
      [null, 'green'],
      [0.5, 'red'],
    ],
    decimals: 0,
  }),
  stat({
    title: 'Voucher trips (1 h)',
    description:
      'Voucher codes suspended by the velocity rule in the last hour: a code redeemed far faster than normal, the leaked-voucher pattern.',
    gridPos: at(20, 0, 4, 4),
    unit: 'none',
    expr: `sum(increase(${s('voucherVelocityTrips')}[1h]))`,
    thresholds: [
      [null, 'green'],
      [0.5, 'red'],
    ],
    decimals: 0,
  }),
  timeseries({
    title: 'Decisions per second',
    description:
      'Orders allowed and held per second, by mode (shadow mode allows everything and only records), malformed orders rejected with 400, and orders refused with 409 because their id was already used for other content.',
    gridPos: at(0, 4, 12, 8),
    unit: ORDERS_PER_SECOND,
    min: 0,
    stacked: true,
    queries: [
      [`sum by (decision, mode) (rate(${evaluated}[${RATE}]))`, '{{decision}} ({{mode}})'],
      [`sum(rate(${s('invalidOrders')}[${RATE}]))`, 'invalid (400)'],
      [`sum(rate(${s('orderIdReused')}[${RATE}]))`, 'order id reused (409)'],
    ],
  }),
  timeseries({
    title: 'Hold rate by rule',
    description:
      'Share of evaluated orders held, by the rule that fired (an order held by two rules counts under both). Dashed: rules in shadow mode that would have held. Yellow 1%, red 5%.',
    gridPos: at(12, 4, 12, 8),
    unit: 'percentunit',
    min: 0,
    thresholds: [
      [null, 'green'],
      [0.01, 'yellow'],
      [0.05, 'red'],
    ],
    queries: [
      [`sum by (rule) (rate(${s('holds')}[${RATE}])) / scalar(sum(rate(${evaluated}[${RATE}])))`, '{{rule}}'],
      [
        `sum by (rule) (rate(${s('wouldHold')}[${RATE}])) / scalar(sum(rate(${evaluated}[${RATE}])))`,
        '{{rule}} (shadow: would hold)',
      ],
    ],
  }),
  timeseries({
    title: 'Money held per currency (rolling 1 h)',
    description:
      'List value and discounts of orders held in the last hour, per currency, in MINOR units (cents; whole rupiah for IDR). This is what the guard kept from shipping; the review queue has the orders.',
    gridPos: at(0, 12, 12, 8),
    unit: 'short',
    min: 0,
    queries: [
      [`sum by (currency) (increase(${s('heldListValue')}[1h])) > 0`, '{{currency}} list value'],
      [`sum by (currency) (increase(${s('heldDiscount')}[1h])) > 0`, '{{currency}} discount'],
    ],
  }),
  timeseries({
    title: 'Evaluation latency p50 / p99',
    description:
      'Time the guard adds to a checkout (parse, store facts, rules). Sub-millisecond is normal with a healthy store; red at 50 ms (PriceGuardLatencyHigh). The store timeout caps it near 200 ms.',
    gridPos: at(12, 12, 12, 8),
    unit: 's',
    min: 0,
    thresholds: [
      [null, 'green'],
      [0.01, 'yellow'],
      [0.05, 'red'],
    ],
    queries: [
      [quantile(0.5, m('evaluationDuration')), 'p50'],
      [quantile(0.99, m('evaluationDuration')), 'p99'],
    ],
  }),
  timeseries({
    title: 'Store latency p99 by operation',
    description:
      'p99 wall time of calls to the store (Redis), by operation. prepare runs on every checkout; above 200 ms the guard stops waiting and judges without history and voucher counters.',
    gridPos: at(0, 20, 8, 8),
    unit: 's',
    min: 0,
    thresholds: [
      [null, 'green'],
      [0.05, 'yellow'],
      [0.2, 'red'],
    ],
    queries: [[quantile(0.99, m('storeCallDuration'), 'le, operation'), '{{operation}}']],
  }),
  timeseries({
    title: 'Store errors per second',
    description:
      'Failed store calls (errors, timeouts, facts the store could not give) per second, all operations and by operation. Should be 0; any error pages (PriceGuardStoreErrors).',
    gridPos: at(8, 20, 8, 8),
    unit: 'suffix: errors/s',
    min: 0,
    thresholds: [
      [null, 'green'],
      [0.001, 'red'],
    ],
    queries: [
      [`sum(rate(${s('storeErrors')}[${RATE}]))`, 'all operations'],
      [`sum by (operation) (rate(${s('storeErrors')}[${RATE}])) > 0`, '{{operation}}'],
    ],
  }),
  timeseries({
    title: 'Fault mode activations per second',
    description:
      'Decisions made in degraded mode: facts skipped (rules abstained), holds that could not be stored (shopper got 503, retry), allowed orders not recorded. Should be 0.',
    gridPos: at(16, 20, 8, 8),
    unit: 'suffix: /s',
    min: 0,
    thresholds: [
      [null, 'green'],
      [0.001, 'red'],
    ],
    queries: [
      [`sum(rate(${s('faults')}[${RATE}]))`, 'all kinds'],
      [`sum by (kind) (rate(${s('faults')}[${RATE}])) > 0`, '{{kind}}'],
    ],
  }),
  timeseries({
    title: 'Review queue depth by status',
    description:
      'Held orders in the review queue by status: pending ones wait for a person; approved were released, rejected cancelled. Yellow at 10 pending, red at 50.',
    gridPos: at(0, 28, 8, 8),
    unit: 'none',
    min: 0,
    thresholds: [
      [null, 'green'],
      [10, 'yellow'],
      [50, 'red'],
    ],
    queries: [[`sum by (status) (${s('queueHolds')})`, '{{status}}']],
  }),
  timeseries({
    title: 'Oldest pending hold age',
    description: `How long the oldest pending hold has waited. A rising line means nobody is working the queue; red at the ${REVIEW_SLA_SECONDS / 60} min SLA.`,
    gridPos: at(8, 28, 8, 8),
    unit: 's',
    min: 0,
    thresholds: [
      [null, 'green'],
      [REVIEW_SLA_SECONDS * (2 / 3), 'yellow'],
      [REVIEW_SLA_SECONDS, 'red'],
    ],
    queries: [[`max(${s('queueOldestPendingAge')})`, 'oldest pending']],
  }),
  timeseries({
    title: 'Reviewer actions and webhooks per minute',
    description:
      'Is anyone working the queue? Reviewer actions per minute by action, and webhook deliveries to the storefront by outcome (failed means the shop did not hear a decision).',
    gridPos: at(16, 28, 8, 8),
    unit: 'suffix: /min',
    min: 0,
    queries: [
      [`sum by (action) (rate(${s('reviewerActions')}[${RATE}])) * 60 > 0`, '{{action}}'],
      [`sum by (outcome) (rate(${s('webhookDeliveries')}[${RATE}])) * 60`, 'webhook {{outcome}}'],
    ],
  }),
];
