// test/observability/dashboard.test.ts
// The Grafana dashboard: committed JSON equals the generated one, panels are readable at 3 a.m., types reject bad panels.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BigValueColorMode, type Dashboard } from '@grafana/schema';
import {
  DASHBOARD_FILE,
  dashboard,
  dashboardJson,
  type GuardPanel,
  INSTANCE_MATCHER,
  links,
  metricsIn,
  panels,
  REVIEW_BASE_URL,
  type StatPanel,
  type TimeSeriesPanel,
  voucherTripAnnotation,
} from '../../grafana/dashboard';
import { buildDashboard } from '../../scripts/build-dashboard';
import { RULE_IDS } from '../../src/core/types';
import { DEFAULT_PREFIX, METRIC_NAMES } from '../../src/observability/metrics';

const ROOT = join(__dirname, '..', '..');

const known = new Set(Object.values(METRIC_NAMES).map((name) => `${DEFAULT_PREFIX}${name}`));

/** Every metric selector of an expression that does not filter on the picked instances. */
function unfiltered(expr: string): string[] {
  const selectors = expr.match(new RegExp(`\\b${DEFAULT_PREFIX}[a-z_]+(\\{[^}]*\\})?`, 'g')) ?? [];
  return selectors.filter((selector) => !selector.includes(`{${INSTANCE_MATCHER}`));
}

describe('grafana/dashboards/checkout-price-guard.json', () => {
  it('is exactly what grafana/dashboard.ts generates (run `npm run dashboard` after editing it)', () => {
    const committed = readFileSync(join(ROOT, DASHBOARD_FILE), 'utf8');
    expect(committed).toBe(dashboardJson());
    expect(buildDashboard(ROOT, true)).toBe(0);
  });

  it('is valid JSON with a stable uid and the data source variable the provisioning expects', () => {
    const parsed = JSON.parse(dashboardJson()) as Dashboard;
    expect(parsed.uid).toBe('checkout-price-guard');
    expect(parsed.templating?.list?.[0]).toMatchObject({
      name: 'datasource',
      type: 'datasource',
      query: 'prometheus',
    });
    expect(parsed.panels).toHaveLength(panels.length);
  });
});

describe.each(panels.map((panel) => [panel.title, panel] as [string, GuardPanel]))(
  'panel "%s"',
  (_title, panel) => {
    it('has a description, a unit, thresholds with a base step, and uses the data source variable', () => {
      expect(panel.description.length).toBeGreaterThan(40);
      expect(panel.fieldConfig.defaults.unit).toMatch(/\S/);
      const steps = panel.fieldConfig.defaults.thresholds.steps;
      expect(steps[0]).toEqual({ value: null, color: 'green' });
      const values = steps.slice(1).map((step) => step.value as number);
      expect(values).toEqual([...values].sort((a, b) => a - b));
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax
      expect(panel.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
      for (const target of panel.targets) expect(target.datasource).toEqual(panel.datasource);
    });

    it('filters every metric it reads on the instance variable', () => {
      for (const target of panel.targets) expect(unfiltered(target.expr)).toEqual([]);
    });

    it('queries only metrics src/metrics.ts defines, with unique refIds', () => {
      expect(panel.targets.length).toBeGreaterThan(0);
      expect(new Set(panel.targets.map((target) => target.refId)).size).toBe(panel.targets.length);
      for (const target of panel.targets) {
        const names = metricsIn(target.expr);
        expect(names.length).toBeGreaterThan(0);
        for (const name of names) expect(known).toContain(name);
      }
    });
  },
);

describe('variables, links and annotations', () => {
  const variables = dashboard.templating.list;

  it('offers an instance picker (all by default) that every query and annotation uses', () => {
    expect(variables.find((variable) => variable.name === 'instance')).toMatchObject({
      type: 'query',
      multi: true,
      includeAll: true,
      allValue: '.*',
      datasource: { type: 'prometheus' },
      query: { query: `label_values(${DEFAULT_PREFIX}orders_evaluated_total, instance)` },
    });
    expect(unfiltered(voucherTripAnnotation.expr)).toEqual([]);
    expect(unfiltered('checkout_price_guard_holds_total{rule="x"}')).toHaveLength(1); // the check bites
  });

  it('links to the review page through a review_url variable viewers can set', () => {
    expect(variables.find((variable) => variable.name === 'review_url')).toMatchObject({
      type: 'textbox',
      query: REVIEW_BASE_URL,
    });
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax
    expect(links).toEqual([expect.objectContaining({ type: 'link', url: '${review_url}/review/' })]);
    const voucherPanels = panels.filter((panel) => panel.targets.some((t) => /by \(voucher/.test(t.expr)));
    expect(voucherPanels.length).toBeGreaterThanOrEqual(3);
    for (const panel of voucherPanels) {
      expect(panel.fieldConfig.defaults.links).toEqual([
        expect.objectContaining({
          // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax
          url: '${review_url}/review/?voucher=${__field.labels.voucher}',
        }),
      ]);
    }
  });

  it('marks voucher trips as annotations titled with the code', () => {
    expect(dashboard.annotations.list).toEqual([voucherTripAnnotation]);
    expect(metricsIn(voucherTripAnnotation.expr)).toEqual([`${DEFAULT_PREFIX}voucher_velocity_trips_total`]);
    expect(voucherTripAnnotation).toMatchObject({ enable: true, tagKeys: 'voucher' });
    expect(voucherTripAnnotation.titleFormat).toContain('{{voucher}}');
  });

  it('bounds the top-codes panels with topk', () => {
    const top = panels.filter((panel) => /^Top \d+ voucher codes/.test(panel.title));
    expect(top).toHaveLength(2);
    for (const panel of top) expect(panel.targets[0]!.expr).toMatch(/^topk\(10, /);
  });
});

describe('layout', () => {
  it('gives every panel a unique id and a place inside 24 columns, with no two panels overlapping', () => {
    expect(new Set(panels.map((panel) => panel.id)).size).toBe(panels.length);
    const taken = new Set<string>();
    for (const { gridPos, title } of panels) {
      expect(gridPos.x + gridPos.w).toBeLessThanOrEqual(24);
      for (let x = gridPos.x; x < gridPos.x + gridPos.w; x++) {
        for (let y = gridPos.y; y < gridPos.y + gridPos.h; y++) {
          const cell = `${x},${y}`;
          if (taken.has(cell)) throw new Error(`panel "${title}" overlaps another at ${cell}`);
          taken.add(cell);
        }
      }
    }
  });

  it("shows the shop's custom rules in a panel of their own: every rule label but the built-in ids", () => {
    const panel = panels.find((item) => item.title.startsWith('Custom rules'))!;
    expect(panel.targets.map((target) => target.legendFormat)).toEqual([
      '{{rule}} held',
      '{{rule}} (shadow: would hold)',
      '{{rule}} could not judge',
    ]);
    for (const target of panel.targets) {
      const excluded = /rule!~"([^"]+)"/.exec(target.expr)?.[1]?.split('|');
      expect(excluded?.sort()).toEqual([...RULE_IDS, 'other'].sort());
    }
  });

  it('shows every metric the guard exports somewhere', () => {
    const queried = new Set(
      panels.flatMap((panel) => panel.targets.flatMap((target) => metricsIn(target.expr))),
    );
    expect([...known].filter((name) => !queried.has(name))).toEqual([]);
  });

  it('answers the questions of the issue: decisions, hold rate by rule, money, latency, store, queue, vouchers', () => {
    const titles = panels.map((panel) => panel.title).join('\n');
    for (const topic of [
      /Decisions per second/,
      /Hold rate by rule/,
      /Money held per currency/,
      /latency p50 \/ p99/,
      /Store (latency|errors)/,
      /Review queue depth/,
      /Oldest pending hold/,
      /Voucher/,
      /Top \d+ voucher codes by redemptions/,
      /Top \d+ voucher codes by discount/,
      /Money at stake in pending holds/,
      /let through by exceptions/,
      /Webhook outbox/,
    ]) {
      expect(titles).toMatch(topic);
    }
  });
});

describe('types', () => {
  it('reject malformed panels and dashboards at compile time (ts-jest fails this file otherwise)', () => {
    const stat = panels.find((panel): panel is StatPanel => panel.type === 'stat')!;
    const series = panels.find((panel): panel is TimeSeriesPanel => panel.type === 'timeseries')!;
    // @ts-expect-error: a stat panel's colorMode is a BigValueColorMode, not any string
    const badColor: StatPanel = { ...stat, options: { ...stat.options, colorMode: 'rainbow' } };
    const legend = { showLegend: true };
    // @ts-expect-error: a time series legend needs showLegend, placement and calcs
    const badLegend: TimeSeriesPanel = { ...series, options: { ...series.options, legend } };
    const { description: _description, ...undescribed } = series;
    // @ts-expect-error: every panel must say what it answers
    const noDescription: TimeSeriesPanel = undescribed;
    // @ts-expect-error: schemaVersion is a number
    const badDashboard = { ...dashboard, schemaVersion: '39' } satisfies Dashboard;
    expect([badColor, badLegend, noDescription, badDashboard]).toHaveLength(4);
    expect(stat.options.colorMode).toBe(BigValueColorMode.Background);
  });
});
