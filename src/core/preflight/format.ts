// src/core/preflight/format.ts
// The preflight report for people: what was judged, the deepest prices found, every error, warnings by kind.

import { formatBp, formatMoney } from '../money';
import type { Combination, PreflightFinding, PreflightInstant, PreflightReport } from './types';

/** How a combination reads in a sentence: "at the price of campaign flash (80% off) with HEMAT10 on an order of ...". */
export function describeCombination(combination: Combination, currency: string): string {
  const words = [
    combination.campaign === null
      ? 'at its list price'
      : `at the price of campaign ${combination.campaign} (${formatBp(combination.campaignDiscountBp)} off)`,
  ];
  if (combination.vouchers.length > 0) words.push(`with ${combination.vouchers.join(' + ')}`);
  if (combination.minSubtotal !== null) {
    words.push(`on an order of ${formatMoney(combination.minSubtotal, currency)} (the codes' minimum spend)`);
  }
  return words.join(' ');
}

/**
 * What happens at an instant, as the report names it: "start of campaign flash-1212, voucher LAUNCH", "end of
 * campaign flash-1111", "price change of TOTE, CUP"; several joined by "; ". Empty for the base instant.
 */
function instantEvents(instant: Pick<PreflightInstant, 'starts' | 'ends' | 'priceChanges'>): string {
  const windows = (list: PreflightInstant['starts']) =>
    list.map((window) => `${window.kind} ${window.id}`).join(', ');
  const events: string[] = [];
  if (instant.starts.length > 0) events.push(`start of ${windows(instant.starts)}`);
  if (instant.ends !== undefined && instant.ends.length > 0) events.push(`end of ${windows(instant.ends)}`);
  if (instant.priceChanges !== undefined && instant.priceChanges.length > 0) {
    events.push(`price change of ${instant.priceChanges.join(', ')}`);
  }
  return events.join('; ');
}

/** An instant as the report names it: "2026-12-12T03:00:00.000Z (start of campaign flash-1212, voucher LAUNCH)". */
function instantWords(instant: PreflightInstant | undefined, iso: string): string {
  const events = instant === undefined ? '' : instantEvents(instant);
  return events === '' ? iso : `${iso} (${events})`;
}

/**
 * When a finding is found, as a sentence that starts with a space: nothing when at every instant judged, else the
 * instants by name.
 */
function whenWords(finding: PreflightFinding, report: PreflightReport): string {
  const found = finding.instants ?? [report.at];
  if (found.length === report.instants.length) return '';
  const byAt = new Map(report.instants.map((instant) => [instant.at, instant]));
  const named = found.map((iso) => instantWords(byAt.get(iso), iso));
  return ` Found at ${named.join('; ')}.`;
}

/** What a finding is about, in a word: its code, campaign or SKU and currency. */
function subject(finding: PreflightFinding): string | undefined {
  if (finding.voucher !== undefined) return finding.voucher;
  if (finding.sku !== undefined) return `${finding.sku} ${finding.currency ?? ''}`.trim();
  return finding.campaign;
}

/** `text` after `first` in lines of at most `width` characters; the lines after the first are indented. */
function wrapped(first: string, text: string, width = 100): string[] {
  const lines: string[] = [];
  let prefix = first;
  let current = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (current !== '' && prefix.length + current.length + 1 + word.length > width) {
      lines.push(prefix + current);
      prefix = '      ';
      current = word;
    } else current = current === '' ? word : `${current} ${word}`;
  }
  lines.push(prefix + current);
  return lines;
}

/** How many rows of the deepest prices, and of each kind of finding, are printed. */
export interface FormatOptions {
  /** Rows of the table of deepest prices. Defaults to 10. */
  deepest?: number;
  /** Errors printed before "... and N more". Defaults to 50. */
  errors?: number;
  /** Other subjects named after the one warning of a kind printed in full. Defaults to 10. */
  warningsPerCode?: number;
}

/** The report as text for a terminal; `--json` gives all of it. */
export function formatPreflight(report: PreflightReport, options: FormatOptions = {}): string {
  const { deepest = 10, errors = 50, warningsPerCode = 10 } = options;
  const out: string[] = [];
  const { summary } = report;
  const currencies = [...new Set(report.skus.map((row) => row.currency))].sort();
  const active = report.campaigns.filter((campaign) => campaign.active);
  const inactive = report.campaigns.filter((campaign) => !campaign.active);
  out.push(
    `Preflight at ${report.at}: ${summary.rows} prices of ${summary.skus} SKUs${currencies.length > 0 ? ` (${currencies.join(', ')})` : ''}.`,
  );
  out.push(
    `Campaigns active: ${active.length === 0 ? 'none' : active.map((c) => `${c.id} (${c.rows} price${c.rows === 1 ? '' : 's'})`).join(', ')}. ` +
      `Codes stacked: ${report.vouchersStacked.length === 0 ? 'none' : report.vouchersStacked.join(', ')}.`,
  );
  const ahead = report.instants.slice(1);
  if (ahead.length > 0) {
    out.push(
      `Judged ahead, to ${report.until}: ${ahead.map((instant) => instantWords(instant, instant.at)).join('; ')}.`,
    );
  } else if (report.until !== report.at) {
    out.push(
      `Judged ahead, to ${report.until}: no campaign or voucher window starts, no campaign ends and no price changes by then.`,
    );
  }
  const unchecked = inactive.filter((campaign) => !campaign.checked);
  if (unchecked.length > 0) {
    out.push(
      `Not active at any instant judged, so not checked: ${unchecked.map((c) => `${c.id} (${c.startsAt} to ${c.endsAt})`).join(', ')}; --at or --within judges other instants.`,
    );
  }
  if (summary.rows === 0) {
    out.push('No SKU has a list price: give the policy a catalog, or pass one with --catalog.');
  }
  const rows = [...report.skus].sort((a, b) => a.lowestBp - b.lowestBp || a.sku.localeCompare(b.sku));
  if (rows.length > 0 && deepest > 0) {
    out.push('', ahead.length > 0 ? `Deepest prices at ${report.at}:` : 'Deepest prices:');
    const table = rows
      .slice(0, deepest)
      .map((row) => [
        `${row.sku} ${row.currency}`,
        formatMoney(row.listPrice, row.currency),
        formatMoney(row.lowest, row.currency),
        formatBp(row.lowestBp),
        describeCombination(row.combination, row.currency),
      ]);
    const header = ['SKU', 'list', 'lowest', 'of list', 'how'];
    const widths = header.map((title, column) =>
      Math.max(title.length, ...table.map((cells) => cells[column]!.length)),
    );
    for (const cells of [header, ...table]) {
      out.push(
        `  ${cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ')}`,
      );
    }
    if (rows.length > deepest) out.push(`  ... and ${rows.length - deepest} more (--json lists every price)`);
  }
  const findingLines = (finding: PreflightFinding) =>
    wrapped(`  ${finding.code}: `, `${finding.message}${whenWords(finding, report)}`);
  if (report.errors.length > 0) {
    out.push('', `${report.errors.length} error${report.errors.length === 1 ? '' : 's'}:`);
    for (const finding of report.errors.slice(0, errors)) out.push(...findingLines(finding));
    if (report.errors.length > errors) out.push(`  ... and ${report.errors.length - errors} more (--json)`);
  }
  if (report.warnings.length > 0) {
    out.push('', `${report.warnings.length} warning${report.warnings.length === 1 ? '' : 's'}:`);
    const byCode = new Map<string, PreflightFinding[]>();
    for (const finding of report.warnings) {
      byCode.set(finding.code, [...(byCode.get(finding.code) ?? []), finding]);
    }
    // One message per kind in full; the others of that kind by their subject (a code, a campaign, a SKU).
    for (const findings of byCode.values()) {
      const subjects = findings.map(subject);
      if (subjects.some((name) => name === undefined)) {
        for (const finding of findings) out.push(...findingLines(finding));
        continue;
      }
      out.push(...findingLines(findings[0]!));
      const others = subjects.slice(1) as string[];
      if (others.length > 0) {
        const named = others.slice(0, warningsPerCode).join(', ');
        const more = others.length > warningsPerCode ? ` and ${others.length - warningsPerCode} more` : '';
        out.push(...wrapped('      ', `Also ${named}${more} (--json for each).`));
      }
    }
  }
  out.push(
    '',
    `${summary.errors} error${summary.errors === 1 ? '' : 's'}, ${summary.warnings} warning${summary.warnings === 1 ? '' : 's'}.`,
    '',
  );
  return out.join('\n');
}
