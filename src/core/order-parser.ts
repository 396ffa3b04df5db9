// src/core/order-parser.ts
// OrderParser: the hand-written fast path for valid orders, and the zod schema naming every problem of the rest.

import { buildSchemas, DEFAULT_ORDER_LIMITS, type Order, type OrderLimits } from './order';
import { fastParseOrder } from './order-fast';
import { type Problem, toProblems } from './problems';

/** The result of parsing: the order, or every problem found. */
export type ParseResult = { ok: true; order: Order } | { ok: false; problems: Problem[] };

/** Sums that must stay exact: a line's list value and the order's totals. */
function overflowProblems(order: Order): Problem[] {
  const problems: Problem[] = [];
  let sum = 0;
  order.lines.forEach((line, index) => {
    const value = line.unitPrice * line.quantity;
    if (!Number.isSafeInteger(value)) {
      problems.push({ path: `lines[${index}]`, message: 'unitPrice × quantity is too large to be exact' });
    }
    sum += value;
  });
  for (const voucher of order.vouchers) sum += voucher.discount;
  sum += order.shipping + order.tax + order.total;
  if (problems.length === 0 && !Number.isSafeInteger(sum)) {
    problems.push({ path: '', message: 'the order amounts add up to more than can be represented exactly' });
  }
  return problems;
}

/**
 * Parses and validates orders against one set of limits; build one at start-up and reuse it. A hand-written fast
 * path accepts a valid order without zod (it is the hot path of every checkout); anything it does not accept goes
 * through the zod schema, which names every problem. A property test holds the two to the same answers.
 */
export class OrderParser {
  private readonly schema: ReturnType<typeof buildSchemas>['order'];

  constructor(readonly limits: OrderLimits = DEFAULT_ORDER_LIMITS) {
    this.schema = buildSchemas(limits).order;
  }

  /** Validates `input`; never throws. */
  parse(input: unknown): ParseResult {
    const fast = fastParseOrder(input, this.limits);
    if (fast !== undefined) return { ok: true, order: fast };
    return this.parseWithSchema(input);
  }

  /** The zod path alone: precise problems for a bad order. Exposed for the property test of the fast path. */
  parseWithSchema(input: unknown): ParseResult {
    if (input === null || typeof input !== 'object' || Array.isArray(input)) {
      return { ok: false, problems: [{ path: '', message: 'the order must be a JSON object' }] };
    }
    const result = this.schema.safeParse(input);
    if (!result.success) {
      const options = { schema: this.schema, unknownKey: 'is not a known field (strict mode)' };
      return { ok: false, problems: toProblems(result.error.issues, options) };
    }
    const problems = overflowProblems(result.data);
    if (problems.length > 0) return { ok: false, problems };
    return { ok: true, order: result.data };
  }
}
