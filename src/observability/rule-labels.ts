// src/observability/rule-labels.ts
// The `rule` label: the built-in ids, and the custom rules of the policy in force (at most 100 of them), retired when
// the policy drops them; any other name is counted as `other`, so a label never grows without bound.

import type { Counter } from 'prom-client';
import type { Policy } from '../core/policy';
import { RULE_IDS } from '../core/types';
import { OTHER } from './labels';
import type { Registrar } from './registrar';

/** The counters labelled by rule. */
export interface RuleCounters {
  holds: Counter;
  wouldHold: Counter;
  abstentions: Counter;
  exceptedOrders: Counter;
}

/** The `rule` series of one createMetrics call. */
export interface RuleLabels {
  /** Gives the custom rules of the policy their series (at 0) and retires rules the policy no longer has. */
  usePolicy(policy: Partial<Pick<Policy, 'customRules'>>): void;
  /** The label of a rule name: a built-in id or a custom rule of the policy in force, else `other`. */
  label(rule: string): string;
  /** The custom rule ids with their own series. */
  custom(): readonly string[];
}

const BUILT_IN: ReadonlySet<string> = new Set(RULE_IDS);

/** Starts every built-in rule's series at 0; custom rules get theirs from `usePolicy`. */
export function createRuleLabels(
  registrar: Pick<Registrar, 'withConstants'>,
  counters: RuleCounters,
): RuleLabels {
  const { withConstants } = registrar;
  const all = [counters.holds, counters.wouldHold, counters.abstentions, counters.exceptedOrders];
  const start = (rule: string) => {
    for (const counter of all) counter.inc(withConstants({ rule }), 0);
  };
  const retire = (rule: string) => {
    for (const counter of all) counter.remove(withConstants({ rule }));
  };
  for (const rule of RULE_IDS) start(rule);
  let custom = new Set<string>();
  let last: unknown;
  return {
    usePolicy(policy) {
      const rules = policy.customRules ?? [];
      if (rules === last) return;
      last = rules;
      // Ids are checked by the policy (the shape of a rule id, never a built-in one, at most 100).
      const next = new Set(rules.map((rule) => rule.id).filter((id) => !BUILT_IN.has(id)));
      for (const rule of custom) if (!next.has(rule)) retire(rule);
      for (const rule of next) if (!custom.has(rule)) start(rule);
      custom = next;
    },
    label(rule) {
      return BUILT_IN.has(rule) || custom.has(rule) ? rule : OTHER;
    },
    custom() {
      return [...custom];
    },
  };
}
