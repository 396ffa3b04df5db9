// grafana/dashboard.ts
// The "Checkout price guard" Grafana dashboard as code, typed against @grafana/schema; scripts/build-dashboard.ts writes its JSON.

import {
  type AnnotationQuery,
  type Dashboard,
  DashboardCursorSync,
  type DashboardLink,
  VariableHide,
  VariableRefresh,
  VariableSort,
} from '@grafana/schema';
import { DEFAULT_PREFIX } from '../src/observability/metrics';
import { DATASOURCE, type GuardPanel, m, REVIEW_PAGE, s } from './panel-builders';
import { incidentPanels } from './panels-incidents';
import { overviewPanels } from './panels-overview';
import { preflightPanels } from './panels-preflight';

export {
  type GuardPanel,
  INSTANCE_MATCHER,
  type PromQuery,
  type StatPanel,
  type TimeSeriesPanel,
} from './panel-builders';
export { TOP_CODES } from './panels-incidents';
export { REVIEW_SLA_SECONDS } from './panels-overview';

/** Where the generated JSON lives, relative to the package root (the Grafana file provider loads it). */
export const DASHBOARD_FILE = 'grafana/dashboards/checkout-price-guard.json';

/** The dashboard's uid: stable, so links and alerts can point at it. */
export const DASHBOARD_UID = 'checkout-price-guard';

/**
 * The default of the `review_url` variable: where the service serving /review runs (the compose demo's guard).
 * Viewers change it in the variable's box or with `?var-review_url=`; change it here for your own deployment.
 */
export const REVIEW_BASE_URL = 'http://localhost:3000';

/**
 * A Prometheus annotation query: Grafana's annotation fields plus the data source's own (the query, its step, and
 * how a result becomes an event's title, text and tags).
 */
export type PromAnnotation = AnnotationQuery & {
  expr: string;
  step: string;
  titleFormat: string;
  textFormat: string;
  tagKeys: string;
  useValueForTime: boolean;
};

/**
 * The panels, top to bottom: the 3 a.m. summary first, then decisions, money, speed, store, queue, vouchers, and
 * the preflight of the policy in force.
 */
export const panels: GuardPanel[] = [...overviewPanels(), ...incidentPanels(), ...preflightPanels()];

/** Marks every voucher velocity trip on the time series panels, titled with the code. */
export const voucherTripAnnotation: PromAnnotation = {
  name: 'Voucher trips',
  datasource: DATASOURCE,
  enable: true,
  hide: false,
  iconColor: 'red',
  expr: `sum by (voucher) (increase(${s('voucherVelocityTrips')}[1m])) > 0`,
  step: '1m',
  titleFormat: 'Voucher {{voucher}} tripped',
  textFormat: 'Orders using it are held until on-call clears it (runbook: PriceGuardVoucherVelocityTripped).',
  tagKeys: 'voucher',
  useValueForTime: false,
};

/** The links at the top of the dashboard. */
export const links: DashboardLink[] = [
  {
    title: 'Review queue',
    type: 'link',
    url: REVIEW_PAGE,
    icon: 'external link',
    tooltip: 'The review page: held orders, decide them one by one or in bulk (set the review_url variable)',
    targetBlank: true,
    asDropdown: false,
    includeVars: false,
    keepTime: false,
    tags: [],
  },
];

/** The dashboard, checked against Grafana's Dashboard type. */
export const dashboard = {
  uid: DASHBOARD_UID,
  title: 'Checkout price guard',
  description:
    'Orders the guard checks and holds, the money at stake, its speed and store health, the review queue and voucher incidents. See docs/observability.md.',
  tags: ['checkout', 'price-guard'],
  timezone: 'browser',
  editable: false,
  graphTooltip: DashboardCursorSync.Crosshair,
  schemaVersion: 39,
  version: 1,
  refresh: '10s',
  time: { from: 'now-3h', to: 'now' },
  fiscalYearStartMonth: 0,
  liveNow: false,
  links,
  annotations: { list: [voucherTripAnnotation] },
  templating: {
    list: [
      {
        name: 'datasource',
        label: 'Data source',
        type: 'datasource',
        query: 'prometheus',
        current: { text: 'Prometheus', value: 'prometheus' },
        hide: VariableHide.dontHide,
        refresh: VariableRefresh.onDashboardLoad,
        regex: '',
        options: [],
      },
      {
        name: 'instance',
        label: 'Instance',
        description: 'Guard instances to show; every panel and annotation filters on it.',
        type: 'query',
        datasource: DATASOURCE,
        query: { query: `label_values(${m('ordersEvaluated')}, instance)`, refId: 'instance' },
        current: { text: ['All'], value: ['$__all'] },
        includeAll: true,
        allValue: '.*',
        multi: true,
        hide: VariableHide.dontHide,
        refresh: VariableRefresh.onTimeRangeChanged,
        sort: VariableSort.alphabeticalAsc,
        regex: '',
        options: [],
      },
      {
        name: 'review_url',
        label: 'Review page',
        description: 'Base URL of the service that serves /review; the links to the review page use it.',
        type: 'textbox',
        query: REVIEW_BASE_URL,
        current: { text: REVIEW_BASE_URL, value: REVIEW_BASE_URL },
        hide: VariableHide.dontHide,
        options: [{ selected: true, text: REVIEW_BASE_URL, value: REVIEW_BASE_URL }],
      },
    ],
  },
  panels,
} satisfies Dashboard;

/** Full metric names a PromQL expression reads, histogram series reduced to the histogram's name. */
export function metricsIn(expr: string): string[] {
  const names = expr.match(new RegExp(`\\b${DEFAULT_PREFIX}[a-z_]+`, 'g')) ?? [];
  return [...new Set(names.map((name) => name.replace(/_(bucket|sum|count)$/, '')))];
}

/** The JSON written to DASHBOARD_FILE: stable key order, two-space indent, trailing newline. */
export function dashboardJson(): string {
  return `${JSON.stringify(dashboard, null, 2)}\n`;
}
