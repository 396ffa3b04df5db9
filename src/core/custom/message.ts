// src/core/custom/message.ts
// A custom rule's message: text with {order.total}-style placeholders, checked once and filled in when the rule fires.

import { formatBp, formatMoney } from '../money';
import { closest } from '../suggest';
import { type FieldSpec, LINE_FIELDS, ORDER_FIELDS } from './context';

/** One piece of a message: literal text, or a value of the context to show. */
type Piece = string | { variable: 'order' | 'line'; field: string; spec: FieldSpec };

/** A checked message template. */
export interface MessageTemplate {
  pieces: readonly Piece[];
}

/** What a template is filled from: the context objects of one evaluation. */
export interface MessageValues {
  order: Record<string, unknown>;
  line?: Record<string, unknown>;
  currency: string;
}

const PLACEHOLDER = /\{([^{}]*)\}/g;

/** Lists of objects: a message shows values, not whole lines or vouchers. */
const SHOWS_NOT: ReadonlySet<string> = new Set(['list<Line>', 'list<Voucher>']);

/** Values that can be shown, by variable: the scalar fields and the lists of strings. */
const SHOWABLE: Record<'order' | 'line', Record<string, FieldSpec>> = {
  order: ORDER_FIELDS,
  line: LINE_FIELDS,
};

/**
 * Checks a template: every `{variable.field}` must name a value the scope has (`line` only in line scope) that can
 * be shown (not `order.lines` or `order.vouchers`). Returns the template, or what is wrong and at which column.
 */
export function compileMessage(
  text: string,
  scope: 'order' | 'line',
): { ok: true; template: MessageTemplate } | { ok: false; message: string } {
  const pieces: Piece[] = [];
  let last = 0;
  /** Literal text up to `end`, or the column of a brace no placeholder closes. */
  const literal = (end: number): number | undefined => {
    const segment = text.slice(last, end);
    const brace = segment.search(/[{}]/);
    if (brace >= 0) return last + brace + 1;
    if (segment !== '') pieces.push(segment);
    return undefined;
  };
  const unmatched = (column: number) => ({
    ok: false as const,
    message: `an unmatched brace at column ${column}: a placeholder is {order.FIELD}`,
  });
  for (const match of text.matchAll(PLACEHOLDER)) {
    const at = match.index;
    const brace = literal(at);
    if (brace !== undefined) return unmatched(brace);
    const inner = match[1]!.trim();
    const problem = (what: string) => ({ ok: false as const, message: `${what} at column ${at + 1}` });
    const [variable, field, ...rest] = inner.split('.');
    if (variable !== 'order' && variable !== 'line') {
      return problem(
        `{${inner}} is not a value a message can show: write {order.FIELD}${scope === 'line' ? ' or {line.FIELD}' : ''}`,
      );
    }
    if (variable === 'line' && scope !== 'line') {
      return problem(`{${inner}} names the line, which only a rule with scope: line has`);
    }
    const fields = SHOWABLE[variable];
    const spec = field === undefined || rest.length > 0 ? undefined : fields[field];
    if (spec === undefined || SHOWS_NOT.has(spec.type)) {
      const known = Object.keys(fields).filter((name) => !SHOWS_NOT.has(fields[name]!.type));
      const guess = closest(field ?? '', known);
      return problem(
        `{${inner}} is not a value of ${variable}${guess ? `; did you mean {${variable}.${guess}}?` : ` (known: ${known.join(', ')})`}`,
      );
    }
    pieces.push({ variable, field: field!, spec });
    last = at + match[0].length;
  }
  const brace = literal(text.length);
  if (brace !== undefined) return unmatched(brace);
  return { ok: true, template: { pieces } };
}

/** Shows one value for people: money in the order's currency, basis points as a percentage. */
function show(value: unknown, spec: FieldSpec, currency: string): string {
  if (value === undefined) return 'unknown';
  if (Array.isArray(value)) return value.length === 0 ? 'none' : value.join(', ');
  if (typeof value === 'bigint') {
    if (spec.unit === 'money') return formatMoney(Number(value), currency);
    if (spec.unit === 'bp') return formatBp(Number(value));
  }
  if (value === '') return '(none)';
  return String(value);
}

/** Fills a template in; a value the guard does not know is shown as "unknown". */
export function renderMessage(template: MessageTemplate, values: MessageValues): string {
  let out = '';
  for (const piece of template.pieces) {
    if (typeof piece === 'string') out += piece;
    else {
      const source = piece.variable === 'line' ? values.line : values.order;
      out += show(source?.[piece.field], piece.spec, values.currency);
    }
  }
  return out;
}
