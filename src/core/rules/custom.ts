// src/core/rules/custom.ts
// Runs the policy's custom rules: each compiled once, judged per order or per line; a failure is an abstention.

import { type CompiledRule, compileRule, position } from '../custom/compile';
import {
  type CelLine,
  CelOrder,
  type ContextSource,
  type LineFigures,
  type PolicyFacts,
} from '../custom/context';
import type { Test } from '../custom/guards';
import type { CelNode } from '../custom/library';
import { renderMessage } from '../custom/message';
import { applyBp } from '../money';
import { type CustomRule, customRuleMode, type Policy } from '../policy';
import { compiledRuleOf, rememberCompiled } from '../policy/custom-rules';
import type { Mode } from '../types';
import type { RuleContext } from './context';
import { floorsFor } from './prices';

/** A custom rule that runs under a policy: its mode, and its program (or why it has none). */
interface PlannedRule {
  rule: CustomRule;
  mode: Mode;
  compiled: CompiledRule | undefined;
  /** Why the rule could not be compiled (only for a policy built without `parsePolicy`). */
  problem?: string;
}

const plans = new WeakMap<Policy, readonly PlannedRule[]>();

/** The custom rules that run under a policy, compiled (once per rule object) and in their modes; once per policy. */
export function plannedRules(policy: Policy): readonly PlannedRule[] {
  let plan = plans.get(policy);
  if (plan === undefined) {
    const planned: PlannedRule[] = [];
    for (const rule of policy.customRules) {
      const mode = customRuleMode(policy, rule);
      if (mode === 'off') continue;
      let compiled = compiledRuleOf(rule);
      let problem: string | undefined;
      if (compiled === undefined) {
        // A policy object assembled by hand rather than parsed: compile now, once.
        try {
          const result = compileRule(rule);
          if (result.ok) {
            compiled = result.compiled;
            rememberCompiled(rule, compiled);
          } else problem = result.problems.map((item) => `${item.field}: ${item.message}`).join('; ');
        } catch (error) {
          problem = (error as Error).message;
        }
      }
      planned.push({ rule, mode, compiled, ...(problem === undefined ? {} : { problem }) });
    }
    plan = Object.freeze(planned);
    plans.set(policy, plan);
  }
  return plan;
}

/** The policy's answers about one order's lines and codes, for the facts a rule reads. */
function policyFacts(context: RuleContext): PolicyFacts {
  const { policy, order, totals } = context;
  return {
    floor(figures: LineFigures) {
      const line = totals.lines[figures.index]!;
      const { floors } = floorsFor(policy, line, order.currency);
      if (floors.length === 0) return undefined;
      let highest = 0;
      for (const floor of floors) {
        const perUnit = floor.kind === 'absolute' ? floor.perUnit : applyBp(line.unitPrice, floor.bp);
        if (perUnit > highest) highest = perUnit;
      }
      return highest;
    },
    declared: (code: string) => Object.hasOwn(policy.vouchers, code),
  };
}

/** The text of the part of the expression an evaluation error is about (`line.declaredPrice`). */
function partOf(node: CelNode | undefined): string | undefined {
  if (node === undefined || typeof node.input !== 'string') return undefined;
  return node.input.slice(node.range.start, node.range.end);
}

/** Why a rule could not judge, in words: an unknown fact says which and how to test for it. */
function failure(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const { code, summary, node } = error as Error & { code?: string; summary?: string; node?: CelNode };
  const part = partOf(node);
  if (code === 'no_such_key' && node?.op === '.' && part !== undefined) {
    return `${part} is not known for it (has(${part}) tests whether it is)`;
  }
  const at = part === undefined ? '' : ` ${position(node!.input, node!.range.start)} of when`;
  return `${summary ?? error.message}${at}`;
}

/** One rule's failures on one order: the first, said in full, and how many more. */
interface Failures {
  message: string;
  line: CelLine | undefined;
  more: number;
}

/** What a rule's expression names: `order`, `line` in line scope, and `now`, built when the program reads it. */
class Variables {
  line: CelLine | undefined = undefined;
  private date: Date | undefined;
  constructor(
    readonly order: CelOrder,
    private readonly at: number,
  ) {}
  get now(): Date {
    this.date ??= new Date(this.at);
    return this.date;
  }
}

/**
 * What a rule's tests (see guards.ts) say: false when one is false, true when all are true, undefined when some
 * cannot decide (a value CEL cannot hold, a reader that throws: the program decides, and says why).
 */
function verdictOf(tests: readonly Test[], scope: Variables): boolean | undefined {
  let all = true;
  try {
    for (const test of tests) {
      const verdict = test(scope);
      if (verdict === false) return false;
      if (verdict !== true) all = false;
    }
  } catch {
    all = false;
  }
  return all ? true : undefined;
}

/**
 * What one evaluation of `when` gave: true, false, or why it could not judge. `orders` is the verdict of the rule's
 * order tests (true, or undefined when they cannot decide: a false one decides the rule before it is judged).
 */
function judge(compiled: CompiledRule, scope: Variables, orders: true | undefined): boolean | string {
  const verdict = verdictOf(compiled.guards.tests, scope);
  if (verdict === false) return false;
  if (verdict === true && orders === true && compiled.guards.complete) return true;
  let result: unknown;
  try {
    result = compiled.program(scope);
  } catch (error) {
    return failure(error);
  }
  if (typeof result === 'boolean') return result;
  return `it gave ${typeof result === 'bigint' ? `${result}` : (JSON.stringify(result) ?? String(result))}, not true or false`;
}

/** Appends the abstention of a rule that could not judge the order (or some of its lines). */
function abstain(context: RuleContext, rule: CustomRule, failures: Failures): void {
  const { line, message, more } = failures;
  const where = line === undefined ? 'the order' : `line ${line.view.index + 1} (${line.view.sku})`;
  context.abstentions.push({
    rule: rule.id,
    message: `Custom rule ${rule.id} could not judge ${where}: ${message}${more > 0 ? `; nor ${more} more line${more === 1 ? '' : 's'}` : ''}.`,
    ...(line === undefined ? {} : { line: line.view.index, sku: line.view.sku }),
  });
}

/**
 * Judges the order by every custom rule that runs: a `true` appends a reason (with the line, for a line-scope rule)
 * in the rule's mode; an evaluation that fails (an unknown fact read without `has()`, a division by zero) or gives
 * something else than true or false is an abstention that says so. It never throws: whatever a rule does, the
 * built-in rules' reasons stand.
 */
export function runCustomRules(context: RuleContext): void {
  const plan = plannedRules(context.policy);
  if (plan.length === 0) return;
  const source: ContextSource = {
    order: context.order,
    totals: context.totals,
    facts: context.facts,
    policy: policyFacts(context),
  };
  const order = new CelOrder(source);
  const orderScope = new Variables(order, context.now);
  const lineScope = new Variables(order, context.now);
  const currency = context.order.currency;
  const fields = order as unknown as Record<string, unknown>;
  for (const planned of plan) {
    const { rule, compiled } = planned;
    if (compiled === undefined) {
      context.abstentions.push({
        rule: rule.id,
        message: `Custom rule ${rule.id} cannot run: ${planned.problem}.`,
      });
      continue;
    }
    // The tests that read only the order, once per order (in line scope, not once per line).
    const orders = verdictOf(compiled.guards.orderTests, orderScope);
    if (orders === false) continue;
    if (compiled.scope === 'order') {
      const verdict = judge(compiled, orderScope, orders);
      if (verdict === true) {
        const message = renderMessage(compiled.template, { order: fields, currency });
        context.reasons.push({ rule: rule.id, message, mode: planned.mode });
      } else if (verdict !== false) abstain(context, rule, { message: verdict, line: undefined, more: 0 });
      continue;
    }
    let failures: Failures | undefined;
    for (const line of order.lineList()) {
      lineScope.line = line;
      const verdict = judge(compiled, lineScope, orders);
      if (verdict === false) continue;
      if (verdict === true) {
        const message = renderMessage(compiled.template, {
          order: fields,
          line: line as unknown as Record<string, unknown>,
          currency,
        });
        const { index, sku } = line.view;
        context.reasons.push({ rule: rule.id, message, line: index, sku, mode: planned.mode });
      } else if (failures === undefined) failures = { message: verdict, line, more: 0 };
      else failures.more++;
    }
    if (failures !== undefined) abstain(context, rule, failures);
  }
}
