// src/service/preflight-watch.ts
// The service's own preflight of the policy in force, in the background: at start, after every swap of the policy
// (coalesced while one runs) and every hour; its findings logged and shown by the preflight gauges.

import type { Logger } from 'pino';
import type { Policy } from '../core/policy';
import type { PreflightFinding, PreflightOptions, PreflightReport } from '../core/preflight';
import type { PriceGuardMetrics } from '../observability/metrics';
import { runInSteps, withUploaded } from './admin-preflight';

/** How often the preflight runs again with no change of the policy: the days ahead move on. */
export const PREFLIGHT_REFRESH_MS = 60 * 60 * 1000;

/**
 * Most prices of the uploaded catalog the background run judges with. A larger catalog (a million SKUs) would cost
 * seconds of CPU and hundreds of megabytes per run on every worker; the run then judges the policy without it (the
 * relative conflicts, a cap that lets a SKU be paid 0, are found without list prices) and says so once, and
 * `POST /v1/admin/preflight` judges it with the whole catalog on request.
 */
export const BACKGROUND_CATALOG_LIMIT = 100_000;

/** Errors logged one by one after a run; the rest are counted in the summary line. */
const LOGGED_ERRORS = 20;

/** What the background preflight needs. */
export interface PreflightWatchOptions {
  /** The policy in force (file and runtime overlay, its catalog included), read when a run starts. */
  policy(): Policy;
  logger: Logger;
  metrics: Pick<PriceGuardMetrics, 'preflight'>;
  /** Epoch milliseconds: the base instant of each run. */
  clock: () => number;
  /** How far ahead each run judges campaign and voucher starts, campaign ends and price changes, in milliseconds. */
  withinMs: number;
  /** How often it runs again with no change of the policy. Defaults to PREFLIGHT_REFRESH_MS (1 hour). */
  refreshMs?: number;
  /** Awaited between two steps of a run. Defaults to one turn of the event loop (setImmediate). */
  between?: () => Promise<void>;
}

/** What the background preflight keeps of its last run: the report without its rows (one per SKU and currency). */
export type PreflightSummary = Omit<PreflightReport, 'skus'>;

/** The background preflight's handle. */
export interface PreflightWatch {
  /**
   * Asks for a run of the policy in force: at once, or, while one is under way, once more after it (requests that
   * arrive meanwhile make one run, of the policy in force when it starts).
   */
  request(): void;
  /** The report of the last finished run, without its rows; undefined before the first. */
  last(): PreflightSummary | undefined;
  /** Resolves once no run is under way or asked for. */
  idle(): Promise<void>;
  /** Stops the hourly run and ends a run under way at its next step. */
  stop(): void;
}

/** What makes an error the same from one run to the next: not its instants, which move on with the clock. */
function findingKey(finding: PreflightFinding): string {
  return JSON.stringify([
    finding.code,
    finding.sku,
    finding.currency,
    finding.campaign,
    finding.voucher,
    finding.message,
  ]);
}

/** Where a finding applies and when, for a log line. */
function logFields(finding: PreflightFinding, report: PreflightSummary) {
  const first = finding.instants?.[0] ?? report.at;
  const instant = report.instants.find((candidate) => candidate.at === first);
  const starts = instant?.starts ?? [];
  const ends = instant?.ends ?? [];
  return {
    code: finding.code,
    ...(finding.sku !== undefined ? { sku: finding.sku, currency: finding.currency } : {}),
    ...(finding.campaign !== undefined ? { campaign: finding.campaign } : {}),
    ...(finding.voucher !== undefined ? { voucher: finding.voucher } : {}),
    at: first,
    ...(starts.length > 0 ? { starts: starts.map((start) => `${start.kind} ${start.id}`) } : {}),
    ...(ends.length > 0 ? { ends: ends.map((end) => `${end.kind} ${end.id}`) } : {}),
    ...(instant?.priceChanges !== undefined ? { priceChanges: instant.priceChanges } : {}),
    instants: finding.instants ?? [report.at],
  };
}

/** Starts the background preflight: a first run at once (after the current turn), then on request and hourly. */
export function startPreflightWatch(options: PreflightWatchOptions): PreflightWatch {
  const { logger, metrics, clock } = options;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  let latest: PreflightSummary | undefined;

  let toldCatalogSkipped = false;
  /** The errors of the last run, as findingKey gives them. */
  let loggedKeys = new Set<string>();
  const runOnce = async () => {
    const started = clock();
    const policy = options.policy();
    const preflight: PreflightOptions = { at: started, within: options.withinMs };
    const uploaded = policy.uploadedCatalog?.prices ?? 0;
    if (uploaded <= BACKGROUND_CATALOG_LIMIT) withUploaded(policy, preflight);
    else if (!toldCatalogSkipped) {
      toldCatalogSkipped = true;
      logger.info(
        { preflight: { uploadedPrices: uploaded, limit: BACKGROUND_CATALOG_LIMIT } },
        `preflight of the policy in force runs without the uploaded catalog's ${uploaded} list prices (more than ${BACKGROUND_CATALOG_LIMIT}); POST /v1/admin/preflight judges with them`,
      );
    }
    const report = await runInSteps(policy, preflight, options.between, () => stopped);
    if (report === undefined) return;
    // The rows are dropped: 100,000 SKUs would keep tens of megabytes alive until the next run.
    const { skus: _rows, ...summary } = report;
    latest = summary;
    const conflictAhead = report.conflictAhead === null ? undefined : Date.parse(report.conflictAhead);
    metrics.preflight({ errors: report.errors.length, warnings: report.warnings.length, conflictAhead });
    // Each error is logged when it is first found; the hourly run of an unchanged policy repeats none of them.
    const keys = new Set(report.errors.map(findingKey));
    const fresh = report.errors.filter((finding) => !loggedKeys.has(findingKey(finding)));
    loggedKeys = keys;
    for (const finding of fresh.slice(0, LOGGED_ERRORS)) {
      logger.warn({ preflight: logFields(finding, report) }, `preflight: ${finding.message}`);
    }
    const count = report.errors.length;
    const errors = `${count} error${count === 1 ? '' : 's'}${fresh.length < count ? ` (${fresh.length} new)` : ''}`;
    logger[fresh.length > 0 ? 'warn' : 'info'](
      {
        preflight: {
          errors: report.errors.length,
          newErrors: fresh.length,
          warnings: report.warnings.length,
          instants: report.instants.length,
          until: report.until,
          conflictAhead: report.conflictAhead,
          ms: clock() - started,
        },
      },
      report.ok
        ? `preflight of the policy in force: no error (${report.warnings.length} warnings; POST /v1/admin/preflight for the report)`
        : `preflight of the policy in force: ${errors}${fresh.length > LOGGED_ERRORS ? ` (the first ${LOGGED_ERRORS} new ones logged)` : ''}, ${report.warnings.length} warnings${report.conflictAhead !== null ? `; the first conflict ahead starts at ${report.conflictAhead}` : ''} (POST /v1/admin/preflight for the report)`,
    );
  };
  const loop = async () => {
    do {
      again = false;
      try {
        await runOnce();
      } catch (error) {
        logger.error({ err: error }, 'preflight of the policy in force failed');
      }
    } while (again && !stopped);
    running = undefined;
  };
  const request = () => {
    if (stopped) return;
    if (running !== undefined) {
      again = true;
      return;
    }
    running = loop();
  };
  const timer = setInterval(request, options.refreshMs ?? PREFLIGHT_REFRESH_MS);
  timer.unref();
  setImmediate(request);

  return {
    request,
    last: () => latest,
    async idle() {
      while (running !== undefined) await running;
    },
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
