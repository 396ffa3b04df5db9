// grafana/panels-incidents.ts
// The dashboard's lower rows: voucher incidents, then money in pending holds, exceptions, the webhook outbox,
// abstentions, custom rules and config reloads.

import { RULE_IDS } from '../src/core/types';
import {
  at,
  type GuardPanel,
  ORDERS_PER_SECOND,
  RATE,
  REVIEW_VOUCHER_LINK,
  s,
  timeseries,
} from './panel-builders';

/** The shop's own rules: every `rule` label but the built-in ids (and `other`). */
export const CUSTOM_RULES_MATCHER = `rule!~"${[...RULE_IDS, 'other'].join('|')}"`;

/** How many voucher codes the top-codes panels show at each point in time. */
export const TOP_CODES = 10;

/** The lower panels, top to bottom; built when called, so panel ids follow the order of the calls. */
export const incidentPanels = (): GuardPanel[] => [
  timeseries({
    title: 'Voucher velocity trips by code (rolling 1 h)',
    description:
      'Voucher codes suspended for a redemption surge in the last hour. Codes the policy declares are named; any other code shows as "other": find it in the review queue (filter by rule voucher_velocity). "resumed" bars are codes that went back to normal on their own once their rate fell. Click a bar for the review page.',
    gridPos: at(0, 36, 12, 8),
    unit: 'none',
    min: 0,
    bars: true,
    thresholds: [
      [null, 'green'],
      [0.5, 'red'],
    ],
    links: [REVIEW_VOUCHER_LINK],
    queries: [
      [`sum by (voucher) (increase(${s('voucherVelocityTrips')}[1h])) > 0`, '{{voucher}}'],
      [`sum by (voucher) (increase(${s('voucherVelocityResumes')}[1h])) > 0`, 'resumed {{voucher}}'],
    ],
  }),
  timeseries({
    title: 'Voucher holds per second by rule',
    description:
      'Orders held by the voucher rules: velocity (surge), budget (uses or money cap reached), ineligible (wrong payment method, customer or minimum spend).',
    gridPos: at(12, 36, 12, 8),
    unit: ORDERS_PER_SECOND,
    min: 0,
    stacked: true,
    queries: [[`sum by (rule) (rate(${s('holds', 'rule=~"voucher_.*"')}[${RATE}]))`, '{{rule}}']],
  }),
  timeseries({
    title: `Top ${TOP_CODES} voucher codes by redemptions per minute`,
    description: `Orders carrying each voucher code per minute, the ${TOP_CODES} busiest codes at each moment: a leak shows as one code climbing long before it trips. Codes the policy declares are named (at most 200), all others add up in "other". Click a line for the review page.`,
    gridPos: at(0, 44, 12, 8),
    unit: 'suffix: /min',
    min: 0,
    links: [REVIEW_VOUCHER_LINK],
    queries: [
      [
        `topk(${TOP_CODES}, sum by (voucher) (rate(${s('voucherRedemptions')}[${RATE}])) * 60)`,
        '{{voucher}}',
      ],
    ],
  }),
  timeseries({
    title: `Top ${TOP_CODES} voucher codes by discount given (rolling 1 h)`,
    description: `Voucher discount claimed by evaluated orders in the last hour, per code and currency, in MINOR units (whole rupiah for IDR): what a code is costing, held or not. The ${TOP_CODES} costliest at each moment; undeclared codes add up in "other".`,
    gridPos: at(12, 44, 12, 8),
    unit: 'short',
    min: 0,
    links: [REVIEW_VOUCHER_LINK],
    queries: [
      [
        `topk(${TOP_CODES}, sum by (voucher, currency) (increase(${s('voucherDiscount')}[1h])))`,
        '{{voucher}} {{currency}}',
      ],
    ],
  }),
  timeseries({
    title: 'Money at stake in pending holds',
    description:
      "Pending holds per currency, in MINOR units: what they leave unpaid of their list value (their discounts plus the shortfall of tampered totals; the review page ranks incidents by it), and what they charge beyond their recomputed totals (the shoppers' harm). This is what the open incidents put at risk until someone decides; 0 when nothing is pending.",
    gridPos: at(0, 52, 12, 8),
    unit: 'short',
    min: 0,
    queries: [
      [`sum by (currency) (${s('pendingValue', 'amount="exposure"')})`, '{{currency}} at stake (unpaid)'],
      [`sum by (currency) (${s('pendingValue', 'amount="overcharge"')})`, '{{currency}} overcharged'],
    ],
  }),
  timeseries({
    title: 'Orders let through by exceptions',
    description:
      'Orders per minute on which a configured policy exception set a rule aside (intended free staff orders, partner prices), by rule. They never count toward the zero-total page; a sudden rise means an exception is wider than meant.',
    gridPos: at(12, 52, 6, 8),
    unit: 'suffix: /min',
    min: 0,
    queries: [[`sum by (rule) (rate(${s('exceptedOrders')}[${RATE}])) * 60 > 0`, '{{rule}}']],
  }),
  timeseries({
    title: 'Webhook outbox',
    description:
      'Webhook deliveries waiting per instance. Normally 0 between decisions; a line that never returns to 0 and keeps rising means the storefront endpoint is failing (PriceGuardWebhookOutboxGrowing).',
    gridPos: at(18, 52, 6, 8),
    unit: 'none',
    min: 0,
    thresholds: [
      [null, 'green'],
      [100, 'yellow'],
      [1000, 'red'],
    ],
    queries: [[`max by (instance) (${s('webhookOutbox')})`, '{{instance}}']],
  }),
  timeseries({
    title: 'Orders a rule could not judge, per minute',
    description:
      'Orders on which a rule abstained by rule: no price history and no reference price yet (a new SKU, a fresh store), or the store did not answer in time. A few on new SKUs are normal; a rule abstaining on most orders means the guard is judging blind. Pair with fault mode activations.',
    gridPos: at(0, 60, 24, 8),
    unit: 'suffix: /min',
    min: 0,
    queries: [[`sum by (rule) (rate(${s('abstentions')}[${RATE}])) * 60 > 0`, '{{rule}}']],
  }),
  timeseries({
    title: 'Custom rules: holds, shadow holds and abstentions per minute',
    description:
      "The shop's own rules (customRules in the policy), by rule id: orders each held, orders it would have held in shadow mode (a new rule on trial: compare with replay's estimate before you enforce it), and orders it could not judge (a fact it reads was unknown, e.g. no declared price without has()). Built-in rules are in the panels above.",
    gridPos: at(0, 68, 24, 8),
    unit: 'suffix: /min',
    min: 0,
    queries: [
      [`sum by (rule) (rate(${s('holds', CUSTOM_RULES_MATCHER)}[${RATE}])) * 60 > 0`, '{{rule}} held'],
      [
        `sum by (rule) (rate(${s('wouldHold', CUSTOM_RULES_MATCHER)}[${RATE}])) * 60 > 0`,
        '{{rule}} (shadow: would hold)',
      ],
      [
        `sum by (rule) (rate(${s('abstentions', CUSTOM_RULES_MATCHER)}[${RATE}])) * 60 > 0`,
        '{{rule}} could not judge',
      ],
    ],
  }),
  timeseries({
    title: 'Config reloads: policy terms added, changed, removed (rolling 1 h)',
    description:
      'What config file reloads did to the policy in the last hour, by change and kind of term (floors, caps, campaigns, voucher_terms, exceptions, custom_rules, catalog, settings), and reloads that were refused (most terms removed without confirmRemovals, an empty policy without confirmEmpty) or invalid. A removal nobody planned is a hole (PriceGuardPolicyTermsRemoved): the warn log line "config reload removed policy terms" names each term. A refused or invalid reload means the file on disk is not the policy in force (PriceGuardReloadRefused).',
    gridPos: at(0, 76, 24, 8),
    unit: 'none',
    min: 0,
    bars: true,
    queries: [
      [`sum by (change, kind) (increase(${s('policyTermsChanged')}[1h])) > 0`, '{{change}} {{kind}}'],
      [
        `sum by (result) (increase(${s('policyReloads', 'result=~"refused|invalid"')}[1h])) > 0`,
        'reload {{result}}',
      ],
    ],
  }),
];
