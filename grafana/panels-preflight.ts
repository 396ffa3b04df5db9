// grafana/panels-preflight.ts
// The dashboard's bottom row: what the service's background preflight of the policy in force found, and how soon.

import { at, type GuardPanel, s, stat, timeseries } from './panel-builders';

/** The bottom panels; built when called, so panel ids follow the order of the calls. */
export const preflightPanels = (): GuardPanel[] => [
  stat({
    title: 'Preflight: next conflict in',
    description:
      "Time until the earliest campaign or voucher start (within 7 days) at which the service's preflight of the policy in force found an error not found now: the policy's own floors or caps would hold what its promotions allow, or a cap gives a SKU away. 0 when none. Red tickets PriceGuardPreflightConflictAhead; the service log names the SKU, campaign and instant.",
    gridPos: at(0, 84, 8, 6),
    unit: 's',
    expr: `clamp_min(max(${s('preflightConflictAhead')}) - time(), 0)`,
    thresholds: [
      [null, 'green'],
      [1, 'red'],
    ],
  }),
  timeseries({
    title: 'Preflight problems by severity',
    description:
      "What the service's last preflight of the policy in force found, now and at each campaign or voucher start of the days ahead, each finding once: errors (a price under a floor, near zero or free; a cap that allows it) and warnings (codes without limits, campaigns their own caps would hold). It runs at start, after every policy change and hourly. POST /v1/admin/preflight gives the report.",
    gridPos: at(8, 84, 16, 6),
    unit: 'none',
    min: 0,
    thresholds: [
      [null, 'green'],
      [1, 'red'],
    ],
    queries: [[`max by (severity) (${s('preflightProblems')})`, '{{severity}}']],
  }),
];
