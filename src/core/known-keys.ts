// src/core/known-keys.ts
// The field names a zod schema accepts at a path, so an unknown key can be answered with "did you mean".

import { z } from 'zod';

/**
 * Records validated by custom code (a transform over `z.custom`) register their value schema here, so the walker
 * can still look inside them: `schema.register(recordValues, { value })`.
 */
export const recordValues = z.registry<{ value: unknown }>();

/**
 * Objects whose unknown keys deserve more than "did you mean": `schema.register(unknownKeyHints, { token: 'why' })`
 * makes an unknown `token` key say why (e.g. a plain secret where only its hash belongs).
 */
export const unknownKeyHints = z.registry<Record<string, string>>();

/** A zod schema's definition, read only through the fields this walker needs. */
type Def = Record<string, unknown> & { type?: string };

function defOf(schema: unknown): Def | undefined {
  return (schema as { _zod?: { def?: Def } } | undefined)?._zod?.def;
}

/** The schemas `schema` may be once wrappers (optional, default, pipe, lazy, ...) are looked through. */
function unwrap(schema: unknown, depth = 0): unknown[] {
  const def = defOf(schema);
  if (!def || depth > 20) return [];
  if (recordValues.has(schema as z.core.$ZodType)) return [schema];
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'nonoptional':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
    case 'success':
      return unwrap(def.innerType, depth + 1);
    case 'pipe':
      return unwrap(def.in, depth + 1);
    case 'lazy':
      return unwrap((def.getter as () => unknown)(), depth + 1);
    case 'union':
      return (def.options as unknown[]).flatMap((option) => unwrap(option, depth + 1));
    case 'intersection':
      return [...unwrap(def.left, depth + 1), ...unwrap(def.right, depth + 1)];
    default:
      return [schema];
  }
}

/** The schemas found one step down `segment` from `schema`. */
function child(schema: unknown, segment: PropertyKey): unknown[] {
  const registered = recordValues.get(schema as z.core.$ZodType);
  if (registered) return [registered.value];
  const def = defOf(schema);
  switch (def?.type) {
    case 'object': {
      const shape = def.shape as Record<string, unknown>;
      const field = typeof segment === 'string' && Object.hasOwn(shape, segment) ? shape[segment] : undefined;
      return field === undefined ? [] : [field];
    }
    case 'array':
      return [def.element];
    case 'record':
      return [def.valueType];
    case 'tuple':
      return typeof segment === 'number' ? [(def.items as unknown[])[segment]] : [];
    default:
      return [];
  }
}

/** The keys an object (its shape) or an enum-keyed record (its enum) accepts; none for anything else. */
function keysOf(schema: unknown): string[] {
  const def = defOf(schema);
  if (def?.type === 'object') return Object.keys(def.shape as object);
  if (def?.type === 'record') {
    const key = defOf(def.keyType);
    if (key?.type === 'enum') return Object.values(key.entries as Record<string, string>);
  }
  return [];
}

/** The schemas `schema` leads to at `path`, wrappers looked through. */
function nodesAt(schema: z.core.$ZodType, path: ReadonlyArray<PropertyKey>): unknown[] {
  let current = unwrap(schema);
  for (const segment of path)
    current = current.flatMap((node) => child(node, segment).flatMap((s) => unwrap(s)));
  return current;
}

/**
 * The field names `schema` accepts at `path` (a zod issue path), for "did you mean" on an unknown key.
 * Empty when the path leads nowhere the walker understands.
 */
export function knownKeysAt(schema: z.core.$ZodType, path: ReadonlyArray<PropertyKey>): string[] {
  return [...new Set(nodesAt(schema, path).flatMap(keysOf))];
}

/** Why `key` does not belong in the object at `path`, when its schema registered a hint for it (unknownKeyHints). */
export function unknownKeyHint(
  schema: z.core.$ZodType,
  path: ReadonlyArray<PropertyKey>,
  key: string,
): string | undefined {
  for (const node of nodesAt(schema, path)) {
    const hints = unknownKeyHints.get(node as z.core.$ZodType);
    if (hints && Object.hasOwn(hints, key)) return hints[key];
  }
  return undefined;
}
