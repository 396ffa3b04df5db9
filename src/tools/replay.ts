// src/tools/replay.ts
// Incident replay and backtest: runs a time-ordered NDJSON stream through the guard in shadow mode and reports.

import { DEFAULT_ORDER_LIMITS, type OrderLimits } from '../core/order';
import type { Policy } from '../core/policy';
import type { Problem } from '../core/problems';
import type { RuleId } from '../core/types';
import { Guard } from '../guard';
import { MemoryStore } from '../state/memory/store';

/** Options of a replay. */
export interface ReplayOptions {
  /** The policy to backtest. */
  policy: Policy;
  /** Order limits. Defaults to DEFAULT_ORDER_LIMITS. */
  limits?: OrderLimits;
  /** Calls `onProgress` every this many orders. Defaults to 10,000. */
  progressEvery?: number;
  /** Receives the number of orders replayed so far. Defaults to none. */
  onProgress?: (orders: number) => void;
}

/** A malformed line of the replay file: its number (from 1) and every problem with it. */
export class ReplayLineError extends Error {
  readonly code = 'ERR_REPLAY_LINE';
  constructor(
    readonly line: number,
    readonly problems: Problem[],
  ) {
    super(
      `line ${line} is not a valid order:\n${problems.map((problem) => `  - ${problem.path || '(root)'}: ${problem.message}`).join('\n')}`,
    );
    this.name = this.constructor.name;
  }
}

/** A held order as the report shows it. */
export interface HeldRef {
  orderId: string;
  /** ISO 8601 time of the order. */
  at: string;
  /** 1-based line of the file. */
  line: number;
  rules: RuleId[];
}

/** Money the held orders carry, per currency (minor units). */
export interface MoneyHeld {
  orders: number;
  /** Sum of the held orders' line list values. */
  listValue: number;
  /** Line and voucher discounts of the held orders. */
  discount: number;
  /** What the held orders would have paid. */
  total: number;
}

/** What the replay saw of one incident (orders carrying `"incident": "<name>"`). */
export interface IncidentReport {
  orders: number;
  glitch: number;
  legit: number;
  held: number;
  /** Glitch orders of the incident the guard let through. */
  glitchAllowed: number;
  /** ISO time of the incident's first order. */
  firstOrderAt: string;
  /** ISO time of its first glitch order, if any. */
  firstGlitchAt: string | undefined;
  firstHeld: HeldRef | undefined;
  lastHeld: HeldRef | undefined;
  /** The first held order of the incident per rule that fired. */
  firstHeldByRule: Partial<Record<RuleId, HeldRef>>;
  /** Glitch orders allowed before the first held order of the incident: the bad orders that got through first. */
  escapedBeforeDetection: number;
  /** Milliseconds from the first glitch order to the first held one; undefined when none was held. */
  timeToDetectMs: number | undefined;
}

/** Confusion counts over labelled orders (orders without a label are left out). */
export interface LabelStats {
  glitch: number;
  legit: number;
  unlabelled: number;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  trueNegatives: number;
  /** Held glitch / all held labelled orders; undefined when nothing was held. */
  precision: number | undefined;
  /** Held glitch / all glitch; undefined without glitch orders. */
  recall: number | undefined;
  /** Held legit / all legit; undefined without legit orders. */
  falseHoldRate: number | undefined;
}

/** The replay's findings. Deterministic for the same file and policy. */
export interface ReplayReport {
  orders: number;
  /** Orders the guard would have held (shadow mode: none was). */
  held: number;
  /** Held orders per rule that fired on them (an order with two rules counts under both). */
  heldByRule: Partial<Record<RuleId, number>>;
  moneyHeld: Record<string, MoneyHeld>;
  /** Orders paying zero or with a line discounted 100%: the ones that must never get through. */
  zeroOrFullDiscount: { orders: number; held: number };
  firstOrderAt: string | undefined;
  lastOrderAt: string | undefined;
  firstHeld: HeldRef | undefined;
  lastHeld: HeldRef | undefined;
  incidents: Record<string, IncidentReport>;
  labels: LabelStats;
  /** Up to 20 held legit orders, with their reasons, for tuning. */
  falseHoldSamples: Array<HeldRef & { messages: string[] }>;
}

/** Reads a line's replay fields and returns the order without them, or the problems. */
function splitLine(value: unknown):
  | {
      ok: true;
      at: number;
      label: 'glitch' | 'legit' | undefined;
      incident: string | undefined;
      order: object;
    }
  | { ok: false; problems: Problem[] } {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return {
      ok: false,
      problems: [{ path: '', message: 'must be a JSON object (an order with a timestamp)' }],
    };
  }
  const { timestamp, label, incident, ...order } = value as Record<string, unknown>;
  const problems: Problem[] = [];
  let at = Number.NaN;
  if (typeof timestamp === 'number' && Number.isSafeInteger(timestamp) && timestamp >= 0) at = timestamp;
  else if (typeof timestamp === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(timestamp)) at = Date.parse(timestamp);
  if (Number.isNaN(at)) {
    problems.push({
      path: 'timestamp',
      message:
        timestamp === undefined
          ? 'is required (ISO 8601 such as 2026-11-11T00:00:00+07:00, or epoch milliseconds)'
          : `must be an ISO 8601 time such as 2026-11-11T00:00:00+07:00 or epoch milliseconds, got ${JSON.stringify(timestamp)}`,
    });
  }
  if (label !== undefined && label !== 'glitch' && label !== 'legit') {
    problems.push({ path: 'label', message: `must be "glitch" or "legit", got ${JSON.stringify(label)}` });
  }
  if (incident !== undefined && (typeof incident !== 'string' || incident === '' || incident.length > 128)) {
    problems.push({ path: 'incident', message: 'must be a non-empty string of at most 128 characters' });
  }
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    at,
    label: label as 'glitch' | 'legit' | undefined,
    incident: incident as string | undefined,
    order,
  };
}

const ratio = (part: number, whole: number) => (whole === 0 ? undefined : part / whole);

/**
 * Replays orders through a fresh guard in shadow mode, with the clock at each order's timestamp.
 * Lines must be in time order; blank lines are skipped. Throws a ReplayLineError for a malformed line.
 */
export async function replay(
  lines: AsyncIterable<string> | Iterable<string>,
  options: ReplayOptions,
): Promise<ReplayReport> {
  let now = 0;
  const guard = new Guard({
    policy: options.policy,
    store: new MemoryStore(),
    mode: 'shadow',
    limits: options.limits ?? DEFAULT_ORDER_LIMITS,
    clock: () => now,
  });
  const progressEvery = options.progressEvery ?? 10_000;
  const report: ReplayReport = {
    orders: 0,
    held: 0,
    heldByRule: {},
    moneyHeld: {},
    zeroOrFullDiscount: { orders: 0, held: 0 },
    firstOrderAt: undefined,
    lastOrderAt: undefined,
    firstHeld: undefined,
    lastHeld: undefined,
    incidents: {},
    labels: {
      glitch: 0,
      legit: 0,
      unlabelled: 0,
      truePositives: 0,
      falsePositives: 0,
      falseNegatives: 0,
      trueNegatives: 0,
      precision: undefined,
      recall: undefined,
      falseHoldRate: undefined,
    },
    falseHoldSamples: [],
  };
  /** Glitch orders allowed per incident so far, until its first hold. */
  const escaped = new Map<string, number>();
  let lineNumber = 0;
  let last = Number.NEGATIVE_INFINITY;

  for await (const text of lines) {
    lineNumber++;
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new ReplayLineError(lineNumber, [
        { path: '', message: `is not JSON: ${(error as Error).message}` },
      ]);
    }
    const split = splitLine(value);
    if (!split.ok) throw new ReplayLineError(lineNumber, split.problems);
    if (split.at < last) {
      throw new ReplayLineError(lineNumber, [
        {
          path: 'timestamp',
          message: `goes back in time (${new Date(split.at).toISOString()} after ${new Date(last).toISOString()}); the file must be sorted by timestamp`,
        },
      ]);
    }
    last = split.at;
    now = split.at;
    const result = await guard.check(split.order);
    if (result.kind === 'invalid') throw new ReplayLineError(lineNumber, result.problems);
    if (result.kind === 'conflict') {
      throw new ReplayLineError(lineNumber, [
        { path: 'orderId', message: `was already used earlier in the file for an order with other content` },
      ]);
    }

    const { order, evaluation } = result;
    const at = new Date(split.at).toISOString();
    report.orders++;
    report.firstOrderAt ??= at;
    report.lastOrderAt = at;
    const held = evaluation.decision.wouldDecide === 'hold';
    const rules = [...new Set(evaluation.decision.reasons.map((reason) => reason.rule))];
    const ref: HeldRef = { orderId: order.orderId, at, line: lineNumber, rules };

    const fullDiscount =
      order.total === 0 || evaluation.totals.lines.some((line) => line.listValue > 0 && line.paid <= 0);
    if (fullDiscount) {
      report.zeroOrFullDiscount.orders++;
      if (held) report.zeroOrFullDiscount.held++;
    }
    if (held) {
      report.held++;
      for (const rule of rules) report.heldByRule[rule] = (report.heldByRule[rule] ?? 0) + 1;
      let money = report.moneyHeld[order.currency];
      if (money === undefined) {
        money = { orders: 0, listValue: 0, discount: 0, total: 0 };
        report.moneyHeld[order.currency] = money;
      }
      money.orders++;
      money.listValue += evaluation.totals.listValue;
      money.discount += evaluation.totals.lineDiscounts + evaluation.totals.voucherDiscounts;
      money.total += order.total;
      report.firstHeld ??= ref;
      report.lastHeld = ref;
    }

    const labels = report.labels;
    if (split.label === undefined) labels.unlabelled++;
    else if (split.label === 'glitch') {
      labels.glitch++;
      if (held) labels.truePositives++;
      else labels.falseNegatives++;
    } else {
      labels.legit++;
      if (held) {
        labels.falsePositives++;
        if (report.falseHoldSamples.length < 20) {
          report.falseHoldSamples.push({
            ...ref,
            messages: evaluation.decision.reasons.map((reason) => reason.message),
          });
        }
      } else labels.trueNegatives++;
    }

    if (split.incident !== undefined) {
      const name = split.incident;
      let incident = report.incidents[name];
      if (incident === undefined) {
        incident = {
          orders: 0,
          glitch: 0,
          legit: 0,
          held: 0,
          glitchAllowed: 0,
          firstOrderAt: at,
          firstGlitchAt: undefined,
          firstHeld: undefined,
          lastHeld: undefined,
          firstHeldByRule: {},
          escapedBeforeDetection: 0,
          timeToDetectMs: undefined,
        };
        report.incidents[name] = incident;
      }
      incident.orders++;
      if (split.label === 'glitch') {
        incident.glitch++;
        incident.firstGlitchAt ??= at;
        if (!held) incident.glitchAllowed++;
      } else if (split.label === 'legit') incident.legit++;
      if (held) {
        incident.held++;
        if (incident.firstHeld === undefined) {
          incident.firstHeld = ref;
          incident.escapedBeforeDetection = escaped.get(name) ?? 0;
          if (incident.firstGlitchAt !== undefined) {
            incident.timeToDetectMs = split.at - Date.parse(incident.firstGlitchAt);
          }
        }
        incident.lastHeld = ref;
        for (const rule of rules) incident.firstHeldByRule[rule] ??= ref;
      } else if (split.label === 'glitch' && incident.firstHeld === undefined) {
        escaped.set(name, (escaped.get(name) ?? 0) + 1);
      }
    }

    if (options.onProgress && report.orders % progressEvery === 0) options.onProgress(report.orders);
  }

  for (const [name, incident] of Object.entries(report.incidents)) {
    if (incident.firstHeld === undefined) incident.escapedBeforeDetection = escaped.get(name) ?? 0;
  }
  const labels = report.labels;
  labels.precision = ratio(labels.truePositives, labels.truePositives + labels.falsePositives);
  labels.recall = ratio(labels.truePositives, labels.glitch);
  labels.falseHoldRate = ratio(labels.falsePositives, labels.legit);
  await guard.store.shutdown?.();
  return report;
}

const percent = (value: number | undefined, digits = 2) =>
  value === undefined ? 'n/a' : `${(value * 100).toFixed(digits)}%`;
const grouped = (value: number) => value.toLocaleString('en-US');
const heldRef = (ref: HeldRef | undefined) =>
  ref === undefined ? 'none' : `${ref.orderId} at ${ref.at} (line ${ref.line}; ${ref.rules.join(', ')})`;
const duration = (ms: number | undefined) =>
  ms === undefined
    ? 'never'
    : ms < 60_000
      ? `${(ms / 1000).toFixed(1)} s`
      : `${(ms / 60_000).toFixed(1)} min`;

/** The report as plain text for people. */
export function formatReport(report: ReplayReport): string {
  const out: string[] = [];
  out.push(
    `Replayed ${grouped(report.orders)} orders from ${report.firstOrderAt ?? '-'} to ${report.lastOrderAt ?? '-'} (shadow mode).`,
  );
  out.push(
    `Would have held ${grouped(report.held)} (${percent(ratio(report.held, report.orders))}); first ${heldRef(report.firstHeld)}.`,
  );
  out.push('', 'Held by rule:');
  const rules = Object.entries(report.heldByRule).sort((a, b) => b[1] - a[1]);
  if (rules.length === 0) out.push('  (none)');
  for (const [rule, count] of rules) out.push(`  ${rule.padEnd(20)} ${grouped(count).padStart(9)}`);
  out.push('', 'Money held:');
  const currencies = Object.entries(report.moneyHeld);
  if (currencies.length === 0) out.push('  (none)');
  for (const [currency, money] of currencies) {
    out.push(
      `  ${currency}: ${grouped(money.orders)} orders listing ${grouped(money.listValue)}, discounted ${grouped(money.discount)}, paying ${grouped(money.total)} (minor units)`,
    );
  }
  const zero = report.zeroOrFullDiscount;
  out.push(
    '',
    `Zero-total or 100%-discounted orders: ${grouped(zero.orders)}, held ${grouped(zero.held)}${zero.held < zero.orders ? '  <-- SOME GOT THROUGH' : ''}.`,
  );
  const labels = report.labels;
  if (labels.glitch + labels.legit > 0) {
    out.push(
      '',
      `Labelled: ${grouped(labels.glitch)} glitch, ${grouped(labels.legit)} legit, ${grouped(labels.unlabelled)} unlabelled.`,
      `  held glitch (TP) ${grouped(labels.truePositives)}, held legit (FP) ${grouped(labels.falsePositives)}, missed glitch (FN) ${grouped(labels.falseNegatives)}, allowed legit (TN) ${grouped(labels.trueNegatives)}`,
      `  precision ${percent(labels.precision)}, recall ${percent(labels.recall)}, false-hold rate of legit orders ${percent(labels.falseHoldRate, 3)}`,
    );
  }
  const incidents = Object.entries(report.incidents);
  if (incidents.length > 0) out.push('', 'Incidents:');
  for (const [name, incident] of incidents) {
    out.push(
      `  ${name}: ${grouped(incident.orders)} orders (${grouped(incident.glitch)} glitch, ${grouped(incident.legit)} legit), held ${grouped(incident.held)}, glitch let through ${grouped(incident.glitchAllowed)}`,
    );
    if (incident.glitch > 0) {
      out.push(
        `    first glitch order ${incident.firstGlitchAt}; detected after ${duration(incident.timeToDetectMs)}; ${grouped(incident.escapedBeforeDetection)} glitch orders got through before the first hold`,
      );
    }
    out.push(`    first held ${heldRef(incident.firstHeld)}`, `    last held  ${heldRef(incident.lastHeld)}`);
    for (const [rule, ref] of Object.entries(incident.firstHeldByRule)) {
      out.push(`    first by ${rule}: ${ref.orderId} at ${ref.at}`);
    }
  }
  if (report.falseHoldSamples.length > 0) {
    out.push('', 'Held legit orders (first 20):');
    for (const sample of report.falseHoldSamples) {
      out.push(`  ${sample.orderId} at ${sample.at} (line ${sample.line}): ${sample.messages.join(' | ')}`);
    }
  }
  return `${out.join('\n')}\n`;
}
