// test/core/preflight-fixtures.ts
// Shared helpers for the preflight-*.test.ts suites: run preflight at a fixed instant and pick out codes and rows.

import { type PolicyInput, parsePolicy } from '../../src/core/policy';
import { type PreflightCatalog, type PreflightReport, preflight } from '../../src/core/preflight';

export const AT = Date.parse('2026-11-11T12:00:00+07:00');
export const FLASH = {
  id: 'flash',
  startsAt: '2026-11-11T00:00:00+07:00',
  endsAt: '2026-11-12T00:00:00+07:00',
};

export function check(
  policy: PolicyInput,
  at = AT,
  catalog?: PreflightCatalog,
  within?: number,
): PreflightReport {
  return preflight(parsePolicy(policy), {
    at,
    ...(catalog ? { catalog } : {}),
    ...(within !== undefined ? { within } : {}),
  });
}
export const codes = (findings: PreflightReport['errors']) => findings.map((finding) => finding.code).sort();
export const row = (report: PreflightReport, sku: string, currency = 'IDR') =>
  report.skus.find((candidate) => candidate.sku === sku && candidate.currency === currency)!;
