// src/core/types.ts
// Public types shared by the core, the stores, the middleware and the service: rule ids, reasons, decisions.

/** Every rule the guard runs, by stable id: used in config, decisions, metrics and dashboards. */
export const RULE_IDS = [
  'zero_total',
  'near_zero_total',
  'total_mismatch',
  'below_floor',
  'discount_cap',
  'reference_price',
  'below_recent_price',
  'above_recent_price',
  'voucher_velocity',
  'voucher_budget',
  'voucher_ineligible',
  'voucher_terms',
  'voucher_window',
  'voucher_stacking',
] as const;

/** The stable id of one built-in rule. */
export type RuleId = (typeof RULE_IDS)[number];

/**
 * The id a decision names a rule by: a built-in rule's (`RuleId`) or one of the policy's custom rules'
 * (`customRules[].id`, which can never be a built-in id).
 */
export type RuleName = RuleId | (string & Record<never, never>);

/** `enforce` holds suspicious orders; `shadow` only records what it would have done. */
export type Mode = 'enforce' | 'shadow';

/** What the guard decided for an order. */
export type Verdict = 'allow' | 'hold';

/** Why a rule fired, in numbers a person on call can check without reading code. */
export interface Reason {
  /** The rule that fired: a built-in id, or a custom rule's id. */
  rule: RuleName;
  /** One sentence for people, with the numbers in it. */
  message: string;
  /** Index of the order line the reason is about, when it is about one line. */
  line?: number;
  /** The SKU of that line. */
  sku?: string;
  /** The voucher code the reason is about. */
  voucher?: string;
  /** The value the rule saw (minor units, basis points or a count: see `unit`). */
  observed?: number;
  /** The limit it was compared with, in the same unit. */
  limit?: number;
  /** Unit of `observed` and `limit`. */
  unit?: 'minor' | 'bp' | 'count';
  /** Rule mode: a reason from a rule in shadow mode is recorded but does not hold the order. */
  mode: Mode;
}

/** A rule that could not judge the order, and why (e.g. too little history, the store unavailable). */
export interface Abstention {
  rule: RuleName;
  message: string;
  /** Index of the order line the abstention is about, when it is about one line. */
  line?: number;
  sku?: string;
  voucher?: string;
}

/** A configured exception that let an order through some rules, and the reasons it set aside. */
export interface AppliedException {
  id: string;
  note: string;
  suppressed: Reason[];
}

/** The guard's decision for one order. */
export interface Decision {
  /** `hold` when an enforcing rule fired and no exception covered it; always `allow` in shadow mode. */
  decision: Verdict;
  /** What the guard would have decided with every rule enforcing (differs from `decision` in shadow mode). */
  wouldDecide: Verdict;
  orderId: string;
  mode: Mode;
  /** Every rule that fired, enforcing or not. */
  reasons: Reason[];
  /** Rules that could not judge the order. */
  abstentions: Abstention[];
  /** Exceptions that applied. */
  exceptions: AppliedException[];
  /** Epoch milliseconds of the evaluation. */
  evaluatedAt: number;
  /** The review-queue id of a held order (set once it is stored). */
  reviewId?: string;
  /**
   * Set when the order id was decided before with the same content: this is the first decision, returned again
   * (a retry), not a new one. The reasons of an allowed retry are with the first answer.
   */
  repeatOf?: { decidedAt: number };
}
