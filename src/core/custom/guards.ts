// src/core/custom/guards.ts
// The short cut before the CEL program runs: each conjunct of a rule's top-level `&&`, compiled once to plain
// JavaScript over the context's raw values; what it cannot decide (an error in CEL) is left to the program.

import { type RawValue, READERS_BY_TYPE } from './context';
import type { CelNode } from './library';

/** The values a test reads: `order` and, in line scope, `line` (the context objects the program reads too). */
interface Scope {
  readonly order: unknown;
  readonly line?: unknown;
}
/**
 * A test of one conjunct: `true` or `false` exactly as the program would give it; anything else, or a throw, where
 * the program would fail (an unknown fact, an overflow, a division by zero): then the program runs and says why.
 */
export type Test = (scope: Scope) => unknown;

/** What the top-level conjunction of a rule's expression allows deciding before (or instead of) the program. */
export interface Guards {
  /**
   * Tests of the compiled conjuncts that never read `line`: in line scope they are judged once per order, and when
   * one is false the rule is false on every line.
   */
  orderTests: readonly Test[];
  /** Tests of the other compiled conjuncts: when one is false, the whole expression is false. */
  tests: readonly Test[];
  /** True when every conjunct is compiled: when every test is true, the expression is true without the program. */
  complete: boolean;
}

/** Where CEL would give an error: the short cut does not decide, the program does. */
const UNDECIDED: unique symbol = Symbol('undecided');
type Undecided = typeof UNDECIDED;

/**
 * An int as the short cut holds it: a number while it is a safe integer, a BigInt beyond. Every int is in this
 * form, so `===` compares ints exactly, and `<` compares a number with a BigInt exactly.
 */
type Int = number | bigint;
/** A value while an expression is evaluated: an int, a string, a bool, a list or an object of the context. */
type Value = unknown;
type Closure = (scope: Scope) => Value | Undecided;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = -MAX_SAFE;
/** CEL's int is 64 bits: the library fails on a sum, difference or product outside it. */
const MAX_INT = 2n ** 63n - 1n;
const MIN_INT = -(2n ** 63n);

/** An exact integer in the short cut's form; a fraction (which CEL's int cannot hold) is undecided. */
function intOf(value: number | bigint): Int | Undecided {
  if (typeof value === 'bigint') return value >= MIN_SAFE && value <= MAX_SAFE ? Number(value) : value;
  if (Number.isSafeInteger(value)) return value;
  return Number.isInteger(value) ? intOf(BigInt(value)) : UNDECIDED;
}

/**
 * A field's raw value as the short cut holds it: an int in its form (only ints are numbers or BigInts), an unknown
 * fact (undefined) undecided, as reading it is an error in CEL.
 */
function known(value: RawValue): Value | Undecided {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : intOf(value);
  if (typeof value === 'bigint') return intOf(value);
  return value === undefined ? UNDECIDED : value;
}

/** `has()` of a field's raw value: false for an unknown fact; undecided for a fraction, which CEL fails to read. */
function present(value: RawValue): boolean | Undecided {
  if (value === undefined) return false;
  return typeof value === 'number' && !Number.isInteger(value) ? UNDECIDED : true;
}

/** A result of `+`, `-` or `*` in BigInt: undecided outside CEL's 64-bit int, as the library fails there. */
const checked = (value: bigint): Int | Undecided =>
  value > MAX_INT || value < MIN_INT ? UNDECIDED : intOf(value);

/**
 * The int operators, exact: in numbers while the result is a safe integer (a float result of safe operands that is
 * a safe integer is the exact one), in BigInt otherwise; `/` and `%` truncate toward zero, as CEL's do.
 */
const ARITHMETIC: Record<string, (a: Int, b: Int) => Int | Undecided> = {
  '+': (a, b) => {
    if (typeof a === 'number' && typeof b === 'number' && Number.isSafeInteger(a + b)) return a + b;
    return checked(BigInt(a) + BigInt(b));
  },
  '-': (a, b) => {
    if (typeof a === 'number' && typeof b === 'number' && Number.isSafeInteger(a - b)) return a - b;
    return checked(BigInt(a) - BigInt(b));
  },
  '*': (a, b) => {
    if (typeof a === 'number' && typeof b === 'number' && Number.isSafeInteger(a * b)) return a * b;
    return checked(BigInt(a) * BigInt(b));
  },
  // Zero is always the number 0 in the short cut's form.
  '/': (a, b) => (b === 0 ? UNDECIDED : intOf(BigInt(a) / BigInt(b))),
  '%': (a, b) => (b === 0 ? UNDECIDED : intOf(BigInt(a) % BigInt(b))),
};

/** The comparisons, on two ints or two strings (JavaScript compares both as the library does). */
const ORDERING: Record<string, (a: Int | string, b: Int | string) => boolean> = {
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
};

/** Each comparison with its operands swapped: `a < b` is `b > a`. */
const TURNED: Record<string, string> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

/** The checked type of a node: `int`, `string`, `bool`, `list<Line>`, `Order`, …; undefined when unchecked. */
const typeOf = (node: CelNode): string | undefined =>
  (node as { checkedType?: { name?: string } }).checkedType?.name;

/** A string's size in CEL: its code points. */
function codePoints(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/** Where a name's value is: a variable of the scope (`order`, `line`), or the slot of a loop's variable. */
type Source = { variable: 'order' | 'line' } | { slot: number };

/** The names an expression may use where it is compiled: the variables, and the loop variables around it. */
interface Names {
  readonly sources: ReadonlyMap<string, Source>;
  /** How many loops (`exists`, `all`, `exists_one`) enclose the node: the slot a new loop variable takes. */
  readonly depth: number;
}

/** Compiles the expressions of one rule; loop variables live in `slots` (a rule runs to its end before the next). */
class Compiler {
  readonly slots: unknown[] = [];
  /** Whether what was compiled since this was last cleared reads the variable `line`. */
  readsLine = false;

  /** The closure of a node, or undefined when the node is outside what the short cut compiles. */
  compile(node: CelNode, names: Names): Closure | undefined {
    switch (node.op) {
      case 'value':
        return this.literal(node);
      case 'id':
        return this.name(node, names);
      case '.':
        return this.field(node, names);
      case 'call':
        return this.call(node, names);
      case 'rcall':
        return this.method(node, names);
      case '!_': {
        const operand = this.typed(node.args as CelNode, 'bool', names);
        if (operand === undefined) return undefined;
        return (scope) => {
          const value = operand(scope);
          return value === UNDECIDED ? UNDECIDED : !value;
        };
      }
      case '-_': {
        const operand = this.typed(node.args as CelNode, 'int', names);
        if (operand === undefined) return undefined;
        // CEL's library negates without a range check; so does the short cut.
        return (scope) => {
          const value = operand(scope) as Int | Undecided;
          if (value === UNDECIDED) return UNDECIDED;
          return typeof value === 'number' ? -value : intOf(-value);
        };
      }
      case '&&':
      case '||':
        return this.logical(node, names);
      case '?:':
        return this.ternary(node, names);
      case '==':
      case '!=':
        return this.equality(node, names);
      case '<':
      case '<=':
      case '>':
      case '>=':
        return this.ordering(node, names);
      case '+':
      case '-':
      case '*':
      case '/':
      case '%':
        return this.arithmetic(node, names);
      case 'in':
        return this.membership(node, names);
      default:
        return undefined;
    }
  }

  /** The closure of a node whose checked type is `type`. */
  private typed(node: CelNode, type: string, names: Names): Closure | undefined {
    return typeOf(node) === type ? this.compile(node, names) : undefined;
  }

  /** The value of an int, string or bool literal (doubles, uints, bytes and null are left to the program). */
  private constant(node: CelNode): { value: Value } | undefined {
    if (node.op !== 'value') return undefined;
    const value = node.args as unknown;
    if (typeof value === 'bigint') return { value: intOf(value) };
    return typeof value === 'string' || typeof value === 'boolean' ? { value } : undefined;
  }

  /** A literal. */
  private literal(node: CelNode): Closure | undefined {
    const constant = this.constant(node);
    if (constant === undefined) return undefined;
    const { value } = constant;
    return () => value;
  }

  /** The value of a name: a variable of the scope or a loop's variable. */
  private name(node: CelNode, names: Names): Closure | undefined {
    const source = names.sources.get(node.args as string);
    if (source === undefined) return undefined;
    if ('slot' in source) {
      const { slots } = this;
      const { slot } = source;
      return () => slots[slot];
    }
    if (source.variable === 'order') return (scope) => scope.order;
    this.readsLine = true;
    return (scope) => scope.line;
  }

  /** How to read one field of a node's value (its raw value), or undefined when it is no field of the context. */
  private reader(target: CelNode, field: string): ((object: unknown) => RawValue) | undefined {
    const type = typeOf(target);
    if (type === undefined || !Object.hasOwn(READERS_BY_TYPE, type)) return undefined;
    const readers = READERS_BY_TYPE[type]!;
    return Object.hasOwn(readers, field) ? (readers[field] as (object: unknown) => RawValue) : undefined;
  }

  /**
   * `target.field` (`convert` is `known`), or `has(target.field)` (`convert` is `present`). A field of a name is
   * read straight from where the name's value is, without a closure for the name.
   */
  private access(
    target: CelNode,
    field: string,
    convert: (value: RawValue) => Value | Undecided,
    names: Names,
  ): Closure | undefined {
    const read = this.reader(target, field);
    if (read === undefined) return undefined;
    const source = target.op === 'id' ? names.sources.get(target.args as string) : undefined;
    if (source !== undefined && 'slot' in source) {
      const { slots } = this;
      const { slot } = source;
      return () => convert(read(slots[slot]));
    }
    if (source !== undefined && source.variable === 'line') this.readsLine = true;
    // One function per variable and conversion, so that each call site sees one of them.
    if (source !== undefined && convert === known) {
      return source.variable === 'order'
        ? (scope) => known(read(scope.order))
        : (scope) => known(read(scope.line));
    }
    if (source !== undefined) {
      return source.variable === 'order'
        ? (scope) => present(read(scope.order))
        : (scope) => present(read(scope.line));
    }
    const object = this.compile(target, names);
    if (object === undefined) return undefined;
    return (scope) => {
      const value = object(scope);
      return value === UNDECIDED ? UNDECIDED : convert(read(value));
    };
  }

  /** `target.field`: an unknown fact is an error in CEL (`has()` tests for it), so undecided. */
  private field(node: CelNode, names: Names): Closure | undefined {
    const [target, field] = node.args as [CelNode, string];
    return this.access(target, field, known, names);
  }

  /** `has(target.field)` and `size(list or string)`. */
  private call(node: CelNode, names: Names): Closure | undefined {
    const [name, args] = node.args as [string, CelNode[]];
    if (args.length !== 1) return undefined;
    if (name === 'size') return this.size(args[0]!, names);
    if (name !== 'has' || args[0]!.op !== '.') return undefined;
    const [target, field] = args[0]!.args as [CelNode, string];
    return this.access(target, field, present, names);
  }

  /** The size of a list (its elements) or a string (its code points). */
  private size(node: CelNode, names: Names): Closure | undefined {
    const type = typeOf(node);
    const operand = type === 'string' || type?.startsWith('list<') ? this.compile(node, names) : undefined;
    if (operand === undefined) return undefined;
    if (type === 'string') {
      return (scope) => {
        const value = operand(scope);
        return value === UNDECIDED ? UNDECIDED : codePoints(value as string);
      };
    }
    return (scope) => {
      const value = operand(scope);
      return value === UNDECIDED ? UNDECIDED : (value as readonly unknown[]).length;
    };
  }

  /** `.size()`, the string tests `startsWith`, `endsWith`, `contains`, and the loops `exists`, `all`, `exists_one`. */
  private method(node: CelNode, names: Names): Closure | undefined {
    const [name, receiver, args] = node.args as [string, CelNode, CelNode[]];
    if (name === 'size' && args.length === 0) return this.size(receiver, names);
    if ((name === 'startsWith' || name === 'endsWith' || name === 'contains') && args.length === 1) {
      const text = this.typed(receiver, 'string', names);
      const part = this.typed(args[0]!, 'string', names);
      if (text === undefined || part === undefined) return undefined;
      const test =
        name === 'startsWith'
          ? (a: string, b: string) => a.startsWith(b)
          : name === 'endsWith'
            ? (a: string, b: string) => a.endsWith(b)
            : (a: string, b: string) => a.includes(b);
      return (scope) => {
        const a = text(scope);
        if (a === UNDECIDED) return UNDECIDED;
        const b = part(scope);
        return b === UNDECIDED ? UNDECIDED : test(a as string, b as string);
      };
    }
    if ((name === 'exists' || name === 'all' || name === 'exists_one') && args.length === 2) {
      return this.loop(name, receiver, args as [CelNode, CelNode], names);
    }
    return undefined;
  }

  /**
   * `list.exists(x, p)`, `list.all(x, p)`, `list.exists_one(x, p)`, with CEL's errors: `exists` is true when `p` is
   * true for some element whatever the others give, `all` false when `p` is false for some element; otherwise an
   * error for any element is the loop's. `exists_one` fails on any error.
   */
  private loop(name: string, receiver: CelNode, [variable, predicate]: [CelNode, CelNode], names: Names) {
    if (variable.op !== 'id' || !typeOf(receiver)?.startsWith('list<')) return undefined;
    const list = this.compile(receiver, names);
    if (list === undefined) return undefined;
    const slot = names.depth;
    const slots = this.slots;
    const sources = new Map(names.sources);
    sources.set(variable.args as string, { slot });
    const test = this.typed(predicate, 'bool', { sources, depth: slot + 1 });
    if (test === undefined) return undefined;
    // `exists` stops at the first true, `all` at the first false; `exists_one` counts.
    const stop = name === 'exists' ? true : name === 'all' ? false : undefined;
    return (scope: Scope) => {
      const items = list(scope);
      if (items === UNDECIDED) return UNDECIDED;
      let undecided = false;
      let count = 0;
      try {
        for (const item of items as readonly unknown[]) {
          slots[slot] = item;
          const result = test(scope);
          if (result === stop) return stop;
          if (result === UNDECIDED) {
            if (stop === undefined) return UNDECIDED;
            undecided = true;
          } else if (result === true) count++;
        }
      } finally {
        slots[slot] = undefined;
      }
      if (undecided) return UNDECIDED;
      return stop === undefined ? count === 1 : !stop;
    };
  }

  /** `a && b`, `a || b`: decided by either side alone when it is `false` (`&&`) or `true` (`||`), as in CEL. */
  private logical(node: CelNode, names: Names): Closure | undefined {
    const [left, right] = (node.args as [CelNode, CelNode]).map((side) => this.typed(side, 'bool', names));
    if (left === undefined || right === undefined) return undefined;
    const decisive = node.op === '||';
    return (scope) => {
      const a = left(scope);
      if (a === decisive) return decisive;
      const b = right(scope);
      if (b === decisive) return decisive;
      return a === UNDECIDED || b === UNDECIDED ? UNDECIDED : !decisive;
    };
  }

  /** `c ? a : b`. */
  private ternary(node: CelNode, names: Names): Closure | undefined {
    const [condition, left, right] = node.args as [CelNode, CelNode, CelNode];
    const test = this.typed(condition, 'bool', names);
    const then = test === undefined ? undefined : this.compile(left, names);
    const otherwise = then === undefined ? undefined : this.compile(right, names);
    if (test === undefined || then === undefined || otherwise === undefined) return undefined;
    return (scope) => {
      const value = test(scope);
      if (value === UNDECIDED) return UNDECIDED;
      return value ? then(scope) : otherwise(scope);
    };
  }

  /** Both operands of a binary node, when both have the type `accepts` allows and the same. */
  private operands(node: CelNode, names: Names, accepts: readonly string[]) {
    const [left, right] = node.args as [CelNode, CelNode];
    const type = typeOf(left);
    if (type === undefined || type !== typeOf(right) || !accepts.includes(type)) return undefined;
    const a = this.compile(left, names);
    const b = a === undefined ? undefined : this.compile(right, names);
    return a === undefined || b === undefined ? undefined : { a, b, type };
  }

  /** `==`, `!=` on two ints, strings or bools. */
  private equality(node: CelNode, names: Names): Closure | undefined {
    const operands = this.operands(node, names, ['int', 'string', 'bool']);
    if (operands === undefined) return undefined;
    const { a, b } = operands;
    const equal = node.op === '==';
    const [left, right] = node.args as [CelNode, CelNode];
    const onRight = this.constant(right);
    const constant = onRight ?? this.constant(left);
    if (constant !== undefined) {
      // One side is a literal: compare the other with its value.
      const other = onRight === undefined ? b : a;
      const { value } = constant;
      return equal
        ? (scope) => {
            const x = other(scope);
            return x === UNDECIDED ? UNDECIDED : x === value;
          }
        : (scope) => {
            const x = other(scope);
            return x === UNDECIDED ? UNDECIDED : x !== value;
          };
    }
    return (scope) => {
      const x = a(scope);
      if (x === UNDECIDED) return UNDECIDED;
      const y = b(scope);
      return y === UNDECIDED ? UNDECIDED : (x === y) === equal;
    };
  }

  /** `<`, `<=`, `>`, `>=` on two ints or two strings. */
  private ordering(node: CelNode, names: Names): Closure | undefined {
    const operands = this.operands(node, names, ['int', 'string']);
    if (operands === undefined) return undefined;
    const { a, b } = operands;
    const [left, right] = node.args as [CelNode, CelNode];
    const onRight = this.constant(right);
    const constant = onRight ?? this.constant(left);
    if (constant !== undefined) {
      // One side is a literal: `x op literal`, with the operator turned round when the literal is on the left.
      const other = onRight === undefined ? b : a;
      const op = onRight === undefined ? TURNED[node.op]! : node.op;
      const value = constant.value as Int | string;
      switch (op) {
        case '<':
          return (scope) => {
            const x = other(scope) as Int | string | Undecided;
            return x === UNDECIDED ? UNDECIDED : x < value;
          };
        case '<=':
          return (scope) => {
            const x = other(scope) as Int | string | Undecided;
            return x === UNDECIDED ? UNDECIDED : x <= value;
          };
        case '>':
          return (scope) => {
            const x = other(scope) as Int | string | Undecided;
            return x === UNDECIDED ? UNDECIDED : x > value;
          };
        default:
          return (scope) => {
            const x = other(scope) as Int | string | Undecided;
            return x === UNDECIDED ? UNDECIDED : x >= value;
          };
      }
    }
    const compare = ORDERING[node.op]!;
    return (scope) => {
      const x = a(scope);
      if (x === UNDECIDED) return UNDECIDED;
      const y = b(scope);
      return y === UNDECIDED ? UNDECIDED : compare(x as Int | string, y as Int | string);
    };
  }

  /** `+`, `-`, `*`, `/`, `%` on two ints, and `+` on two strings. */
  private arithmetic(node: CelNode, names: Names): Closure | undefined {
    const operands = this.operands(node, names, node.op === '+' ? ['int', 'string'] : ['int']);
    if (operands === undefined) return undefined;
    const { a, b, type } = operands;
    if (type === 'string') {
      return (scope) => {
        const x = a(scope);
        if (x === UNDECIDED) return UNDECIDED;
        const y = b(scope);
        return y === UNDECIDED ? UNDECIDED : (x as string) + (y as string);
      };
    }
    const operate = ARITHMETIC[node.op]!;
    return (scope) => {
      const x = a(scope);
      if (x === UNDECIDED) return UNDECIDED;
      const y = b(scope);
      return y === UNDECIDED ? UNDECIDED : operate(x as Int, y as Int);
    };
  }

  /** `x in [literals or expressions]` and `x in list`, for an int or a string `x`. */
  private membership(node: CelNode, names: Names): Closure | undefined {
    const [needle, haystack] = node.args as [CelNode, CelNode];
    const type = typeOf(needle);
    if (type !== 'int' && type !== 'string') return undefined;
    const item = this.compile(needle, names);
    if (item === undefined) return undefined;
    if (haystack.op === 'list') {
      const elements = (haystack.args as CelNode[]).map((element) => this.typed(element, type, names));
      if (elements.some((element) => element === undefined)) return undefined;
      const constants = (haystack.args as CelNode[]).map((element) => this.constant(element));
      if (constants.every((constant) => constant !== undefined)) {
        const set = new Set(constants.map((constant) => constant!.value));
        return (scope) => {
          const value = item(scope);
          return value === UNDECIDED ? UNDECIDED : set.has(value);
        };
      }
      // The library evaluates every element before it looks: an element that fails fails the test.
      return (scope) => {
        const value = item(scope);
        if (value === UNDECIDED) return UNDECIDED;
        let found = false;
        for (const element of elements) {
          const candidate = element!(scope);
          if (candidate === UNDECIDED) return UNDECIDED;
          if (candidate === value) found = true;
        }
        return found;
      };
    }
    if (typeOf(haystack) !== `list<${type}>`) return undefined;
    const list = this.compile(haystack, names);
    if (list === undefined) return undefined;
    return (scope) => {
      const value = item(scope);
      if (value === UNDECIDED) return UNDECIDED;
      const values = list(scope);
      return values === UNDECIDED ? UNDECIDED : (values as readonly unknown[]).includes(value);
    };
  }
}

/** The variables of a rule: `order`, and `line` in line scope (`now` is left to the program). */
const VARIABLES: Names = {
  sources: new Map<string, Source>([
    ['order', { variable: 'order' }],
    ['line', { variable: 'line' }],
  ]),
  depth: 0,
};

/** The conjuncts of a top-level `&&` chain, left to right. */
function conjuncts(node: CelNode): CelNode[] {
  if (node.op !== '&&') return [node];
  const [left, right] = node.args as [CelNode, CelNode];
  return [...conjuncts(left), ...conjuncts(right)];
}

/**
 * The guards of a checked expression. CEL's `&&` is false when any side is false, whatever the others give (an
 * error included), so a false conjunct decides the rule exactly as the program would. Each conjunct is compiled
 * where every part of it is one the short cut knows (ints exact, as the library's BigInt; strings and bools as
 * JavaScript's; errors as undecided); a conjunct that is not compiled, or a test that cannot decide, leaves the
 * decision to the program.
 */
export function guardsOf(ast: CelNode): Guards {
  const compiler = new Compiler();
  const orderTests: Test[] = [];
  const tests: Test[] = [];
  let complete = true;
  for (const conjunct of conjuncts(ast)) {
    compiler.readsLine = false;
    const closure = typeOf(conjunct) === 'bool' ? compiler.compile(conjunct, VARIABLES) : undefined;
    if (closure === undefined) complete = false;
    else (compiler.readsLine ? tests : orderTests).push(closure);
  }
  return { orderTests, tests, complete: complete && orderTests.length + tests.length > 0 };
}
