// src/replay/mapping.ts
// `replay --map FILE`: reads an export whose fields are named differently, like the middleware's `toOrder`.

import { readDocument } from '../config/document';
import { LINE_FIELDS, ORDER_FIELDS, VOUCHER_FIELDS } from '../core/order-fast';
import type { Problem } from '../core/problems';
import { closest } from '../core/suggest';

/** The fields of a replay line a mapping may name: the order's, its lines' and vouchers', and the replay's own. */
const REPLAY_FIELDS = [...ORDER_FIELDS, 'timestamp', 'label', 'incident'] as const;
const TARGETS = [
  ...REPLAY_FIELDS,
  ...LINE_FIELDS.map((field) => `lines.${field}`),
  ...VOUCHER_FIELDS.map((field) => `vouchers.${field}`),
];
const KEYS = ['fields', 'labels', 'timestampUnit'];

/**
 * A mapping from an export's rows to replay lines:
 * - `fields`: replay field → dotted path in the export row (`"total": "amounts.grand_total"`); `lines.<field>` and
 *   `vouchers.<field>` are paths inside each element of the mapped `lines` and `vouchers` arrays. A field the
 *   mapping does not name is read under its own name.
 * - `labels`: export label → replay label (`"chargeback": "glitch"`); `null` makes it unlabelled. Others are kept.
 * - `timestampUnit`: `"ms"` (the default) or `"s"` for epoch seconds.
 */
export interface ReplayMapping {
  fields?: Record<string, string>;
  labels?: Record<string, string | null>;
  timestampUnit?: 'ms' | 's';
}

/** A mapping that cannot be used; `problems` names every bad entry. */
export class MappingError extends Error {
  readonly code = 'ERR_REPLAY_MAPPING';
  constructor(
    readonly problems: Problem[],
    readonly source = 'mapping',
  ) {
    super(
      `invalid ${source}:\n${problems.map((problem) => `  - ${problem.path || '(root)'}: ${problem.message}`).join('\n')}`,
    );
    this.name = this.constructor.name;
  }
}

/** The value at a dotted path (`a.b.0.c`), or undefined. */
function at(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** Checks a mapping and returns the problems (each naming its key). */
function mappingProblems(input: unknown): Problem[] {
  if (!isPlainObject(input))
    return [{ path: '', message: 'must be an object with "fields" and/or "labels"' }];
  const problems: Problem[] = [];
  for (const key of Object.keys(input)) {
    if (!KEYS.includes(key)) {
      const guess = closest(key, KEYS);
      problems.push({
        path: key,
        message: `is not a mapping key${guess ? `; did you mean "${guess}"?` : ''}`,
      });
    }
  }
  const { fields, labels, timestampUnit } = input;
  if (fields !== undefined) {
    if (!isPlainObject(fields)) problems.push({ path: 'fields', message: 'must be an object' });
    else {
      for (const [target, source] of Object.entries(fields)) {
        if (!TARGETS.includes(target)) {
          const guess = closest(target, TARGETS);
          problems.push({
            path: `fields.${target}`,
            message: `is not a field of a replay line${guess ? `; did you mean "${guess}"?` : ''} (${TARGETS.join(', ')})`,
          });
        }
        if (
          typeof source !== 'string' ||
          source.trim() === '' ||
          source.split('.').some((part) => part === '')
        ) {
          problems.push({
            path: `fields.${target}`,
            message: `must be a dotted path in the export row such as "amounts.total", got ${JSON.stringify(source)}`,
          });
        }
      }
    }
  }
  if (labels !== undefined) {
    if (!isPlainObject(labels)) problems.push({ path: 'labels', message: 'must be an object' });
    else {
      for (const [from, to] of Object.entries(labels)) {
        if (to !== null && (typeof to !== 'string' || to.trim() === '')) {
          problems.push({
            path: `labels.${from}`,
            message: `must be a label such as "glitch" or "legit", or null for none; got ${JSON.stringify(to)}`,
          });
        }
      }
    }
  }
  if (timestampUnit !== undefined && timestampUnit !== 'ms' && timestampUnit !== 's') {
    problems.push({
      path: 'timestampUnit',
      message: `must be "ms" or "s", got ${JSON.stringify(timestampUnit)}`,
    });
  }
  return problems;
}

/** Maps each element of an array through `fields` (paths inside the element); other values are left as they are. */
function mapElements(
  value: unknown,
  fields: ReadonlyArray<[string, string[]]>,
  names: readonly string[],
): unknown {
  if (!Array.isArray(value) || fields.length === 0) return value;
  return value.map((element) => {
    if (!isPlainObject(element)) return element;
    const out: Record<string, unknown> = {};
    for (const name of names) if (element[name] !== undefined) out[name] = element[name];
    for (const [name, path] of fields) {
      const found = at(element, path);
      if (found === undefined) delete out[name];
      else out[name] = found;
    }
    return out;
  });
}

/**
 * Validates a mapping and returns the function that turns an export row into a replay line. Throws a MappingError.
 */
export function compileMapping(input: unknown, source = 'mapping'): (row: unknown) => unknown {
  const problems = mappingProblems(input);
  if (problems.length > 0) throw new MappingError(problems, source);
  const mapping = input as ReplayMapping;
  const entries = Object.entries(mapping.fields ?? {}).map(
    ([target, path]) => [target, path.split('.')] as const,
  );
  const top = entries.filter(([target]) => !target.includes('.'));
  const inside = (prefix: string) =>
    entries
      .filter(([target]) => target.startsWith(`${prefix}.`))
      .map(([target, path]) => [target.slice(prefix.length + 1), path] as [string, string[]]);
  const lineFields = inside('lines');
  const voucherFields = inside('vouchers');
  const labels = mapping.labels ?? {};
  const seconds = mapping.timestampUnit === 's';
  return (row) => {
    if (!isPlainObject(row)) return row;
    const out: Record<string, unknown> = { ...row };
    for (const [target, path] of top) {
      const found = at(row, path);
      if (found === undefined) delete out[target];
      else out[target] = found;
    }
    out.lines = mapElements(out.lines, lineFields, LINE_FIELDS);
    out.vouchers = mapElements(out.vouchers, voucherFields, VOUCHER_FIELDS);
    if (out.lines === undefined) delete out.lines;
    if (out.vouchers === undefined) delete out.vouchers;
    if (typeof out.label === 'string' && Object.hasOwn(labels, out.label)) out.label = labels[out.label];
    if (seconds && typeof out.timestamp === 'number') out.timestamp = Math.round(out.timestamp * 1000);
    return out;
  };
}

/** Reads a mapping from a JSON or YAML file; throws a MappingError naming the file. */
export function loadMappingFile(path: string): (row: unknown) => unknown {
  const document = readDocument(path);
  if (!document.ok) throw new MappingError([document.problem], path);
  return compileMapping(document.data, path);
}
