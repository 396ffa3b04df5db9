// src/replay/report.ts
// What a replay reports, and the accumulator that builds it order by order.

import type { Evaluation } from '../core/evaluate';
import type { Order } from '../core/order';
import type { Problem } from '../core/problems';
import type { RuleName } from '../core/types';

/** How many examples a report keeps of each kind (held legit orders, invalid lines, reused ids). */
export const SAMPLES = 20;

/** A held order as the report shows it. */
export interface HeldRef {
  orderId: string;
  /** ISO 8601 time of the order. */
  at: string;
  /** 1-based line of the file. */
  line: number;
  rules: RuleName[];
}

/** Money a set of orders carries, per currency (minor units). */
export interface MoneyHeld {
  orders: number;
  /** Sum of the orders' line list values. */
  listValue: number;
  /** Line and voucher discounts of the orders. */
  discount: number;
  /** What the orders would have paid. */
  total: number;
}

/** What the replay saw of one incident (orders carrying `"incident": "<name>"`). */
export interface IncidentReport {
  orders: number;
  glitch: number;
  legit: number;
  held: number;
  /** Held orders labelled glitch (the incident's true positives). */
  glitchHeld: number;
  /** Held orders labelled legit (its false holds). */
  legitHeld: number;
  /** Glitch orders of the incident the guard let through. */
  glitchAllowed: number;
  /** Held glitch / glitch orders; undefined without glitch orders. */
  recall: number | undefined;
  /** Money of the incident's held orders, per currency. */
  moneyHeld: Record<string, MoneyHeld>;
  /** ISO time of the incident's first order. */
  firstOrderAt: string;
  /** ISO time of its first glitch order, if any. */
  firstGlitchAt: string | undefined;
  firstHeld: HeldRef | undefined;
  lastHeld: HeldRef | undefined;
  /** The first and last held legit order: how long the incident held good orders. */
  firstLegitHeld: HeldRef | undefined;
  lastLegitHeld: HeldRef | undefined;
  /** The first held order of the incident per rule that fired. */
  firstHeldByRule: Record<string, HeldRef>;
  /** Glitch orders allowed before the incident's first held glitch order: the bad orders that got through first. */
  escapedBeforeDetection: number;
  /** Milliseconds from the first glitch order to the first held glitch order; undefined when none was held. */
  timeToDetectMs: number | undefined;
}

/** Confusion counts over orders labelled glitch or legit (other labels and unlabelled orders are left out). */
export interface LabelStats {
  glitch: number;
  legit: number;
  /** Orders with another label (a class of their own, see `classes`). */
  other: number;
  unlabelled: number;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  trueNegatives: number;
  /** Held glitch / held glitch and legit; undefined when neither was held. */
  precision: number | undefined;
  /** Held glitch / all glitch; undefined without glitch orders. */
  recall: number | undefined;
  /** Held legit / all legit; undefined without legit orders. */
  falseHoldRate: number | undefined;
}

/** Orders and holds of one label (glitch, legit, or any class a file uses). */
export interface ClassReport {
  orders: number;
  held: number;
  heldByRule: Record<string, number>;
}

/** How many examples a report keeps of each rule. */
export const RULE_SAMPLES = 3;

/** What one rule held (or, in a policy diff, newly holds): its orders, their money, and the first examples. */
export interface RuleTally {
  orders: number;
  /** Their money per currency: list value, discounts, what they pay. */
  money: Record<string, MoneyHeld>;
  /** The first orders, in file order, with the rule's reason. */
  examples: Array<HeldRef & { message: string }>;
}

/** Adds an order to a rule's tally: one more order, its money, and an example while there are fewer than 3. */
export function tallyRule(
  tally: RuleTally,
  ref: HeldRef,
  order: Order,
  evaluation: Evaluation,
  rule: string,
) {
  tally.orders++;
  addMoney(tally.money, order, evaluation);
  if (tally.examples.length < RULE_SAMPLES) {
    const reason = evaluation.decision.reasons.find((item) => item.rule === rule);
    tally.examples.push({ ...ref, message: reason?.message ?? '' });
  }
}

/** A rule's tally, created on first use. */
export function tallyOf(tallies: Record<string, RuleTally>, rule: string): RuleTally {
  let tally = tallies[rule];
  if (tally === undefined) {
    tally = { orders: 0, money: {}, examples: [] };
    tallies[rule] = tally;
  }
  return tally;
}

/** A line the replay skipped (`--skip-invalid`) or could not judge: where, and why. */
export interface LineProblem {
  line: number;
  problems: Problem[];
}

/** A line whose order id was already used for an order with other content (the service answers 409). */
export interface ReusedId {
  line: number;
  orderId: string;
  /** ISO time the id was first used, when the store knows it. */
  firstUsedAt: string | undefined;
}

/** The simulated on-call of `reviewAfterMinutes`: what it decided. */
export interface ReviewSummary {
  afterMinutes: number;
  /** Held legit orders approved (their prices confirmed, which the history rules learn from). */
  approved: number;
  /** Held glitch orders rejected. */
  rejected: number;
  /** Held orders with another label or none, left pending. */
  left: number;
}

/** The replay's findings. Deterministic for the same file, policy and options. */
export interface ReplayReport {
  /** `memory` or `redis`: the store the guard ran on. */
  store: 'memory' | 'redis';
  /** Orders judged (repeats, reused ids and invalid lines are counted apart). */
  orders: number;
  /** Orders the guard would have held. */
  held: number;
  /** Held orders per rule that fired on them (an order with two rules counts under both). */
  heldByRule: Record<string, number>;
  /**
   * Per rule that fired, built-in or custom: the orders it held, their money and the first examples (a new rule
   * tried on last month's orders: how many it would hold, for how much, and which).
   */
  byRule: Record<string, RuleTally>;
  moneyHeld: Record<string, MoneyHeld>;
  /** Orders let through only because a configured exception set the rules' reasons aside, per exception id. */
  excepted: { orders: number; byException: Record<string, number> };
  /**
   * Orders paying zero or with a line discounted 100%: the ones that must never get through unnoticed. `excepted`
   * ones were let through by a configured exception on purpose.
   */
  zeroOrFullDiscount: { orders: number; held: number; excepted: number };
  firstOrderAt: string | undefined;
  lastOrderAt: string | undefined;
  firstHeld: HeldRef | undefined;
  lastHeld: HeldRef | undefined;
  incidents: Record<string, IncidentReport>;
  labels: LabelStats;
  /** Every label the file uses, with its orders and holds. */
  classes: Record<string, ClassReport>;
  /** Up to 20 held legit orders, with their reasons, for tuning. */
  falseHoldSamples: Array<HeldRef & { messages: string[] }>;
  /** Lines skipped as invalid (`--skip-invalid`), and the first 20 with their problems. */
  invalid: { lines: number; samples: LineProblem[] };
  /** Lines refused because their order id was used before for other content, and the first 20. */
  reusedIds: { lines: number; samples: ReusedId[] };
  /** Lines repeating an earlier order exactly (same id and content): answered with the first decision, not counted again. */
  repeats: number;
  /** What the simulated on-call decided, when one was asked for. */
  review: ReviewSummary | undefined;
}

const ratio = (part: number, whole: number) => (whole === 0 ? undefined : part / whole);

/** One order the guard judged, as the report records it. */
export interface Judged {
  lineNumber: number;
  at: number;
  label: string | undefined;
  incident: string | undefined;
  order: Order;
  evaluation: Evaluation;
}

/** Adds an order's money to a per-currency tally. */
export function addMoney(tally: Record<string, MoneyHeld>, order: Order, evaluation: Evaluation): void {
  let money = tally[order.currency];
  if (money === undefined) {
    money = { orders: 0, listValue: 0, discount: 0, total: 0 };
    tally[order.currency] = money;
  }
  money.orders++;
  money.listValue += evaluation.totals.listValue;
  money.discount += evaluation.totals.lineDiscounts + evaluation.totals.voucherDiscounts;
  money.total += order.total;
}

/** The rules of a decision, each once, in the order they fired. */
export function rulesOf(evaluation: Evaluation): RuleName[] {
  return [...new Set(evaluation.decision.reasons.map((reason) => reason.rule))];
}

/**
 * A record keyed by names the shop chose (rule ids, exception ids, labels, incidents), without a prototype: a
 * custom rule named `constructor` is an ordinary key.
 */
export const keyed = <T>(): Record<string, T> => Object.create(null) as Record<string, T>;

/** Builds a ReplayReport from the orders of one guard, in file order. */
export class ReportBuilder {
  private readonly report: ReplayReport;
  /** Glitch orders allowed per incident so far, until its first hold. */
  private readonly escaped = new Map<string, number>();

  constructor(store: 'memory' | 'redis') {
    this.report = {
      store,
      orders: 0,
      held: 0,
      heldByRule: keyed(),
      byRule: keyed(),
      moneyHeld: {},
      excepted: { orders: 0, byException: keyed() },
      zeroOrFullDiscount: { orders: 0, held: 0, excepted: 0 },
      firstOrderAt: undefined,
      lastOrderAt: undefined,
      firstHeld: undefined,
      lastHeld: undefined,
      incidents: keyed(),
      labels: {
        glitch: 0,
        legit: 0,
        other: 0,
        unlabelled: 0,
        truePositives: 0,
        falsePositives: 0,
        falseNegatives: 0,
        trueNegatives: 0,
        precision: undefined,
        recall: undefined,
        falseHoldRate: undefined,
      },
      classes: keyed(),
      falseHoldSamples: [],
      invalid: { lines: 0, samples: [] },
      reusedIds: { lines: 0, samples: [] },
      repeats: 0,
      review: undefined,
    };
  }

  /** Orders judged so far. */
  count(): number {
    return this.report.orders;
  }

  /** A line skipped as invalid. */
  invalid(line: number, problems: Problem[]): void {
    const invalid = this.report.invalid;
    invalid.lines++;
    if (invalid.samples.length < SAMPLES) invalid.samples.push({ line, problems });
  }

  /** A line whose order id was used before for other content. */
  reused(line: number, orderId: string, boundAt: number | undefined): void {
    const reused = this.report.reusedIds;
    reused.lines++;
    if (reused.samples.length < SAMPLES) {
      reused.samples.push({
        line,
        orderId,
        firstUsedAt: boundAt === undefined ? undefined : new Date(boundAt).toISOString(),
      });
    }
  }

  /** A line repeating an earlier order exactly. */
  repeat(): void {
    this.report.repeats++;
  }

  /** Records the simulated on-call's decisions. */
  review(summary: ReviewSummary): void {
    this.report.review = summary;
  }

  /** Records one judged order; returns whether it was held. */
  record(judged: Judged): boolean {
    const { order, evaluation, label, lineNumber } = judged;
    const report = this.report;
    const at = new Date(judged.at).toISOString();
    report.orders++;
    report.firstOrderAt ??= at;
    report.lastOrderAt = at;
    const decision = evaluation.decision;
    const held = decision.wouldDecide === 'hold';
    const rules = rulesOf(evaluation);
    const ref: HeldRef = { orderId: order.orderId, at, line: lineNumber, rules };
    const excepted = !held && decision.exceptions.length > 0;
    if (excepted) {
      report.excepted.orders++;
      for (const exception of decision.exceptions) {
        report.excepted.byException[exception.id] = (report.excepted.byException[exception.id] ?? 0) + 1;
      }
    }

    const fullDiscount =
      order.total === 0 || evaluation.totals.lines.some((line) => line.listValue > 0 && line.paid <= 0);
    if (fullDiscount) {
      report.zeroOrFullDiscount.orders++;
      if (held) report.zeroOrFullDiscount.held++;
      else if (excepted) report.zeroOrFullDiscount.excepted++;
    }
    if (held) {
      report.held++;
      for (const rule of rules) {
        report.heldByRule[rule] = (report.heldByRule[rule] ?? 0) + 1;
        tallyRule(tallyOf(report.byRule, rule), ref, order, evaluation, rule);
      }
      addMoney(report.moneyHeld, order, evaluation);
      report.firstHeld ??= ref;
      report.lastHeld = ref;
    }

    const labels = report.labels;
    if (label === undefined) labels.unlabelled++;
    else {
      let kind = report.classes[label];
      if (kind === undefined) {
        kind = { orders: 0, held: 0, heldByRule: keyed() };
        report.classes[label] = kind;
      }
      kind.orders++;
      if (held) {
        kind.held++;
        for (const rule of rules) kind.heldByRule[rule] = (kind.heldByRule[rule] ?? 0) + 1;
      }
      if (label === 'glitch') {
        labels.glitch++;
        if (held) labels.truePositives++;
        else labels.falseNegatives++;
      } else if (label === 'legit') {
        labels.legit++;
        if (held) {
          labels.falsePositives++;
          if (report.falseHoldSamples.length < SAMPLES) {
            report.falseHoldSamples.push({
              ...ref,
              messages: decision.reasons.map((reason) => reason.message),
            });
          }
        } else labels.trueNegatives++;
      } else labels.other++;
    }

    if (judged.incident !== undefined) this.recordIncident(judged, held, ref, at);
    return held;
  }

  private recordIncident(judged: Judged, held: boolean, ref: HeldRef, at: string): void {
    const name = judged.incident!;
    let incident = this.report.incidents[name];
    if (incident === undefined) {
      incident = {
        orders: 0,
        glitch: 0,
        legit: 0,
        held: 0,
        glitchHeld: 0,
        legitHeld: 0,
        glitchAllowed: 0,
        recall: undefined,
        moneyHeld: {},
        firstOrderAt: at,
        firstGlitchAt: undefined,
        firstHeld: undefined,
        lastHeld: undefined,
        firstLegitHeld: undefined,
        lastLegitHeld: undefined,
        firstHeldByRule: keyed(),
        escapedBeforeDetection: 0,
        timeToDetectMs: undefined,
      };
      this.report.incidents[name] = incident;
    }
    incident.orders++;
    const { label } = judged;
    if (label === 'glitch') {
      incident.glitch++;
      incident.firstGlitchAt ??= at;
      if (held) incident.glitchHeld++;
      else incident.glitchAllowed++;
    } else if (label === 'legit') {
      incident.legit++;
      if (held) {
        incident.legitHeld++;
        incident.firstLegitHeld ??= ref;
        incident.lastLegitHeld = ref;
      }
    }
    if (held) {
      incident.held++;
      addMoney(incident.moneyHeld, judged.order, judged.evaluation);
      incident.firstHeld ??= ref;
      incident.lastHeld = ref;
      for (const rule of ref.rules) incident.firstHeldByRule[rule] ??= ref;
    }
    if (label === 'glitch' && incident.timeToDetectMs === undefined) {
      if (held) {
        // Detection is the first held glitch order: a held legit order of the incident is no detection.
        incident.escapedBeforeDetection = this.escaped.get(name) ?? 0;
        incident.timeToDetectMs = judged.at - Date.parse(incident.firstGlitchAt!);
      } else this.escaped.set(name, (this.escaped.get(name) ?? 0) + 1);
    }
  }

  /** The finished report: escapes of never-detected incidents, precision, recall and rates. */
  finish(): ReplayReport {
    const report = this.report;
    for (const [name, incident] of Object.entries(report.incidents)) {
      if (incident.timeToDetectMs === undefined)
        incident.escapedBeforeDetection = this.escaped.get(name) ?? 0;
      incident.recall = ratio(incident.glitchHeld, incident.glitch);
    }
    const labels = report.labels;
    labels.precision = ratio(labels.truePositives, labels.truePositives + labels.falsePositives);
    labels.recall = ratio(labels.truePositives, labels.glitch);
    labels.falseHoldRate = ratio(labels.falsePositives, labels.legit);
    return report;
  }
}
