// test/observability/alertmanager.test.ts
// From leak to page: the real service, Prometheus and Alertmanager deliver the voucher page to a webhook receiver.

/*
 * Static part: `amtool check-config` accepts prometheus/alertmanager.yml, every alert of prometheus/alerts.yml routes
 * to the receiver its severity names, and `promtool check config` accepts prometheus/prometheus.yml.
 *
 * End to end: Debian's `prometheus-alertmanager` and `prometheus` run on free ports with temp dirs, next to the real
 * service process (`node cli.js serve`, embedded store) whose policy declares a bank-only voucher with a low
 * expectedPerHour. A leak is simulated through POST /v1/evaluate (many uses of the code with other cards), and a
 * local HTTP server, standing in for the pager, must receive the firing voucher page with its voucher and rule
 * labels and an absolute runbook link. The configs are copies of the shipped ones with short intervals (scrape and
 * evaluation 1 s, group wait 1 s) and the receivers pointed at the local server; the routing tree and inhibitions
 * are the shipped ones. The seconds from the first leak order to the notification are printed.
 * CPG_E2E_SHIPPED_TIMINGS=1 keeps the shipped intervals (scrape and evaluation 5 s, page group wait 10 s) instead,
 * to measure what the compose stack would take.
 *
 * Without the binaries the suite is skipped with a warning, except in CI (CI=true), where it fails.
 */

import { type ChildProcess, execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_PREFIX, METRIC_NAMES } from '../../src/observability/metrics';
import { line, order } from '../helpers/orders';
import { spawnOwned } from '../helpers/owned';
import { freePort } from '../helpers/redis';
import { buildService, http, type ServiceProcess, startService } from '../helpers/service-process';

const execFileAsync = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const ALERTMANAGER_FILE = join(ROOT, 'prometheus/alertmanager.yml');
const PROMETHEUS_FILE = join(ROOT, 'prometheus/prometheus.yml');
const ALERTS_FILE = join(ROOT, 'prometheus/alerts.yml');
const JOB = 'checkout-price-guard';
const RUNBOOK_BASE = 'https://runbooks.example.com/checkout-price-guard/docs';
/** The leaked code: meant for one bank's cards only, normally redeemed about 6 times an hour. */
const CODE = 'BANKX100';

const inCI = process.env.CI === 'true';
const SHIPPED_TIMINGS = process.env.CPG_E2E_SHIPPED_TIMINGS === '1';
const runs = (binary: string) => spawnSync(binary, ['--version'], { stdio: 'ignore' }).error === undefined;
const ALERTMANAGER = ['prometheus-alertmanager', 'alertmanager'].find(runs);
const hasAmtool = runs('amtool');
const hasPrometheus = runs('prometheus') && runs('promtool');

if (!inCI && (!ALERTMANAGER || !hasAmtool || !hasPrometheus)) {
  console.warn(
    '\n*** SKIPPED parts of test/observability/alertmanager.test.ts: prometheus-alertmanager (with amtool) or\n' +
      '*** prometheus is not installed. `apt-get install -y prometheus prometheus-alertmanager`; in CI (CI=true)\n' +
      '*** this suite fails instead of skipping.\n',
  );
}

interface Route {
  receiver?: string;
  matchers?: string[];
  group_by?: string[];
  group_wait?: string;
  group_interval?: string;
  repeat_interval?: string;
  routes?: Route[];
}

interface AlertmanagerConfig {
  route: Route;
  receivers: Array<{ name: string; webhook_configs?: Array<{ url: string; send_resolved?: boolean }> }>;
  inhibit_rules: Array<{ source_matchers: string[]; target_matchers: string[]; equal: string[] }>;
}

interface AlertRule {
  alert: string;
  labels: Record<string, string>;
}

const shippedAlertmanager = () => parseYaml(readFileSync(ALERTMANAGER_FILE, 'utf8')) as AlertmanagerConfig;
const alertRules = () =>
  (parseYaml(readFileSync(ALERTS_FILE, 'utf8')) as { groups: Array<{ rules: AlertRule[] }> }).groups.flatMap(
    (group) => group.rules,
  );

/** Polls until `check` passes or the deadline; then rethrows its last failure. */
async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 20_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  }
}

/** Starts a binary, keeping its stderr for failure messages; `stop` resolves once it has closed. */
function startBinary(command: string, args: string[]) {
  let log = '';
  const child: ChildProcess = spawnOwned(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr?.on('data', (chunk: Buffer) => {
    log += chunk.toString();
  });
  return {
    child,
    log: () => log,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const closed = new Promise((resolve) => child.once('close', resolve));
      child.kill('SIGTERM');
      await closed; // 'close': its stderr pipe is closed too, so jest can exit
    },
  };
}

(hasAmtool || inCI ? describe : describe.skip)('prometheus/alertmanager.yml (static)', () => {
  it('passes `amtool check-config`', async () => {
    const { stdout } = await execFileAsync('amtool', ['check-config', ALERTMANAGER_FILE]);
    expect(stdout).toMatch(/SUCCESS/);
  });

  it('routes every alert of alerts.yml to the receiver its severity names (page or ticket)', async () => {
    const rules = alertRules();
    expect(rules.length).toBeGreaterThan(10);
    for (const rule of rules) {
      const labels = Object.entries({ alertname: rule.alert, ...rule.labels }).map(
        ([name, value]) => `${name}=${value}`,
      );
      const { stdout } = await execFileAsync('amtool', [
        'config',
        'routes',
        'test',
        `--config.file=${ALERTMANAGER_FILE}`,
        ...labels,
      ]);
      expect({ alert: rule.alert, receiver: stdout.trim() }).toEqual({
        alert: rule.alert,
        receiver: rule.labels.severity,
      });
    }
  });

  it('groups guard alerts by alert, voucher and rule, and lets a cause inhibit its symptoms', () => {
    const config = shippedAlertmanager();
    const guard = config.route.routes?.find((route) =>
      route.matchers?.includes('service="checkout-price-guard"'),
    );
    expect(guard?.group_by).toEqual(['alertname', 'voucher', 'rule']);
    const inhibited = (alertname: string) =>
      config.inhibit_rules
        .filter((rule) => rule.target_matchers.some((matcher) => matcher.includes(alertname)))
        .flatMap((rule) => rule.source_matchers);
    expect(inhibited('PriceGuardHoldRateSpike').join()).toMatch(
      /PriceGuardZeroTotalOrders\|PriceGuardVoucherVelocityTripped/,
    );
    expect(inhibited('PriceGuardDegraded').join()).toMatch(/PriceGuardStoreErrors/);
  });
});

(hasPrometheus || inCI ? describe : describe.skip)('prometheus/prometheus.yml (static)', () => {
  it('passes `promtool check config` (with the rule file path of the repository)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cpg-promcfg-'));
    try {
      const config = readFileSync(PROMETHEUS_FILE, 'utf8').replace('/etc/prometheus/alerts.yml', ALERTS_FILE);
      writeFileSync(join(dir, 'prometheus.yml'), config);
      const { stdout } = await execFileAsync('promtool', ['check', 'config', join(dir, 'prometheus.yml')]);
      expect(stdout).toMatch(/SUCCESS: .*prometheus\.yml is valid/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** One notification as the Alertmanager webhook receiver sends it (payload version 4). */
interface Notification {
  path: string;
  at: number;
  body: {
    version: string;
    receiver: string;
    status: 'firing' | 'resolved';
    groupLabels: Record<string, string>;
    commonLabels: Record<string, string>;
    alerts: Array<{
      status: string;
      labels: Record<string, string>;
      annotations: Record<string, string>;
    }>;
  };
}

((ALERTMANAGER && hasPrometheus) || inCI ? describe : describe.skip)(
  'a leak through the real service pages through Prometheus and Alertmanager',
  () => {
    const received: Notification[] = [];
    let receiver: Server | undefined;
    let service: ServiceProcess | undefined;
    let prometheus: ReturnType<typeof startBinary> | undefined;
    let alertmanager: ReturnType<typeof startBinary> | undefined;
    let dir: string | undefined;
    let promUrl = '';
    let amUrl = '';

    const query = async (expr: string) => {
      const response = await fetch(`${promUrl}/api/v1/query?${new URLSearchParams({ query: expr })}`);
      const body = (await response.json()) as { status: string; data: { result: unknown[] }; error?: string };
      if (body.status !== 'success') throw new Error(`query failed: ${expr}: ${body.error}`);
      return body.data.result;
    };
    const notification = (test: (n: Notification) => boolean) => {
      const found = received.find(test);
      if (!found) throw new Error(`no such notification yet; received: ${JSON.stringify(received)}`);
      return found;
    };
    const alertNamed = (name: string) => (n: Notification) =>
      n.body.alerts.some((alert) => alert.labels.alertname === name);

    beforeAll(async () => {
      expect(ALERTMANAGER).toBeDefined(); // in CI: `apt-get install -y prometheus-alertmanager`
      expect(hasPrometheus).toBe(true); // in CI: `apt-get install -y prometheus`
      dir = mkdtempSync(join(tmpdir(), 'cpg-alertmanager-'));

      // The pager stand-in: records every notification with its arrival time.
      receiver = createServer((req, res) => {
        let text = '';
        req.setEncoding('utf8');
        req.on('data', (chunk: string) => {
          text += chunk;
        });
        req.on('end', () => {
          received.push({ path: req.url ?? '', at: Date.now(), body: JSON.parse(text) });
          res.writeHead(200).end();
        });
      });
      await new Promise<void>((resolve) => receiver!.listen(0, '127.0.0.1', resolve));
      const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

      // Alertmanager: the shipped routes and inhibitions, short waits, receivers pointed at the stand-in.
      const amConfig = shippedAlertmanager();
      const shorten = (route: Route) => {
        if (route.group_wait !== undefined) route.group_wait = '1s';
        if (route.group_interval !== undefined) route.group_interval = '1s';
        for (const child of route.routes ?? []) shorten(child);
      };
      if (!SHIPPED_TIMINGS) shorten(amConfig.route);
      for (const hook of amConfig.receivers) {
        for (const config of hook.webhook_configs ?? []) config.url = `${receiverUrl}/${hook.name}`;
      }
      writeFileSync(join(dir, 'alertmanager.yml'), JSON.stringify(amConfig)); // JSON is YAML
      const amPort = await freePort();
      amUrl = `http://127.0.0.1:${amPort}`;
      alertmanager = startBinary(ALERTMANAGER!, [
        `--config.file=${join(dir, 'alertmanager.yml')}`,
        `--storage.path=${join(dir, 'alertmanager-data')}`,
        `--web.listen-address=127.0.0.1:${amPort}`,
        '--cluster.listen-address=',
        '--log.level=warn',
      ]);

      // The real service, with a policy that declares the bank-only code (and no metrics.voucherLabels).
      const configPath = join(dir, 'price-guard.json');
      writeFileSync(
        configPath,
        JSON.stringify({
          policy: {
            vouchers: {
              [CODE]: {
                note: 'IDR 100,000 off for Bank X credit cards only',
                paymentMethods: ['card:bank-x'],
                velocity: { expectedPerHour: 6, minRedemptions: 5, surgeMultiplier: 5 },
              },
            },
          },
        }),
      );
      service = await startService(buildService(), { env: { PRICE_GUARD_CONFIG: configPath } });
      const metrics = await http(service.url, 'GET', '/metrics');
      // Declared by the policy, so its series exist at 0 before the first order.
      expect(metrics.text).toContain(
        `${DEFAULT_PREFIX}${METRIC_NAMES.voucherVelocityTrips}{voucher="${CODE}"} 0`,
      );
      expect(metrics.text).toContain(
        `${DEFAULT_PREFIX}${METRIC_NAMES.voucherRedemptions}{voucher="${CODE}"} 0`,
      );

      // Prometheus: the shipped config (alert relabelling included) with 1 s intervals and local targets.
      const promConfig = parseYaml(readFileSync(PROMETHEUS_FILE, 'utf8')) as Record<string, unknown> & {
        alerting: { alertmanagers: unknown[] };
      };
      const promPort = await freePort();
      promUrl = `http://127.0.0.1:${promPort}`;
      promConfig.global = {
        ...(SHIPPED_TIMINGS
          ? (promConfig.global as object)
          : { scrape_interval: '1s', evaluation_interval: '1s' }),
        external_labels: { runbook_base: RUNBOOK_BASE },
      };
      promConfig.rule_files = [ALERTS_FILE];
      promConfig.scrape_configs = [
        { job_name: JOB, static_configs: [{ targets: [`127.0.0.1:${service.port}`] }] },
      ];
      promConfig.alerting.alertmanagers = [{ static_configs: [{ targets: [`127.0.0.1:${amPort}`] }] }];
      writeFileSync(join(dir, 'prometheus.yml'), JSON.stringify(promConfig));
      prometheus = startBinary('prometheus', [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'prometheus-data')}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
        '--log.level=warn',
      ]);

      await eventually(async () => {
        for (const [name, binary] of [
          ['alertmanager', alertmanager],
          ['prometheus', prometheus],
        ] as const) {
          if (binary?.child.exitCode !== null) throw new Error(`${name} exited: ${binary?.log()}`);
        }
        for (const url of [amUrl, promUrl]) {
          const response = await fetch(`${url}/-/ready`);
          if (!response.ok) throw new Error(`${url} not ready: ${response.status}`);
        }
      });
      // The first scrape (a 0 sample for the trip counter, so increase() sees the trip) and a known Alertmanager.
      await eventually(async () => {
        const trips = await query(`${DEFAULT_PREFIX}${METRIC_NAMES.voucherVelocityTrips}{voucher="${CODE}"}`);
        if (trips.length === 0) throw new Error('not scraped yet');
        const response = await fetch(`${promUrl}/api/v1/alertmanagers`);
        const body = (await response.json()) as { data: { activeAlertmanagers: unknown[] } };
        if (body.data.activeAlertmanagers.length === 0) throw new Error('no Alertmanager discovered yet');
      }, 30_000);
    }, 60_000);

    afterAll(async () => {
      await Promise.all([prometheus?.stop(), alertmanager?.stop(), service?.stop()]);
      await new Promise((resolve) => (receiver ? receiver.close(resolve) : resolve(undefined)));
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('delivers the firing voucher page, with its voucher and rule, seconds after the first leak order', async () => {
      const firstOrder = Date.now();
      const decisions: string[] = [];
      for (let i = 0; i < 20; i++) {
        const response = await http(service!.url, 'POST', '/v1/evaluate', {
          body: order({
            paymentMethod: 'card:other-bank',
            customerId: `cus_${i}`,
            lines: [line('PHONE-CASE', 150_000)],
            vouchers: [{ code: CODE, discount: 100_000 }],
          }),
        });
        expect(response.status).toBe(200);
        decisions.push(response.body.reasons.map((reason: { rule: string }) => reason.rule).join('+'));
      }
      // Held from the first order for the wrong card; within the first ten, the velocity rule trips the code (a code
      // declared at 6 an hour, used several times in a minute).
      expect(decisions[0]).toBe('voucher_ineligible');
      const tripped = decisions.indexOf('voucher_velocity+voucher_ineligible');
      expect(tripped).toBeGreaterThan(0);
      expect(tripped).toBeLessThan(10);

      const page = await eventually(
        () =>
          notification(
            (n) => alertNamed('PriceGuardVoucherVelocityTripped')(n) && n.body.status === 'firing',
          ),
        45_000,
      );
      const seconds = (page.at - firstOrder) / 1000;
      console.log(
        `voucher leak to page: ${seconds.toFixed(1)} s from the first leak order to the notification`,
      );

      expect(page.path).toBe('/page');
      expect(page.body).toMatchObject({
        version: '4',
        receiver: 'page',
        status: 'firing',
        groupLabels: {
          alertname: 'PriceGuardVoucherVelocityTripped',
          voucher: CODE,
          rule: 'voucher_velocity',
        },
      });
      expect(page.body.alerts).toHaveLength(1);
      const [alert] = page.body.alerts;
      expect(alert?.labels).toEqual({
        alertname: 'PriceGuardVoucherVelocityTripped',
        severity: 'page',
        service: 'checkout-price-guard',
        rule: 'voucher_velocity',
        voucher: CODE,
      }); // no runbook_base: prometheus.yml drops it from the alerts
      expect(alert?.annotations.summary).toBe(`Voucher ${CODE} was suspended for a redemption surge`);
      expect(alert?.annotations.runbook_url).toBe(
        `${RUNBOOK_BASE}/observability.md#priceguardvouchervelocitytripped`,
      );
      expect(seconds).toBeGreaterThan(0);
    }, 60_000);

    // Runs after the leak above: its voucher page is the inhibiting alert.
    it('inhibits the hold-rate page while the voucher page fires, and sends tickets to the ticket receiver', async () => {
      const post = (labels: Record<string, string>) =>
        fetch(`${amUrl}/api/v2/alerts`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify([{ labels, annotations: { summary: 'from the test' } }]),
        });
      const service = 'checkout-price-guard';
      expect((await post({ alertname: 'PriceGuardHoldRateSpike', severity: 'page', service })).status).toBe(
        200,
      );
      expect((await post({ alertname: 'PriceGuardLatencyHigh', severity: 'ticket', service })).status).toBe(
        200,
      );

      const ticket = await eventually(
        () => notification(alertNamed('PriceGuardLatencyHigh')),
        SHIPPED_TIMINGS ? 90_000 : 20_000,
      );
      expect(ticket.path).toBe('/ticket');
      expect(ticket.body.receiver).toBe('ticket');

      // Alertmanager marks an alert inhibited when its group is flushed (after its group wait).
      const filter = new URLSearchParams({ filter: 'alertname="PriceGuardHoldRateSpike"' });
      await eventually(async () => {
        const [spike] = (await (await fetch(`${amUrl}/api/v2/alerts?${filter}`)).json()) as Array<{
          status: { state: string; inhibitedBy: string[] };
        }>;
        expect(spike?.status).toMatchObject({ state: 'suppressed', inhibitedBy: [expect.any(String)] });
      });
      // Both were posted together and the page route waits no longer than the ticket route: an uninhibited
      // hold-rate page would have been sent by now.
      expect(received.filter(alertNamed('PriceGuardHoldRateSpike'))).toEqual([]);
    }, 120_000);
  },
);
