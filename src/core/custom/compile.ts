// src/core/custom/compile.ts
// Compiles a custom rule once: parse and type-check its CEL expression, bound its cost, check its message.

import { canonicalIdentifier, type IdentifierKind } from '../identifiers';
import { closest } from '../suggest';
import {
  CelLine,
  CelOrder,
  CelVoucher,
  FIELDS_BY_TYPE,
  type FieldSpec,
  LINE_FIELDS,
  ORDER_FIELDS,
  VARIABLES,
  VOUCHER_FIELDS,
} from './context';
import { ESTIMATE_LIMITS, estimateCost } from './cost';
import { type Guards, guardsOf } from './guards';
import { type CelEnvironment, type CelNode, type CelProgram, celLibrary } from './library';
import { compileMessage, type MessageTemplate } from './message';

/** Where a custom rule runs: once per order, or once per line. */
export type CustomScope = 'order' | 'line';

/** The bounds a custom rule is held to when the policy is read. */
export const CUSTOM_RULE_LIMITS = Object.freeze({
  /** Most custom rules in one policy. */
  rules: 100,
  /** Longest `when`, in characters. */
  whenLength: 4000,
  /** Most nodes in one parsed expression. */
  nodes: 1000,
  /** Deepest nesting of one expression. */
  depth: 32,
  /** Most steps one rule may take on the largest order the guard accepts by default (see cost.ts). */
  cost: 100_000,
  /** Most steps all the custom rules of a policy may take together on that order. */
  policyCost: 1_000_000,
});

/** A custom rule ready to run: its program, checked once, and its message template. */
export interface CompiledRule {
  scope: CustomScope;
  program: CelProgram;
  template: MessageTemplate;
  /** Estimated worst-case steps on the largest order (see cost.ts). */
  cost: number;
  /** The conjuncts decided in plain JavaScript, before or instead of the program (see guards.ts). */
  guards: Guards;
}

/** What is wrong with a rule: the field (`when` or `message`) and the problem, with its position. */
export interface CompileProblem {
  field: 'when' | 'message';
  message: string;
}

const environments = new Map<CustomScope, CelEnvironment>();

const fieldTypes = (fields: Record<string, FieldSpec>) =>
  Object.fromEntries(Object.entries(fields).map(([name, spec]) => [name, spec.type]));

/** The CEL environment of a scope: the context's types and the variables the scope has. Built once. */
function environmentOf(scope: CustomScope): CelEnvironment {
  let environment = environments.get(scope);
  if (environment === undefined) {
    const { Environment } = celLibrary();
    environment = new Environment({
      limits: {
        maxAstNodes: CUSTOM_RULE_LIMITS.nodes,
        maxDepth: CUSTOM_RULE_LIMITS.depth,
        maxListElements: 1000,
        maxMapEntries: 100,
        maxCallArguments: 8,
      },
    })
      .registerType('Voucher', { ctor: CelVoucher, fields: fieldTypes(VOUCHER_FIELDS) })
      .registerType('Line', { ctor: CelLine, fields: fieldTypes(LINE_FIELDS) })
      .registerType('Order', { ctor: CelOrder, fields: fieldTypes(ORDER_FIELDS) })
      .registerVariable('order', VARIABLES.order)
      .registerVariable('now', VARIABLES.now);
    if (scope === 'line') environment.registerVariable('line', VARIABLES.line);
    environments.set(scope, environment);
  }
  return environment;
}

/** "at column 15", or "at line 2, column 3" in an expression of several lines. */
export function position(text: string, offset: number): string {
  const before = text.slice(0, Math.max(0, offset));
  const line = before.split('\n').length;
  const column = offset - (before.lastIndexOf('\n') + 1) + 1;
  return text.includes('\n') ? `at line ${line}, column ${column}` : `at column ${column}`;
}

/** The hint for a fraction where CEL has exact integers. */
const FRACTION_HINT =
  'amounts and counts are exact integers: compare products instead of fractions, e.g. line.paid * 100 < line.declaredPrice * 30';

/** The library's error, reworded where a shop needs a better hint. */
function explain(
  error: { code?: string; summary?: string; message: string; node?: unknown },
  scope: CustomScope,
) {
  const summary = error.summary ?? error.message;
  const node = error.node as CelNode | undefined;
  if (error.code === 'no_such_key' && node?.op === '.') {
    const [target, field] = node.args as [CelNode, string];
    const type = (target as { checkedType?: { name?: string } }).checkedType?.name ?? '';
    const fields = FIELDS_BY_TYPE[type];
    if (fields !== undefined) {
      const guess = closest(field, Object.keys(fields));
      const owner = type === 'Voucher' ? 'a voucher' : type.toLowerCase();
      return `${owner} has no field "${field}"${guess ? ` (did you mean "${guess}"?)` : ` (it has ${Object.keys(fields).join(', ')})`}`;
    }
  }
  const unknown = /^Unknown variable: (.+)$/.exec(summary)?.[1];
  if (unknown !== undefined) {
    if (unknown === 'line') return '"line" is only known to a rule with scope: line';
    const names = scope === 'line' ? ['order', 'line', 'now'] : ['order', 'now'];
    const guess = closest(unknown, names);
    return `unknown name "${unknown}": a rule reads ${names.join(', ')}${guess ? ` (did you mean "${guess}"?)` : ''}`;
  }
  const notes = operands(error) ?? [];
  if (/\bdouble\b/.test(summary) && /\bint\b/.test(summary)) notes.push(FRACTION_HINT);
  return notes.length === 0 ? summary : `${summary} (${notes.join('; ')})`;
}

/** The two operands of the binary operator a "no such overload" is about, or undefined for any other error. */
function binaryOperands(error: { code?: string; node?: unknown }): [CelNode, CelNode] | undefined {
  const node = error.node as CelNode | undefined;
  if (error.code !== 'no_such_overload' || node === undefined || !Array.isArray(node.args)) return undefined;
  const args = node.args as unknown[];
  const isNode = (arg: unknown): arg is CelNode =>
    typeof arg === 'object' && arg !== null && 'op' in arg && 'checkedType' in arg;
  const [left, right] = args;
  return args.length === 2 && isNode(left) && isNode(right) ? [left, right] : undefined;
}

/** A value written in the expression: `"5"`, `0.3`, `-1`, `["COD"]`. */
function isLiteral(node: CelNode): boolean {
  if (node.op === 'value') return true;
  if (node.op === '-_') return isLiteral(node.args as CelNode);
  if (node.op === 'list') return (node.args as CelNode[]).every(isLiteral);
  return false;
}

/** The operand a type error blames: the one literal when the other side is not one (its type is the context's). */
function oddOperand([left, right]: [CelNode, CelNode]): CelNode | undefined {
  if (isLiteral(left) === isLiteral(right)) return undefined;
  return isLiteral(left) ? left : right;
}

/** "an int", "a string", "a list<string>". */
function typeName(node: CelNode): string {
  const name = (node as { checkedType?: { name?: string } }).checkedType?.name ?? 'unknown';
  return `${/^[aeioAEIO]/.test(name) ? 'an' : 'a'} ${name}`;
}

/**
 * What each operand of a "no such overload" is: `order.total is an int`, `"5" is a string`; a long operand is
 * "the left side", and `null` goes without saying.
 */
function operands(error: { code?: string; node?: unknown }): string[] | undefined {
  const pair = binaryOperands(error);
  if (pair === undefined) return undefined;
  return pair.flatMap((node, index) => {
    const source = sourceOf(node);
    if (source === 'null') return [];
    const named =
      source.length <= 40 && !source.includes('\n') ? source : `the ${index === 0 ? 'left' : 'right'} side`;
    return [`${named} is ${typeName(node)}`];
  });
}

/**
 * Where a type error is: for a binary operator no overload takes, the literal whose type does not fit the other
 * side, or else the operator itself (the library points at the start of the left operand).
 */
function blamed(error: { code?: string; node?: unknown }, fallback: number): number {
  const pair = binaryOperands(error);
  if (pair === undefined) return fallback;
  const odd = oddOperand(pair);
  if (odd !== undefined) return odd.range.start;
  const [left, right] = pair;
  // Between the operands there is only the operator, spaces, parentheses and comments.
  const gap = left.input
    .slice(left.range.end, right.range.start)
    .replace(/\/\/[^\n]*/g, (comment) => ' '.repeat(comment.length));
  const at = gap.indexOf((error.node as CelNode).op);
  return at < 0 ? fallback : left.range.end + at;
}

/** Fields whose values are in a canonical, upper-case form, and the kind of identifier each is. */
const CANONICAL_FIELDS: Record<string, IdentifierKind> = {
  sku: 'name',
  category: 'name',
  paymentMethod: 'name',
  currency: 'name',
  code: 'code',
  campaign: 'opaque',
};
/** Lists of canonical values: a literal tested with `in` must be canonical too. */
const CANONICAL_LISTS: Record<string, IdentifierKind> = { codes: 'code', segments: 'name' };

/** The kind of a node that reads a canonical field (`line.sku`), or undefined. */
function canonicalField(node: CelNode, fields: Record<string, IdentifierKind>): IdentifierKind | undefined {
  if (node.op !== '.') return undefined;
  const [target, field] = node.args as [CelNode, string];
  const type = (target as { checkedType?: { name?: string } }).checkedType?.name;
  return type !== undefined && FIELDS_BY_TYPE[type] !== undefined ? fields[field] : undefined;
}

const literal = (node: CelNode): string | undefined =>
  node.op === 'value' && typeof node.args === 'string' ? node.args : undefined;

/** The text of the expression a node was parsed from (`line.category`). */
const sourceOf = (node: CelNode) => node.input.slice(node.range.start, node.range.end);

/** A literal that can never equal a canonical value of `kind`, with the spelling that could. */
function notCanonical(value: string, kind: IdentifierKind): string | undefined {
  if (kind === 'opaque') return undefined;
  const canonical = canonicalIdentifier(value, kind);
  return canonical === value ? undefined : canonical;
}

/**
 * Problems a type checker cannot see: a comparison that can never be true because identifiers are upper case
 * (`line.category == "electronics"`), and `matches()`, whose JavaScript regular expressions can take exponential
 * time on crafted input.
 */
function lint(ast: CelNode, text: string): string | undefined {
  let found: string | undefined;
  const visit = (node: CelNode) => {
    if (found !== undefined || node === null || typeof node !== 'object' || !('op' in node)) return;
    const args = node.args as unknown;
    const at = (where: CelNode) => position(text, where.range.start);
    const compare = (field: CelNode, value: CelNode, kind: IdentifierKind | undefined) => {
      const raw = literal(value);
      if (kind === undefined || raw === undefined) return;
      const fixed = notCanonical(raw, kind);
      if (fixed !== undefined) {
        found = `"${raw}" never equals ${sourceOf(field)}, which is ${kind === 'code' ? 'upper case without spaces' : 'upper case'}: write "${fixed}" ${at(value)}`;
      }
    };
    if (node.op === '==' || node.op === '!=') {
      const [left, right] = args as [CelNode, CelNode];
      compare(left, right, canonicalField(left, CANONICAL_FIELDS));
      compare(right, left, canonicalField(right, CANONICAL_FIELDS));
    } else if (node.op === 'in') {
      const [left, right] = args as [CelNode, CelNode];
      compare(right, left, canonicalField(right, CANONICAL_LISTS));
      const kind = canonicalField(left, CANONICAL_FIELDS);
      if (right.op === 'list') for (const item of right.args as CelNode[]) compare(left, item, kind);
    } else if (node.op === 'rcall' || node.op === 'call') {
      const name = (args as [string])[0];
      if (name === 'matches') {
        found = `matches() is not available: a regular expression can take exponential time on a crafted value; use startsWith(), endsWith(), contains() or "in" a list ${at(node)}`;
        return;
      }
      if (node.op === 'rcall' && ['startsWith', 'endsWith', 'contains'].includes(name)) {
        const [, target, list] = args as [string, CelNode, CelNode[]];
        const kind = canonicalField(target, CANONICAL_FIELDS);
        const raw = list[0] === undefined ? undefined : literal(list[0]);
        if (kind !== undefined && kind !== 'opaque' && raw !== undefined) {
          const fixed = raw.normalize('NFKC').toUpperCase();
          const spaced = kind === 'code' && /\s/u.test(raw);
          if (fixed !== raw || spaced) {
            found = `"${raw}" never matches ${sourceOf(target)}, which is upper case${kind === 'code' ? ' without spaces' : ''}: write "${kind === 'code' ? fixed.replace(/\s+/gu, '') : fixed}" ${at(list[0]!)}`;
          }
        }
      }
    }
    for (const child of Array.isArray(args) ? args.flat() : [args]) visit(child as CelNode);
  };
  visit(ast);
  return found;
}

/**
 * Compiles one rule: `when` parsed, type-checked against the scope's context, linted and its cost bounded;
 * `message` checked. Returns the compiled rule, or the problems with their positions in the text.
 */
export function compileRule(rule: {
  scope: CustomScope;
  when: string;
  message: string;
}): { ok: true; compiled: CompiledRule } | { ok: false; problems: CompileProblem[] } {
  const problems: CompileProblem[] = [];
  const message = compileMessage(rule.message, rule.scope);
  if (!message.ok) problems.push({ field: 'message', message: message.message });
  const when = compileWhen(rule.when, rule.scope);
  if (!when.ok) problems.push({ field: 'when', message: when.message });
  if (!message.ok || !when.ok) return { ok: false, problems };
  return {
    ok: true,
    compiled: {
      scope: rule.scope,
      program: when.program,
      cost: when.cost,
      template: message.template,
      guards: guardsOf(when.program.ast),
    },
  };
}

function compileWhen(
  text: string,
  scope: CustomScope,
): { ok: true; program: CelProgram; cost: number } | { ok: false; message: string } {
  const environment = environmentOf(scope);
  let program: CelProgram;
  try {
    program = environment.parse(text);
  } catch (error) {
    return { ok: false, message: located(error, text, scope) };
  }
  const checked = program.check();
  if (!checked.valid) return { ok: false, message: located(checked.error, text, scope) };
  if (checked.type !== 'bool' && checked.type !== 'dyn') {
    return { ok: false, message: `must be true or false, but gives ${checked.type} ${position(text, 0)}` };
  }
  const problem = lint(program.ast, text);
  if (problem !== undefined) return { ok: false, message: problem };
  const cost = estimateCost(program.ast, scope);
  if (cost > CUSTOM_RULE_LIMITS.cost) {
    return {
      ok: false,
      message: `may take ${cost.toLocaleString('en-US')} steps on an order of ${ESTIMATE_LIMITS.lines} lines, over the limit of ${CUSTOM_RULE_LIMITS.cost.toLocaleString('en-US')} (a loop over order.lines inside another loop, or in a rule with scope: line, costs lines × lines: test the line itself instead) ${position(text, 0)}`,
    };
  }
  return { ok: true, program, cost };
}

/** The library's error as "what is wrong at column N" (syntax and type errors carry the range they are about). */
function located(error: unknown, text: string, scope: CustomScope): string {
  if (!(error instanceof Error)) return String(error);
  const celError = error as Error & {
    code?: string;
    summary?: string;
    node?: unknown;
    range?: { start: number };
  };
  const words = explain(celError, scope);
  return celError.range === undefined
    ? words
    : `${words} ${position(text, blamed(celError, celError.range.start))}`;
}
