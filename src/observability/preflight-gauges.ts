// src/observability/preflight-gauges.ts
// The gauges of the service's own preflight of the policy in force: problems by severity, the first conflict ahead.

import { METRIC_NAMES } from './metric-names';
import { amount, type Registrar } from './registrar';

/** The severities of preflight findings, each a series from the start. */
export const PREFLIGHT_SEVERITIES = ['error', 'warning'] as const;

/** What a preflight found, as its gauges show it. */
export interface PreflightFound {
  /** Errors found at any instant judged, each counted once. */
  errors: number;
  /** Warnings found at any instant judged, each counted once. */
  warnings: number;
  /** Epoch milliseconds of the earliest instant ahead with an error not found at the base instant; else undefined. */
  conflictAhead: number | undefined;
}

/** Registers the preflight gauges at 0 (no preflight run yet reads as nothing found); returns their setter. */
export function registerPreflightGauges(registrar: Registrar): (found: PreflightFound) => void {
  const { withConstants } = registrar;
  const problems = registrar.gauge(
    METRIC_NAMES.preflightProblems,
    "Problems the service's last preflight of the policy in force found (now and at each campaign or voucher start of the days ahead), by severity (error, warning).",
    ['severity'],
  );
  const ahead = registrar.gauge(
    METRIC_NAMES.preflightConflictAhead,
    "Unix time of the earliest campaign or voucher start ahead at which the service's last preflight found an error not found now (a conflict still to come); 0 when none.",
    [],
  );
  for (const severity of PREFLIGHT_SEVERITIES) problems.set(withConstants({ severity }), 0);
  ahead.set(withConstants({}), 0);
  return (found) => {
    problems.set(withConstants({ severity: 'error' }), amount(found.errors));
    problems.set(withConstants({ severity: 'warning' }), amount(found.warnings));
    ahead.set(
      withConstants({}),
      found.conflictAhead === undefined ? 0 : Math.floor(amount(found.conflictAhead) / 1000),
    );
  };
}
