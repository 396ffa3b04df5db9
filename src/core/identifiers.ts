// src/core/identifiers.ts
// One canonical form for every identifier the guard compares, decided once: in the order and policy parsers.

/**
 * Characters no identifier may contain: controls (NUL, ESC, newlines), format characters (bidi overrides and
 * isolates, zero-width spaces and joiners, the BOM), line and paragraph separators, and the private-use and
 * unassigned code points a display cannot show. They let two different strings look the same on the review
 * page, or one string look like another.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/u;

/**
 * White space a paste brings along, which the canonical form drops: JavaScript's `\s` without the byte-order mark
 * (U+FEFF) and the line and paragraph separators (U+2028, U+2029). Those three are invisible or break lines on the
 * review page, so they are refused like every other invisible character, never silently dropped.
 */
const SPACE = /[\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]/u;
const SPACES = new RegExp(`${SPACE.source}+`, 'gu');

/** `value` without the white space (as `SPACE` defines it) at both ends; a loop, so no input backtracks. */
function trimSpace(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && SPACE.test(value[start]!)) start++;
  while (end > start && SPACE.test(value[end - 1]!)) end--;
  return start === 0 && end === value.length ? value : value.slice(start, end);
}

/** Longest identifiers, in characters (before canonicalisation). */
export const IDENTIFIER_LIMITS = Object.freeze({
  orderId: 128,
  sku: 128,
  category: 128,
  code: 64,
  customerId: 128,
  segment: 64,
  paymentMethod: 128,
});

/** The kinds of identifier, each with its canonical form. */
export type IdentifierKind = 'code' | 'name' | 'opaque';

/**
 * Why `value` cannot be an identifier of `kind`, or undefined when it can: a message for a `Problem` naming the
 * field. White space a paste brings along (tabs, newlines) is allowed where the canonical form drops it: around
 * any identifier, and anywhere in a voucher code. Anything else invisible is refused, so nothing is silently
 * dropped and nothing displays as something it is not.
 */
export function identifierProblem(value: string, kind: IdentifierKind = 'name'): string | undefined {
  const checked = kind === 'code' ? value.replace(SPACES, '') : trimSpace(value);
  const match = INVISIBLE.exec(checked);
  if (match === null) return undefined;
  const code = match[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
  return `must not contain control, bidirectional-override or invisible characters (found U+${code})`;
}

/**
 * The canonical form of an identifier:
 * - `code` (voucher codes): Unicode NFKC, every white space removed, upper case. `" tmrw100pekr6x50"`,
 *   `"TMRW100 PEKR6X50"` and the full-width `"ＴＭＲＷ１００ＰＥＫＲ６Ｘ５０"` are all `TMRW100PEKR6X50`.
 * - `name` (SKUs, categories, payment methods, customer segments): NFKC, trimmed, upper case, so a SKU or a
 *   payment method written in another case by an integration still meets its floors and terms.
 * - `opaque` (order and customer ids, which shops may make case-sensitive): NFKC and trimmed only.
 */
export function canonicalIdentifier(value: string, kind: IdentifierKind): string {
  // ASCII without surrounding or (for codes) inner spaces and (but for opaque ids) lower-case letters is
  // already canonical: the common case costs one regular expression test.
  if (kind === 'opaque' ? ASCII_TRIMMED.test(value) : ASCII_UPPER.test(value)) return value;
  const normal = value.normalize('NFKC');
  if (kind === 'code') return normal.replace(SPACES, '').toUpperCase();
  const trimmed = trimSpace(normal);
  return kind === 'name' ? trimmed.toUpperCase() : trimmed;
}

/** Printable ASCII without lower-case letters or spaces: canonical for every kind. */
const ASCII_UPPER = /^[\x21-\x60\x7b-\x7e]*$/;
/** Printable ASCII that starts and ends with a non-space: canonical for opaque ids. */
const ASCII_TRIMMED = /^(?:[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?)?$/;

/**
 * The canonical form of `value`, or undefined when it contains characters no identifier may contain: the order
 * parser's fast path, which leaves the precise message to the schema.
 */
export function canonicalOrUndefined(value: string, kind: IdentifierKind): string | undefined {
  if (kind === 'opaque' ? ASCII_TRIMMED.test(value) : ASCII_UPPER.test(value)) return value;
  if (identifierProblem(value, kind) !== undefined) return undefined;
  return canonicalIdentifier(value, kind);
}

/** The canonical voucher code, for review filters, bulk actions, admin paths and metric labels. */
export function canonicalCode(value: string): string {
  return canonicalIdentifier(value, 'code');
}

/** The canonical SKU, category, payment method or segment. */
export function canonicalName(value: string): string {
  return canonicalIdentifier(value, 'name');
}
