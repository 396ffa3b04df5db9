// src/core/custom/cost.ts
// The worst-case cost of a custom rule, estimated from its checked expression before it ever runs.

import { IDENTIFIER_LIMITS } from '../identifiers';
import { DEFAULT_ORDER_LIMITS } from '../order';
import type { CelNode } from './library';

/**
 * The unit of cost is one step of the evaluator (one node of the expression evaluated once), about 20 to 50 ns.
 * Work proportional to the length of a string costs 1/16 of a step per character; each element of a list that
 * an operation walks costs a step.
 */
const PER_CHARACTER = 1 / 16;
/**
 * Calls that convert a time to a time zone (`now.getHours("Asia/Jakarta")`) format a date through Intl on every
 * call, a few hundred steps' worth.
 */
const TIME_ZONE_CALL = 400;

/** The largest order the estimate is for: the order limits' defaults. */
export const ESTIMATE_LIMITS = Object.freeze({
  lines: DEFAULT_ORDER_LIMITS.maxLines,
  vouchers: DEFAULT_ORDER_LIMITS.maxVouchers,
  segments: 32,
});

/** What is known of a value in the worst case: its elements (1 unless a list or map) and its total size. */
interface Size {
  /** Elements of a list or map; 1 for anything else. */
  count: number;
  /** Elements and characters in all (a string's length; a list of strings counts both). */
  footprint: number;
}

interface Estimate extends Size {
  /** Steps to evaluate the node, in the worst case. */
  cost: number;
}

const SCALAR: Size = { count: 1, footprint: 1 };
const text = (length: number): Size => ({ count: 1, footprint: length });
const listOf = (count: number, each: number): Size => ({ count, footprint: count * (each + 1) });

/** Worst-case sizes of the context's fields that are lists or strings, by field name. */
const FIELD_SIZES: Record<string, Size> = Object.assign(Object.create(null), {
  lines: listOf(ESTIMATE_LIMITS.lines, 1),
  vouchers: listOf(ESTIMATE_LIMITS.vouchers, 1),
  codes: listOf(ESTIMATE_LIMITS.vouchers, IDENTIFIER_LIMITS.code),
  segments: listOf(ESTIMATE_LIMITS.segments, IDENTIFIER_LIMITS.segment),
  orderId: text(IDENTIFIER_LIMITS.orderId),
  customerId: text(IDENTIFIER_LIMITS.customerId),
  paymentMethod: text(IDENTIFIER_LIMITS.paymentMethod),
  currency: text(3),
  sku: text(IDENTIFIER_LIMITS.sku),
  category: text(IDENTIFIER_LIMITS.category),
  code: text(IDENTIFIER_LIMITS.code),
  campaign: text(128),
});

const MACROS = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);

type Kind = 'string' | 'list' | 'other';

function kindOf(node: CelNode): Kind {
  const type = (node as { checkedType?: { kind?: string; name?: string } }).checkedType;
  if (type?.kind === 'list' || type?.kind === 'map') return 'list';
  if (type?.name === 'string' || type?.name === 'bytes') return 'string';
  return 'other';
}

/** The work an operation does walking its operands: elements of lists, characters of strings. */
function walked(node: CelNode, size: Size): number {
  const kind = kindOf(node);
  if (kind === 'list') return size.count;
  if (kind === 'string') return size.footprint * PER_CHARACTER;
  return 0;
}

/** The size of a value built from `parts` (a concatenation, a conversion, a method's result). */
function combined(node: CelNode, parts: readonly Size[]): Size {
  const kind = kindOf(node);
  if (kind === 'other') return SCALAR;
  let count = 0;
  let footprint = 0;
  for (const part of parts) {
    count += part.count;
    footprint += part.footprint;
  }
  return kind === 'list' ? { count, footprint } : text(Math.max(footprint, 32));
}

type Scope = ReadonlyMap<string, Size>;

function estimate(node: CelNode, scope: Scope): Estimate {
  const args = node.args as unknown;
  switch (node.op) {
    case 'value':
      return { cost: 1, ...(typeof args === 'string' ? text(args.length) : SCALAR) };
    case 'id':
      return { cost: 1, ...(scope.get(args as string) ?? SCALAR) };
    case '.':
    case '.?': {
      const [target, field] = args as [CelNode, string];
      const inner = estimate(target, scope);
      const size = FIELD_SIZES[field] ?? (kindOf(node) === 'other' ? SCALAR : inner);
      return { cost: inner.cost + 1, ...size };
    }
    case '[]':
    case '[?]': {
      const [target, key] = args as [CelNode, CelNode];
      const a = estimate(target, scope);
      const b = estimate(key, scope);
      const size = kindOf(node) === 'other' ? SCALAR : { count: a.count, footprint: a.footprint };
      return { cost: a.cost + b.cost + 1, ...size };
    }
    case 'list':
    case 'map': {
      const items = (node.op === 'list' ? (args as CelNode[]) : (args as [CelNode, CelNode][]).flat()).map(
        (item) => estimate(item, scope),
      );
      const count = node.op === 'list' ? items.length : items.length / 2;
      let cost = count + 1;
      let footprint = count;
      for (const item of items) {
        cost += item.cost;
        footprint += item.footprint;
      }
      return { cost, count, footprint };
    }
    case '?:': {
      const [condition, yes, no] = (args as CelNode[]).map((item) => estimate(item, scope)) as [
        Estimate,
        Estimate,
        Estimate,
      ];
      return {
        cost: condition.cost + yes.cost + no.cost + 1,
        count: Math.max(yes.count, no.count),
        footprint: Math.max(yes.footprint, no.footprint),
      };
    }
    case '!_':
    case '-_': {
      const inner = estimate(args as CelNode, scope);
      return { cost: inner.cost + 1, ...SCALAR };
    }
    case 'call':
      return call(node, scope);
    case 'rcall':
      return receiverCall(node, scope);
    default: {
      // Binary operators (and any operator the library adds): both sides, plus what the operator walks.
      const [left, right] = args as [CelNode, CelNode];
      const a = estimate(left, scope);
      const b = estimate(right, scope);
      let cost = a.cost + b.cost + 1;
      if (node.op === '+') {
        const size = combined(node, [a, b]);
        return { cost: cost + walked(node, size), ...size };
      }
      if (node.op === 'in') cost += walked(right, b);
      else if (node.op === '==' || node.op === '!=' || node.op.startsWith('<') || node.op.startsWith('>')) {
        cost += Math.min(walked(left, a), walked(right, b));
      }
      return { cost, ...SCALAR };
    }
  }
}

function call(node: CelNode, scope: Scope): Estimate {
  const [name, list] = node.args as [string, CelNode[]];
  const items = list.map((item) => estimate(item, scope));
  let cost = 1;
  for (const [index, item] of items.entries()) {
    cost += item.cost;
    if (name !== 'has' && name !== 'size') cost += walked(list[index]!, item);
  }
  return { cost, ...combined(node, items) };
}

function receiverCall(node: CelNode, scope: Scope): Estimate {
  const [name, target, list] = node.args as [string, CelNode, CelNode[]];
  const variable = list[0];
  if (name === 'bind' && target.op === 'id' && target.args === 'cel' && variable?.op === 'id') {
    const value = estimate(list[1]!, scope);
    const inner = new Map(scope).set(variable.args as string, {
      count: value.count,
      footprint: value.footprint,
    });
    const body = estimate(list[2]!, inner);
    return { cost: value.cost + body.cost + 1, count: body.count, footprint: body.footprint };
  }
  const receiver = estimate(target, scope);
  if (MACROS.has(name) && variable?.op === 'id' && kindOf(target) === 'list') {
    const rounds = receiver.count;
    const each = Math.ceil(receiver.footprint / Math.max(1, rounds));
    const element = { count: each, footprint: each };
    const inner = new Map(scope).set(variable.args as string, element);
    const bodies = list.slice(1).map((body) => estimate(body, inner));
    const body = bodies.reduce((sum, item) => sum + item.cost, 1);
    const cost = receiver.cost + 1 + rounds * body;
    if (name === 'filter') return { cost, count: rounds, footprint: receiver.footprint };
    if (name === 'map') {
      const made = bodies[bodies.length - 1]!;
      return { cost, count: rounds, footprint: rounds * (made.footprint + 1) };
    }
    return { cost, ...SCALAR };
  }
  const items = list.map((item) => estimate(item, scope));
  let cost = receiver.cost + 1 + walked(target, receiver);
  for (const [index, item] of items.entries()) cost += item.cost + walked(list[index]!, item);
  const type = (target as { checkedType?: { name?: string } }).checkedType?.name;
  if (type === 'google.protobuf.Timestamp' && list.length > 0) cost += TIME_ZONE_CALL;
  const size = combined(node, [receiver, ...items]);
  return { cost: cost + walked(node, size), ...size };
}

/**
 * The worst-case steps of one rule on the largest order (the order limits' defaults): a line-scope rule runs
 * once per line. `ast` must have been type-checked (the estimate reads the types the checker set).
 */
export function estimateCost(ast: CelNode, scope: 'order' | 'line'): number {
  const once = estimate(ast, new Map()).cost;
  return Math.ceil(scope === 'line' ? once * ESTIMATE_LIMITS.lines : once);
}
