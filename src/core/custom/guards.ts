// src/core/custom/guards.ts
// A short cut before the CEL program runs: the simple tests a rule's top-level `&&` starts with, decided in plain
// JavaScript, so a line-scope rule about phones costs nothing on a line that is no phone.

import { type FieldSpec, LINE_FIELDS, ORDER_FIELDS } from './context';
import type { CelNode } from './library';

/**
 * The values a guard reads: `order` and, in line scope, `line` (the context objects the program reads too).
 */
type Scope = Record<string, unknown>;
/** A simple test of one conjunct; it never fails (it reads only fields that are always there). */
type Test = (scope: Scope) => boolean;
type Operand = (scope: Scope) => unknown;

/** What the top-level conjunction of a rule's expression allows deciding before the program runs. */
export interface Guards {
  /** Tests of conjuncts that are simple: when one is false, the whole expression is false. */
  tests: readonly Test[];
  /** True when every conjunct is simple: when all tests pass, the expression is true without the program. */
  complete: boolean;
}

const FIELDS: Record<string, Record<string, FieldSpec>> = { order: ORDER_FIELDS, line: LINE_FIELDS };

/** The fields a test may read: always there, and of a type whose JavaScript comparison is CEL's. */
function fieldOf(node: CelNode): { read: Operand; type: FieldSpec['type'] } | undefined {
  if (node.op !== '.') return undefined;
  const [target, field] = node.args as [CelNode, string];
  if (target.op !== 'id') return undefined;
  const variable = target.args as string;
  const spec = FIELDS[variable]?.[field];
  if (spec === undefined || spec.optional) return undefined;
  return { read: (scope) => (scope[variable] as Record<string, unknown>)[field], type: spec.type };
}

/** A literal int, string or bool (doubles, uints and bytes are left to the program). */
function literalOf(
  node: CelNode,
): { value: bigint | string | boolean; type: 'int' | 'string' | 'bool' } | undefined {
  if (node.op !== 'value') return undefined;
  const value = node.args as unknown;
  if (typeof value === 'bigint') return { value, type: 'int' };
  if (typeof value === 'string') return { value, type: 'string' };
  if (typeof value === 'boolean') return { value, type: 'bool' };
  return undefined;
}

/** An operand: a field, a literal, or `.size()` of a list field. */
function operandOf(node: CelNode): { read: Operand; type: string } | undefined {
  const field = fieldOf(node);
  if (field !== undefined) return field;
  const literal = literalOf(node);
  if (literal !== undefined) return { read: () => literal.value, type: literal.type };
  if (node.op === 'rcall') {
    const [name, target, list] = node.args as [string, CelNode, CelNode[]];
    const of = fieldOf(target);
    if (name === 'size' && list.length === 0 && of !== undefined && of.type.startsWith('list<')) {
      return { read: (scope) => BigInt((of.read(scope) as unknown[]).length), type: 'int' };
    }
  }
  return undefined;
}

const COMPARE: Record<string, (a: bigint, b: bigint) => boolean> = {
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
};

/** The test of one conjunct, when it is simple; undefined otherwise (the program decides it). */
function testOf(node: CelNode): Test | undefined {
  switch (node.op) {
    case '!_': {
      const inner = testOf(node.args as CelNode);
      return inner === undefined ? undefined : (scope) => !inner(scope);
    }
    case '==':
    case '!=': {
      const [left, right] = (node.args as [CelNode, CelNode]).map(operandOf);
      if (left === undefined || right === undefined || left.type !== right.type) return undefined;
      if (!['int', 'string', 'bool'].includes(left.type)) return undefined;
      return node.op === '=='
        ? (scope) => left.read(scope) === right.read(scope)
        : (scope) => left.read(scope) !== right.read(scope);
    }
    case '<':
    case '<=':
    case '>':
    case '>=': {
      const [left, right] = (node.args as [CelNode, CelNode]).map(operandOf);
      if (left?.type !== 'int' || right?.type !== 'int') return undefined;
      const compare = COMPARE[node.op]!;
      return (scope) => compare(left.read(scope) as bigint, right.read(scope) as bigint);
    }
    case 'in': {
      const [needle, haystack] = node.args as [CelNode, CelNode];
      const item = operandOf(needle);
      if (item === undefined || (item.type !== 'string' && item.type !== 'int')) return undefined;
      const list = fieldOf(haystack);
      if (list !== undefined && list.type === `list<${item.type}>`) {
        return (scope) => (list.read(scope) as unknown[]).includes(item.read(scope));
      }
      if (haystack.op === 'list') {
        const values = (haystack.args as CelNode[]).map(literalOf);
        if (values.some((value) => value?.type !== item.type)) return undefined;
        const set = new Set(values.map((value) => value!.value));
        return (scope) => set.has(item.read(scope) as bigint | string);
      }
      return undefined;
    }
    case 'rcall': {
      const [name, target, list] = node.args as [string, CelNode, CelNode[]];
      if (name !== 'startsWith' && name !== 'endsWith' && name !== 'contains') return undefined;
      const text = fieldOf(target);
      const part = list.length === 1 ? literalOf(list[0]!) : undefined;
      if (text?.type !== 'string' || part?.type !== 'string') return undefined;
      const value = part.value as string;
      if (name === 'startsWith') return (scope) => (text.read(scope) as string).startsWith(value);
      if (name === 'endsWith') return (scope) => (text.read(scope) as string).endsWith(value);
      return (scope) => (text.read(scope) as string).includes(value);
    }
    default:
      return undefined;
  }
}

/** The conjuncts of a top-level `&&` chain, left to right. */
function conjuncts(node: CelNode): CelNode[] {
  if (node.op !== '&&') return [node];
  const [left, right] = node.args as [CelNode, CelNode];
  return [...conjuncts(left), ...conjuncts(right)];
}

/**
 * The guards of a checked expression. CEL's `&&` is false when any side is false, whatever the others give (an
 * error included), so a false simple conjunct decides the rule exactly as the program would; a test reads only
 * fields that are always there and compares as the library does (ints as BigInt, strings as JavaScript strings).
 */
export function guardsOf(ast: CelNode): Guards {
  const tests: Test[] = [];
  let complete = true;
  for (const conjunct of conjuncts(ast)) {
    const test = testOf(conjunct);
    if (test === undefined) complete = false;
    else tests.push(test);
  }
  return { tests, complete: complete && tests.length > 0 };
}
