// src/core/policy/custom-rules.ts
// The shop's own rules: `customRules`, CEL expressions checked and compiled once when the policy is read.

import { z } from 'zod';
import { type CompiledRule, CUSTOM_RULE_LIMITS, compileRule } from '../custom/compile';
import { closest } from '../suggest';
import { RULE_IDS } from '../types';
import { mode, RULE_ID_SHAPE } from './fields';

const BUILT_IN: ReadonlySet<string> = new Set(RULE_IDS);

/** The compiled program of each custom rule the schema accepted, by the rule object the policy holds. */
const compiledRules = new WeakMap<object, CompiledRule>();

/** The compiled form of a rule of a parsed policy (undefined for a rule object the schema did not produce). */
export function compiledRuleOf(rule: object): CompiledRule | undefined {
  return compiledRules.get(rule);
}

/** Remembers the compiled form of a rule object (for rule objects compiled outside the schema). */
export function rememberCompiled(rule: object, compiled: CompiledRule): void {
  compiledRules.set(rule, compiled);
}

/** A custom rule id: the shape of a rule id, and not a built-in one. */
export const customRuleId = z
  .string({ error: 'must be a string' })
  .regex(RULE_ID_SHAPE, {
    error:
      'must be lower case letters, digits and underscores, starting with a letter (at most 64), e.g. "phone_bulk"',
  })
  .refine((id) => !BUILT_IN.has(id), {
    error: (issue) => `"${issue.input as string}" is a built-in rule: a custom rule needs an id of its own`,
  });

/** One custom rule: a CEL expression over the order (or one line) that holds the order when it is true. */
export const customRule = z
  .strictObject({
    id: customRuleId,
    /** `order`: `when` is judged once per order; `line`: once per line, with `line` set. Defaults to order. */
    scope: z.enum(['order', 'line'], { error: 'must be "order" or "line"' }).default('order'),
    /** The CEL expression: the order is held (or, in shadow mode, recorded) when it is true. */
    when: z
      .string({ error: 'must be a CEL expression in a string, e.g. line.quantity > 3' })
      .min(1, { error: 'must not be empty' })
      .max(CUSTOM_RULE_LIMITS.whenLength, {
        error: `must be at most ${CUSTOM_RULE_LIMITS.whenLength} characters`,
      }),
    /** What the reason says; `{order.total}`, `{line.sku}` show values of the context. */
    message: z
      .string({ error: 'must be a string' })
      .min(1, { error: 'must say why the order is held' })
      .max(500, { error: 'must be at most 500 characters' }),
    mode: mode.optional(),
    enabled: z.boolean({ error: 'must be true or false' }).optional(),
    note: z.string().max(500).optional(),
  })
  .transform((rule, context) => {
    let result: ReturnType<typeof compileRule>;
    try {
      result = compileRule(rule);
    } catch (error) {
      context.addIssue({ code: 'custom', path: ['when'], message: (error as Error).message });
      return z.NEVER;
    }
    if (!result.ok) {
      for (const problem of result.problems) {
        context.addIssue({ code: 'custom', path: [problem.field], message: problem.message });
      }
      return z.NEVER;
    }
    compiledRules.set(rule, result.compiled);
    return rule;
  });

/** The list of custom rules, each id once, their cost together bounded. */
export const customRules = z
  .array(customRule)
  .max(CUSTOM_RULE_LIMITS.rules, { error: `must have at most ${CUSTOM_RULE_LIMITS.rules} rules` })
  .superRefine((rules, context) => {
    const seen = new Set<string>();
    let total = 0;
    rules.forEach((rule, index) => {
      if (seen.has(rule.id))
        context.addIssue({ code: 'custom', path: [index, 'id'], message: `duplicate id "${rule.id}"` });
      seen.add(rule.id);
      if (rule.enabled !== false) total += compiledRules.get(rule)?.cost ?? 0;
    });
    if (total > CUSTOM_RULE_LIMITS.policyCost) {
      context.addIssue({
        code: 'custom',
        path: [],
        message: `the enabled rules may take ${total.toLocaleString('en-US')} steps together on the largest order, over the limit of ${CUSTOM_RULE_LIMITS.policyCost.toLocaleString('en-US')}: disable or simplify some`,
      });
    }
  });

/** A custom rule as written in a policy. */
export type CustomRuleInput = z.input<typeof customRule>;
/** A custom rule after validation, with defaults applied. */
export type CustomRule = z.output<typeof customRule>;

/**
 * The problem with a rule name in `exceptions[].rules` (a built-in id or a custom rule of the policy), or
 * undefined when it names one.
 */
export function ruleNameProblem(name: string, customIds: readonly string[]): string | undefined {
  if (BUILT_IN.has(name) || customIds.includes(name)) return undefined;
  const guess = closest(name, [...RULE_IDS, ...customIds]);
  return `is not a rule id${guess ? `; did you mean "${guess}"?` : ''} (built-in: ${RULE_IDS.join(', ')}${customIds.length > 0 ? `; custom: ${customIds.join(', ')}` : ''})`;
}
