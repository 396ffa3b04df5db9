// src/service/admin-rules.ts
// The admin API's custom rules: add or change one at run time, checked exactly as the policy's own, and audited.

import type { Response, Router } from 'express';
import type { CustomRule } from '../core/policy';
import { compiledRuleOf, customRuleId } from '../core/policy/custom-rules';
import { asyncRoute } from '../express/async-route';
import { type OverlayStore, validateRule } from '../state/overlay';
import { validOr400 } from './admin-values';

/** Longest audit note of a rule change: the expression is cut there (the log has it whole). */
const NOTE_LENGTH = 500;

/** What the rule routes need from the admin router. */
export interface RuleDeps {
  overlay: OverlayStore;
  /** The custom rules in force (file and runtime). */
  rules(): readonly CustomRule[];
  /** The runtime rules of the overlay in force, by id. */
  runtime(): Record<string, CustomRule>;
  /** Audits, logs and applies a change (the admin router's `record`, with the rule's id). */
  record(res: Response, action: 'rule_set' | 'rule_removed', id: string, note: string): Promise<void>;
}

/** One line for the audit trail: what the rule does now. */
function describeRule(rule: CustomRule, before: CustomRule | undefined): string {
  const state = rule.enabled === false ? 'disabled' : (rule.mode ?? 'policy mode');
  const flat = (when: string) => when.replace(/\s+/g, ' ');
  const was = before === undefined || before.when === rule.when ? '' : ` (was: ${flat(before.when)})`;
  const text = `${before === undefined ? 'added' : 'changed'} (${rule.scope}, ${state}): ${flat(rule.when)}${was}`;
  return text.length > NOTE_LENGTH ? `${text.slice(0, NOTE_LENGTH - 1)}…` : text;
}

/**
 * Adds `PUT /rules/:id` (add a custom rule, or change one, the policy file's included: the runtime rule replaces
 * it) and `DELETE /rules/:id` (remove a runtime rule; a file rule of that id is in force again). A rule is refused
 * with the same problems, paths and positions as in a policy file.
 */
export function ruleRoutes(router: Router, deps: RuleDeps): void {
  router.put(
    '/rules/:id',
    asyncRoute(async function setRule(req, res) {
      const id = String(req.params.id);
      const rule = validOr400(res, () => validateRule(id, req.body, deps.rules()));
      if (rule === undefined) return;
      const before = deps.rules().find((existing) => existing.id === id);
      const replaced = before === undefined ? null : Object.hasOwn(deps.runtime(), id) ? 'runtime' : 'file';
      await deps.overlay.setRule(rule);
      await deps.record(res, 'rule_set', id, describeRule(rule, before));
      res.json({ rule, replaced, cost: compiledRuleOf(rule)?.cost });
    }),
  );

  router.delete(
    '/rules/:id',
    asyncRoute(async function removeRule(req, res) {
      const id = String(req.params.id);
      const shape = customRuleId.safeParse(id);
      if (!shape.success) {
        res.status(400).json({
          error: 'invalid_value',
          message: `invalid rule id: ${shape.error.issues[0]?.message}`,
          problems: [{ path: 'id', message: shape.error.issues[0]?.message ?? 'is not a rule id' }],
        });
        return;
      }
      if (!(await deps.overlay.deleteRule(id))) {
        res.status(404).json({
          error: 'not_found',
          message: `no runtime rule "${id}" (a rule of the policy file is changed with PUT, or switched off with "enabled": false)`,
        });
        return;
      }
      await deps.record(res, 'rule_removed', id, 'removed');
      res.status(204).end();
    }),
  );
}
