// grafana/panel-builders.ts
// The typed panel builders of the dashboard: query helpers, thresholds, stat and time series panels, gridPos `at`, units, links.

import {
  AxisPlacement,
  BigValueColorMode,
  BigValueGraphMode,
  BigValueJustifyMode,
  BigValueTextMode,
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
  VisibilityMode,
  VizOrientation,
} from '@grafana/schema';
import type { Options as StatOptions } from '@grafana/schema/dist/esm/raw/composable/stat/panelcfg/x/StatPanelCfg_types.gen';
import type {
  FieldConfig as TimeSeriesFieldConfig,
  Options as TimeSeriesOptions,
} from '@grafana/schema/dist/esm/raw/composable/timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen';
import { DEFAULT_PREFIX, METRIC_NAMES } from '../src/observability/metrics';

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

// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax; panels follow the data source picker.
export const DATASOURCE: DataSourceRef = { type: 'prometheus', uid: '${datasource}' };

/** A metric's full name with the default prefix (the dashboard assumes the default `prefix`). */
export const m = (name: keyof typeof METRIC_NAMES) => `${DEFAULT_PREFIX}${METRIC_NAMES[name]}`;
export const RATE = '$__rate_interval';
/** The matcher every query carries: the instances picked in the `instance` variable (all by default). */
export const INSTANCE_MATCHER = 'instance=~"$instance"';
/** A series selector of `metric` (a full name) on the picked instances, with more matchers if given. */
export const on = (metric: string, matchers = '') =>
  `${metric}{${INSTANCE_MATCHER}${matchers === '' ? '' : `,${matchers}`}}`;
/** The same for a metric of METRIC_NAMES. */
export const s = (name: keyof typeof METRIC_NAMES, matchers = '') => on(m(name), matchers);
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, resolved in the browser.
export const REVIEW_PAGE = '${review_url}/review/';

export const ORDERS_PER_SECOND = 'suffix: orders/s';

type Step = [value: number | null, color: string];

function thresholds(steps: Step[]): ThresholdsConfig {
  return {
    mode: ThresholdsMode.Absolute,
    steps: steps.map(([value, color]) => ({ value, color })),
  };
}

export const GREEN_ONLY: Step[] = [[null, 'green']];

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
export const REVIEW_VOUCHER_LINK: DataLink = {
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

export function timeseries(spec: TimeSeriesSpec): TimeSeriesPanel {
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

export function stat(spec: StatSpec): StatPanel {
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

export const at = (x: number, y: number, w: number, h: number): GridPos => ({ x, y, w, h });
