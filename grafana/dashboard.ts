// grafana/dashboard.ts
// The "Checkout price guard" Grafana dashboard as code, typed against @grafana/schema; scripts/build-dashboard.ts writes its JSON.

import {
  type AnnotationQuery,
  AxisPlacement,
  BigValueColorMode,
  BigValueGraphMode,
  BigValueJustifyMode,
  BigValueTextMode,
  type Dashboard,
  DashboardCursorSync,
  type DashboardLink,
  type DataSourceRef,
  FieldColorModeId,
  type FieldConfigSource,
  GraphDrawStyle,
  GraphGradientMode,
  GraphThresholdsStyleMode,
  type GridPos,
  LegendDisplayMode,
  LineInterpolation,
  type Panel,
  PercentChangeColorMode,
  SortOrder,
  StackingMode,
  type ThresholdsConfig,
  ThresholdsMode,
  TooltipDisplayMode,
  VariableHide,
  VariableRefresh,
  VariableSort,
  VisibilityMode,
  VizOrientation,
} from '@grafana/schema';
import type { Options as StatOptions } from '@grafana/schema/dist/esm/raw/composable/stat/panelcfg/x/StatPanelCfg_types.gen';
import type {
  FieldConfig as TimeSeriesFieldConfig,
  Options as TimeSeriesOptions,
} from '@grafana/schema/dist/esm/raw/composable/timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen';
import { DEFAULT_PREFIX, METRIC_NAMES } from '../src/observability/metrics';

/** Where the generated JSON lives, relative to the package root (the Grafana file provider loads it). */
export const DASHBOARD_FILE = 'grafana/dashboards/checkout-price-guard.json';

/** The dashboard's uid: stable, so links and alerts can point at it. */
export const DASHBOARD_UID = 'checkout-price-guard';

/** Minutes a hold may wait for review before the queue SLA alert fires (prometheus/alerts.yml uses the same). */
export const REVIEW_SLA_SECONDS = 15 * 60;

/**
 * The default of the `review_url` variable: where the service serving /review runs (the compose demo's guard).
 * Viewers change it in the variable's box or with `?var-review_url=`; change it here for your own deployment.
 */
export const REVIEW_BASE_URL = 'http://localhost:3000';

/** How many voucher codes the top-codes panels show at each point in time. */
export const TOP_CODES = 10;

/** One PromQL query of a panel. A type alias, not an interface, so it fits Panel's `targets` record type. */
export type PromQuery = {
  refId: string;
  expr: string;
  legendFormat: string;
  datasource: DataSourceRef;
  editorMode: 'code';
  range: boolean;
};

/** A time series panel with Grafana's own option and field config types for that panel. */
export type TimeSeriesPanel = Omit<Panel, 'type' | 'options' | 'fieldConfig' | 'targets'> & {
  type: 'timeseries';
  title: string;
  description: string;
  gridPos: GridPos;
  datasource: DataSourceRef;
  options: TimeSeriesOptions & Record<string, unknown>;
  fieldConfig: FieldConfigSource<TimeSeriesFieldConfig> & {
    defaults: { unit: string; thresholds: ThresholdsConfig };
  };
  targets: PromQuery[];
};

/** A stat panel with Grafana's own option types for that panel. */
export type StatPanel = Omit<Panel, 'type' | 'options' | 'fieldConfig' | 'targets'> & {
  type: 'stat';
  title: string;
  description: string;
  gridPos: GridPos;
  datasource: DataSourceRef;
  options: StatOptions & Record<string, unknown>;
  fieldConfig: FieldConfigSource & { defaults: { unit: string; thresholds: ThresholdsConfig } };
  targets: PromQuery[];
};

/** Every panel of this dashboard. */
export type GuardPanel = TimeSeriesPanel | StatPanel;

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

// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax; panels follow the data source picker.
const DATASOURCE: DataSourceRef = { type: 'prometheus', uid: '${datasource}' };

/** A metric's full name with the default prefix (the dashboard assumes the default `prefix`). */
const m = (name: keyof typeof METRIC_NAMES) => `${DEFAULT_PREFIX}${METRIC_NAMES[name]}`;
const RATE = '$__rate_interval';
/** The matcher every query carries: the instances picked in the `instance` variable (all by default). */
export const INSTANCE_MATCHER = 'instance=~"$instance"';
/** A series selector of `metric` (a full name) on the picked instances, with more matchers if given. */
const on = (metric: string, matchers = '') =>
  `${metric}{${INSTANCE_MATCHER}${matchers === '' ? '' : `,${matchers}`}}`;
/** The same for a metric of METRIC_NAMES. */
const s = (name: keyof typeof METRIC_NAMES, matchers = '') => on(m(name), matchers);
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, resolved in the browser.
const REVIEW_PAGE = '${review_url}/review/';

const ORDERS_PER_SECOND = 'suffix: orders/s';

type Step = [value: number | null, color: string];

function thresholds(steps: Step[]): ThresholdsConfig {
  return {
    mode: ThresholdsMode.Absolute,
    steps: steps.map(([value, color]) => ({ value, color })),
  };
}

const GREEN_ONLY: Step[] = [[null, 'green']];

function queries(list: Array<[expr: string, legend: string]>): PromQuery[] {
  return list.map(([expr, legendFormat], index) => ({
    refId: String.fromCharCode(65 + index),
    expr,
    legendFormat,
    datasource: DATASOURCE,
    editorMode: 'code',
    range: true,
  }));
}

/** A link from each series of a panel to the review page, for the series' voucher code. */
interface DataLink {
  title: string;
  url: string;
  targetBlank: boolean;
}

// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, resolved in the browser.
const SERIES_VOUCHER = '${__field.labels.voucher}';

/** The review page for the voucher of the series under the cursor. */
const REVIEW_VOUCHER_LINK: DataLink = {
  title: `Open the review page for voucher ${SERIES_VOUCHER}`,
  url: `${REVIEW_PAGE}?voucher=${SERIES_VOUCHER}`,
  targetBlank: true,
};

interface TimeSeriesSpec {
  title: string;
  description: string;
  gridPos: GridPos;
  unit: string;
  queries: Array<[expr: string, legend: string]>;
  /** Data links on every series (e.g. to the review page for the series' voucher). */
  links?: DataLink[];
  /** Threshold steps; drawn as dashed lines when more than the base step is given. */
  thresholds?: Step[];
  min?: number;
  stacked?: boolean;
  bars?: boolean;
}

let nextId = 1;

function timeseries(spec: TimeSeriesSpec): TimeSeriesPanel {
  const steps = spec.thresholds ?? GREEN_ONLY;
  return {
    id: nextId++,
    type: 'timeseries',
    title: spec.title,
    description: spec.description,
    gridPos: spec.gridPos,
    datasource: DATASOURCE,
    targets: queries(spec.queries),
    fieldConfig: {
      defaults: {
        unit: spec.unit,
        ...(spec.min !== undefined ? { min: spec.min } : {}),
        ...(spec.links !== undefined ? { links: spec.links } : {}),
        color: { mode: FieldColorModeId.PaletteClassic },
        thresholds: thresholds(steps),
        custom: {
          drawStyle: spec.bars ? GraphDrawStyle.Bars : GraphDrawStyle.Line,
          lineInterpolation: LineInterpolation.Linear,
          lineWidth: 1,
          fillOpacity: spec.stacked || spec.bars ? 60 : 10,
          gradientMode: GraphGradientMode.None,
          showPoints: VisibilityMode.Never,
          spanNulls: false,
          axisPlacement: AxisPlacement.Auto,
          stacking: { mode: spec.stacked ? StackingMode.Normal : StackingMode.None, group: 'A' },
          thresholdsStyle: {
            mode: steps.length > 1 ? GraphThresholdsStyleMode.Dashed : GraphThresholdsStyleMode.Off,
          },
        },
      },
      overrides: [],
    },
    options: {
      legend: {
        showLegend: true,
        displayMode: LegendDisplayMode.Table,
        placement: 'right',
        calcs: ['last', 'max'],
      },
      tooltip: { mode: TooltipDisplayMode.Multi, sort: SortOrder.Descending },
    },
  };
}

interface StatSpec {
  title: string;
  description: string;
  gridPos: GridPos;
  unit: string;
  expr: string;
  thresholds: Step[];
  decimals?: number;
}

function stat(spec: StatSpec): StatPanel {
  return {
    id: nextId++,
    type: 'stat',
    title: spec.title,
    description: spec.description,
    gridPos: spec.gridPos,
    datasource: DATASOURCE,
    targets: queries([[spec.expr, spec.title]]),
    fieldConfig: {
      defaults: {
        unit: spec.unit,
        ...(spec.decimals !== undefined ? { decimals: spec.decimals } : {}),
        color: { mode: FieldColorModeId.Thresholds },
        thresholds: thresholds(spec.thresholds),
        noValue: 'no data: is the guard scraped?',
      },
      overrides: [],
    },
    options: {
      reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
      orientation: VizOrientation.Auto,
      colorMode: BigValueColorMode.Background,
      graphMode: BigValueGraphMode.Area,
      justifyMode: BigValueJustifyMode.Auto,
      textMode: BigValueTextMode.Value,
      wideLayout: true,
      showPercentChange: false,
      percentChangeColorMode: PercentChangeColorMode.Standard,
    },
  };
}

const at = (x: number, y: number, w: number, h: number): GridPos => ({ x, y, w, h });

const evaluated = s('ordersEvaluated');
const holdRatio = (window: string) =>
  `sum(rate(${s('ordersEvaluated', 'decision="hold"')}[${window}])) / sum(rate(${evaluated}[${window}]))`;
const quantile = (q: number, metric: string, by = 'le') =>
  `histogram_quantile(${q}, sum by (${by}) (rate(${on(`${metric}_bucket`)}[${RATE}])))`;

/** The panels, top to bottom: the 3 a.m. summary first, then decisions, money, speed, store, queue, vouchers. */
export const panels: GuardPanel[] = [
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
      'Pending holds per currency, in MINOR units: their list value, the discount they would give away, and what they would collect. This is what an incident puts at risk until someone decides; empty when the store does not report it.',
    gridPos: at(0, 52, 12, 8),
    unit: 'short',
    min: 0,
    queries: [[`sum by (currency, amount) (${s('pendingValue')})`, '{{currency}} {{amount}}']],
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
];

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
