// src/replay/format.ts
// The replay report as plain text for people (the CLI's default output; `--json` prints the report itself).

import type { DiffChange, PolicyDiff, RuleChange } from './diff';
import type { HeldRef, MoneyHeld, ReplayReport, RuleTally } from './report';

const ratio = (part: number, whole: number) => (whole === 0 ? undefined : part / whole);
const percent = (value: number | undefined, digits = 2) =>
  value === undefined ? 'n/a' : `${(value * 100).toFixed(digits)}%`;
const grouped = (value: number) => value.toLocaleString('en-US');
const heldRef = (ref: HeldRef | undefined) =>
  ref === undefined ? 'none' : `${ref.orderId} at ${ref.at} (line ${ref.line}; ${ref.rules.join(', ')})`;

/** A duration for people: seconds under a minute, minutes under two hours, else hours. */
export function duration(ms: number | undefined): string {
  if (ms === undefined) return 'never';
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 2 * 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

const counts = (record: Record<string, number>) =>
  Object.entries(record)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([name, count]) => `${name} ${grouped(count)}`)
    .join(', ');

function moneyLines(money: Record<string, MoneyHeld>, indent: string): string[] {
  const currencies = Object.entries(money);
  if (currencies.length === 0) return [`${indent}(none)`];
  return currencies.map(
    ([currency, held]) =>
      `${indent}${currency}: ${grouped(held.orders)} orders listing ${grouped(held.listValue)}, discounted ${grouped(held.discount)}, paying ${grouped(held.total)} (minor units)`,
  );
}

/** A rule's money in one line per currency, and its first example with the rule's reason. */
function tallyLines(tally: RuleTally, indent: string): string[] {
  const out = moneyLines(tally.money, indent);
  const example = tally.examples[0];
  if (example !== undefined) {
    out.push(`${indent}e.g. ${example.orderId} at ${example.at} (line ${example.line}): ${example.message}`);
  }
  return out;
}

/** The rules whose firing changed: orders each fires on under this policy only (+), or the baseline only (-). */
function ruleChangeLines(rules: Record<string, RuleChange>): string[] {
  const entries = Object.entries(rules).sort(
    (a, b) => b[1].more.orders - a[1].more.orders || b[1].fewer - a[1].fewer || (a[0] < b[0] ? -1 : 1),
  );
  if (entries.length === 0) return [];
  const out = [
    '  by rule, orders it fires on under this policy and not the baseline (+), or the other way (-):',
  ];
  for (const [rule, change] of entries) {
    const parts = [];
    if (change.more.orders > 0) {
      parts.push(
        `+${grouped(change.more.orders)}${change.alreadyHeld > 0 ? ` (${grouped(change.alreadyHeld)} held by the baseline anyway)` : ''}`,
      );
    }
    if (change.fewer > 0) parts.push(`-${grouped(change.fewer)}`);
    out.push(`    ${rule}: ${parts.join(', ')}`);
    if (change.more.orders > 0) out.push(...tallyLines(change.more, '      '));
  }
  return out;
}

function changeLines(title: string, change: DiffChange): string[] {
  const out = [
    `  ${title}: ${grouped(change.orders)} orders${change.orders > 0 ? ` (${counts(change.byLabel)})` : ''}`,
  ];
  if (change.orders === 0) return out;
  out.push(`    by rule: ${counts(change.byRule as Record<string, number>)}`);
  out.push('    money:', ...moneyLines(change.money, '      '));
  out.push(`    first ${change.examples.length}:`);
  for (const example of change.examples) {
    const tags = [example.label, example.incident].filter(Boolean).join(', ');
    out.push(
      `      ${example.orderId} at ${example.at} (line ${example.line}${tags ? `; ${tags}` : ''}): ${example.messages.join(' | ')}`,
    );
  }
  return out;
}

function diffLines(diff: PolicyDiff): string[] {
  return [
    '',
    `Policy diff against ${diff.baseline} (${grouped(diff.orders)} orders judged by both):`,
    `  held by the baseline ${grouped(diff.heldByBaseline)}, by this policy ${grouped(diff.heldByPolicy)}`,
    ...changeLines('allow -> hold', diff.allowToHold),
    ...changeLines('hold -> allow', diff.holdToAllow),
    `  held by both, for other rules: ${grouped(diff.heldForOtherRules)}`,
    ...ruleChangeLines(diff.rules),
  ];
}

/** The report as plain text for people. */
export function formatReport(report: ReplayReport & { diff?: PolicyDiff }): string {
  const out: string[] = [];
  out.push(
    `Replayed ${grouped(report.orders)} orders from ${report.firstOrderAt ?? '-'} to ${report.lastOrderAt ?? '-'} (${report.store} store, on the orders' clock).`,
  );
  out.push(
    `Would have held ${grouped(report.held)} (${percent(ratio(report.held, report.orders))}); first ${heldRef(report.firstHeld)}.`,
  );
  if (report.invalid.lines > 0) {
    out.push(
      `Skipped ${grouped(report.invalid.lines)} invalid lines (first ${report.invalid.samples.length}):`,
    );
    for (const sample of report.invalid.samples) {
      const problems = sample.problems.map((problem) => `${problem.path || '(root)'}: ${problem.message}`);
      out.push(`  line ${sample.line}: ${problems.join('; ')}`);
    }
  }
  if (report.reusedIds.lines > 0) {
    out.push(
      `Order ids reused for other content (refused, as the service answers 409): ${grouped(report.reusedIds.lines)} lines (first ${report.reusedIds.samples.length}):`,
    );
    for (const sample of report.reusedIds.samples) {
      out.push(
        `  line ${sample.line}: ${sample.orderId}${sample.firstUsedAt ? `, first used at ${sample.firstUsedAt}` : ''}`,
      );
    }
  }
  if (report.repeats > 0) {
    out.push(
      `Repeated orders (same id and content, answered with the first decision and not counted again): ${grouped(report.repeats)}.`,
    );
  }
  out.push('', 'Held by rule:');
  const rules = Object.entries(report.heldByRule).sort((a, b) => b[1] - a[1]);
  if (rules.length === 0) out.push('  (none)');
  for (const [rule, count] of rules) {
    out.push(`  ${rule.padEnd(20)} ${grouped(count).padStart(9)}`);
    const tally = report.byRule[rule];
    if (tally !== undefined) out.push(...tallyLines(tally, '    '));
  }
  out.push('', 'Money held:', ...moneyLines(report.moneyHeld, '  '));
  if (report.excepted.orders > 0) {
    out.push(
      '',
      `Let through by configured exceptions: ${grouped(report.excepted.orders)} orders (${counts(report.excepted.byException)}).`,
    );
  }
  const zero = report.zeroOrFullDiscount;
  const unexplained = zero.orders - zero.held - zero.excepted;
  out.push(
    '',
    `Zero-total or 100%-discounted orders: ${grouped(zero.orders)}, held ${grouped(zero.held)}${zero.excepted > 0 ? `, let through by exceptions ${grouped(zero.excepted)}` : ''}${unexplained > 0 ? `  <-- ${grouped(unexplained)} GOT THROUGH` : ''}.`,
  );
  const labels = report.labels;
  if (labels.glitch + labels.legit > 0) {
    out.push(
      '',
      `Labelled: ${grouped(labels.glitch)} glitch, ${grouped(labels.legit)} legit, ${grouped(labels.other)} other, ${grouped(labels.unlabelled)} unlabelled.`,
      `  held glitch (TP) ${grouped(labels.truePositives)}, held legit (FP) ${grouped(labels.falsePositives)}, missed glitch (FN) ${grouped(labels.falseNegatives)}, allowed legit (TN) ${grouped(labels.trueNegatives)}`,
      `  precision ${percent(labels.precision)}, recall ${percent(labels.recall)}, false-hold rate of legit orders ${percent(labels.falseHoldRate, 3)}`,
    );
  }
  const others = Object.entries(report.classes).filter(([name]) => name !== 'glitch' && name !== 'legit');
  if (others.length > 0) {
    out.push('', 'Other classes (labels besides glitch and legit):');
    for (const [name, kind] of others) {
      const byRule = counts(kind.heldByRule as Record<string, number>);
      out.push(
        `  ${name}: ${grouped(kind.orders)} orders, held ${grouped(kind.held)} (${percent(ratio(kind.held, kind.orders))})${byRule ? `; ${byRule}` : ''}`,
      );
    }
  }
  if (report.review) {
    const review = report.review;
    out.push(
      '',
      `Simulated on-call, ${review.afterMinutes} min after each hold: approved ${grouped(review.approved)} legit, rejected ${grouped(review.rejected)} glitch, left ${grouped(review.left)} others pending.`,
    );
  }
  const incidents = Object.entries(report.incidents);
  if (incidents.length > 0) out.push('', 'Incidents:');
  for (const [name, incident] of incidents) {
    const parts = [
      `${grouped(incident.orders)} orders (${grouped(incident.glitch)} glitch, ${grouped(incident.legit)} legit), held ${grouped(incident.held)}`,
    ];
    if (incident.glitch > 0) {
      parts.push(
        `recall ${percent(incident.recall)} (glitch let through ${grouped(incident.glitchAllowed)})`,
      );
    }
    if (incident.legit > 0)
      parts.push(`false holds ${grouped(incident.legitHeld)} of ${grouped(incident.legit)} legit`);
    out.push(`  ${name}: ${parts.join('; ')}`);
    if (incident.glitch > 0) {
      out.push(
        `    first glitch order ${incident.firstGlitchAt}; first glitch held after ${duration(incident.timeToDetectMs)}; ${grouped(incident.escapedBeforeDetection)} glitch orders got through before it`,
      );
    }
    if (incident.firstLegitHeld && incident.lastLegitHeld) {
      const span = Date.parse(incident.lastLegitHeld.at) - Date.parse(incident.firstLegitHeld.at);
      out.push(
        `    legit orders held from ${incident.firstLegitHeld.at} to ${incident.lastLegitHeld.at} (${duration(span)})`,
      );
    }
    if (incident.held > 0) out.push('    money held:', ...moneyLines(incident.moneyHeld, '      '));
    out.push(`    first held ${heldRef(incident.firstHeld)}`, `    last held  ${heldRef(incident.lastHeld)}`);
    for (const [rule, ref] of Object.entries(incident.firstHeldByRule)) {
      out.push(`    first by ${rule}: ${ref.orderId} at ${ref.at}`);
    }
  }
  if (report.falseHoldSamples.length > 0) {
    out.push('', `Held legit orders (first ${report.falseHoldSamples.length}):`);
    for (const sample of report.falseHoldSamples) {
      out.push(`  ${sample.orderId} at ${sample.at} (line ${sample.line}): ${sample.messages.join(' | ')}`);
    }
  }
  if (report.diff) out.push(...diffLines(report.diff));
  return `${out.join('\n')}\n`;
}
