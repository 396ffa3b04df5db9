// test/docs/policy-reference.test.ts
// docs/policy.md covers every policy field with its real default and valid YAML examples; the rules tables name every rule.

/*
 * How docs/policy.md is read:
 *   - A field table is a Markdown table whose header starts with `| field |`; each row's first cell is the field's
 *     path in backticks: keys joined by dots, `[]` for the items of a list, `<NAME>` for a key the user chooses
 *     (`vouchers.<CODE>.discount.max`, `campaigns[].floorBp`). The third cell is the default: `none` when there is
 *     none, else the value in backticks.
 *   - Every ```yaml block is a complete policy: it must pass parsePolicy, and together they must show every field.
 *   - The table whose header starts with `| rule id |` lists every rule, with an example of each.
 * A field reached at two paths through the same schema object (`velocity` and `vouchers.<CODE>.velocity`) is
 * documented once, at the first.
 */

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { loadPolicyFile } from '../../src/config/policy-file';
import { recordValues } from '../../src/core/known-keys';
import { DEFAULT_VELOCITY, parsePolicy, policySchema } from '../../src/core/policy';
import { history } from '../../src/core/policy/prices';
import { RULE_IDS } from '../../src/core/types';

const ROOT = join(__dirname, '..', '..');
const DOC = readFileSync(join(ROOT, 'docs', 'policy.md'), 'utf8');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** A zod schema's definition, read only through the fields the walk needs. */
type Def = Record<string, unknown> & { type?: string };
const defOf = (schema: unknown): Def | undefined => (schema as { _zod?: { def?: Def } })?._zod?.def;

/** The schemas `schema` may be once wrappers (optional, default, pipe, union, ...) are looked through. */
function unwrap(schema: unknown, depth = 0): unknown[] {
  const def = defOf(schema);
  if (def === undefined || depth > 20) return [];
  if (recordValues.has(schema as z.core.$ZodType)) return [schema];
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
      return unwrap(def.innerType, depth + 1);
    case 'pipe':
      return unwrap(def.in, depth + 1);
    case 'union':
      return (def.options as unknown[]).flatMap((option) => unwrap(option, depth + 1));
    default:
      return [schema];
  }
}

const childPath = (path: string, key: string) => (path === '' ? key : `${path}.${key}`);
const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** Every field path of a schema, and where each object schema is documented (its first path). */
function fieldPaths(schema: unknown): { paths: string[]; home: Map<unknown, string> } {
  const paths = new Set<string>();
  const home = new Map<unknown, string>();
  const walk = (node: unknown, path: string) => {
    for (const inner of unwrap(node)) {
      const keyed = recordValues.get(inner as z.core.$ZodType);
      if (keyed !== undefined) {
        walk(keyed.value, `${path}.*`);
        continue;
      }
      const def = defOf(inner)!;
      if (def.type === 'object') {
        if (home.has(inner)) continue; // documented where first met
        home.set(inner, path);
        for (const [key, field] of Object.entries(def.shape as Record<string, unknown>)) {
          paths.add(childPath(path, key));
          walk(field, childPath(path, key));
        }
      } else if (def.type === 'record') {
        walk(def.valueType, `${path}.*`);
      } else if (def.type === 'array') {
        walk(def.element, `${path}[]`);
      }
    }
  };
  walk(schema, '');
  return { paths: [...paths].sort(), home };
}

/** The field paths a value (a policy example) sets, by the schema, with aliased objects at their first path. */
function pathsSetBy(value: unknown, schema: unknown, home: Map<unknown, string>): Set<string> {
  const found = new Set<string>();
  const walk = (item: unknown, node: unknown, path: string) => {
    for (const inner of unwrap(node)) {
      const keyed = recordValues.get(inner as z.core.$ZodType);
      if (keyed !== undefined) {
        if (isObject(item)) for (const child of Object.values(item)) walk(child, keyed.value, `${path}.*`);
        continue;
      }
      const def = defOf(inner)!;
      if (def.type === 'object' && isObject(item)) {
        const base = home.get(inner) ?? path;
        const shape = def.shape as Record<string, unknown>;
        for (const [key, child] of Object.entries(item)) {
          if (!Object.hasOwn(shape, key)) continue;
          found.add(childPath(base, key));
          walk(child, shape[key], childPath(base, key));
        }
      } else if (def.type === 'record' && isObject(item)) {
        for (const child of Object.values(item)) walk(child, def.valueType, `${path}.*`);
      } else if (def.type === 'array' && Array.isArray(item)) {
        for (const child of item) walk(child, def.element, `${path}[]`);
      }
    }
  };
  walk(value, schema, '');
  return found;
}

/** A documented path in the schema's notation: `<NAME>` placeholders become `*`. */
const normalPath = (text: string) => text.replace(/<[^>]+>/g, '*');

/** The rows of the Markdown tables whose header's first cell is `header`: cells, and the row's line. */
function tableRows(markdown: string, header: string): Array<{ cells: string[]; line: number }> {
  const rows: Array<{ cells: string[]; line: number }> = [];
  const lines = markdown.split('\n');
  for (let index = 0; index < lines.length; index++) {
    if (!new RegExp(`^\\|\\s*${header}\\s*\\|`).test(lines[index]!)) continue;
    for (index += 2; index < lines.length && lines[index]!.startsWith('|'); index++) {
      const cells = lines[index]!.split('|').slice(1, -1);
      rows.push({ cells: cells.map((cell) => cell.trim()), line: index + 1 });
    }
  }
  return rows;
}

/** Field rows of a document: path (normalised) → its cells. */
function fieldRows(markdown: string): Map<string, { type: string; defaults: string; line: number }> {
  const rows = new Map<string, { type: string; defaults: string; line: number }>();
  for (const { cells, line } of tableRows(markdown, 'field')) {
    const path = /^`([^`]+)`$/.exec(cells[0] ?? '')?.[1];
    if (path !== undefined)
      rows.set(normalPath(path), { type: cells[1] ?? '', defaults: cells[2] ?? '', line });
  }
  return rows;
}

/** The ```yaml blocks of a document, with the line of each opening fence. */
function yamlBlocks(markdown: string): Array<{ text: string; line: number }> {
  const blocks: Array<{ text: string; line: number }> = [];
  for (const match of markdown.matchAll(/^```yaml\n([\s\S]*?)^```$/gm)) {
    blocks.push({ text: match[1]!, line: markdown.slice(0, match.index).split('\n').length });
  }
  return blocks;
}

/** The text of a `## ` section, heading included, up to the next `## `. */
function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`no section "${heading}"`);
  const end = markdown.indexOf('\n## ', start + heading.length + 2);
  return markdown.slice(start, end < 0 ? undefined : end);
}

/** Schema paths without a row in a document's field tables. */
const undocumented = (paths: readonly string[], markdown: string) => {
  const rows = fieldRows(markdown);
  return paths.filter((path) => !rows.has(path));
};

const schema = fieldPaths(policySchema);

describe('docs/policy.md, the policy reference', () => {
  it('has a row for every field of the policy schema', () => {
    expect(schema.paths.length).toBeGreaterThan(90);
    expect(undocumented(schema.paths, DOC)).toEqual([]);
  });

  it('documents only fields the schema has', () => {
    const known = new Set(schema.paths);
    const stale = [...fieldRows(DOC).entries()]
      .filter(([path]) => !known.has(path))
      .map(([path, row]) => `line ${row.line}: ${path}`);
    expect(stale).toEqual([]);
  });

  it('would catch a field added to the schema without a row', () => {
    const grown = z.strictObject({
      ...policySchema.shape,
      history: history.extend({ halfLifeSeconds: z.number().optional() }).prefault({}),
      newSection: z.strictObject({ enabled: z.boolean() }).optional(),
    });
    expect(undocumented(fieldPaths(grown).paths, DOC)).toEqual([
      'history.halfLifeSeconds',
      'newSection',
      'newSection.enabled',
    ]);
  });

  it("states each field's real default", () => {
    const defaults = parsePolicy({});
    const valueAt = (path: string): unknown => {
      if (path.startsWith('velocity.'))
        return (DEFAULT_VELOCITY as unknown as Record<string, unknown>)[path.slice(9)];
      return path
        .split('.')
        .reduce<unknown>((value, key) => (isObject(value) ? value[key] : undefined), defaults);
    };
    const wrong: string[] = [];
    for (const [path, row] of fieldRows(DOC)) {
      if (path.includes('*') || path.includes('[]')) continue; // inside a list or a map: no default of its own
      const value = valueAt(path);
      const stated = [...row.defaults.matchAll(/`([^`]*)`/g)].map((match) => match[1]!.replace(/\s/g, ''));
      if (value === undefined) {
        if (!/\bnone\b/.test(row.defaults))
          wrong.push(`${path}: default is none, the row says "${row.defaults}"`);
        continue;
      }
      const primitive = ['number', 'string', 'boolean'].includes(typeof value);
      const list =
        Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === 'number');
      if (!primitive && !list) continue; // sections and maps: their fields say
      const expected = typeof value === 'string' ? value : JSON.stringify(value);
      if (!stated.includes(expected))
        wrong.push(`${path}: default is ${expected}, the row says "${row.defaults}"`);
    }
    expect(wrong).toEqual([]);
  });

  it('has YAML examples that are valid policies and together show every field', () => {
    const blocks = yamlBlocks(DOC);
    expect(blocks.length).toBeGreaterThanOrEqual(10);
    const shown = new Set<string>();
    for (const block of blocks) {
      const data: unknown = parseYaml(block.text);
      expect(isObject(data)).toBe(true);
      expect(() => parsePolicy(data, `docs/policy.md:${block.line}`)).not.toThrow();
      for (const path of pathsSetBy(data, policySchema, schema.home)) shown.add(path);
    }
    expect(schema.paths.filter((path) => !shown.has(path))).toEqual([]);
  });

  it('lists every rule id, once, in its rules table', () => {
    const ids = tableRows(DOC, 'rule id').map((row) => /^`([a-z_]+)`$/.exec(row.cells[0] ?? '')?.[1]);
    expect([...ids].sort()).toEqual([...RULE_IDS].sort());
  });

  it('has the precedence table the floor rule cites', () => {
    expect(DOC).toContain('\n### Which floor and which cap applies\n');
    expect(tableRows(DOC, 'the line is').length).toBeGreaterThanOrEqual(4);
  });
});

describe('README.md', () => {
  it('sums up what the guard holds and links the policy reference, where every rule is listed', () => {
    const holds = section(README, '## What it holds');
    expect(holds).toContain('(docs/policy.md)');
    expect(holds).toContain('(docs/policy.md#custom-rules)');
  });

  it('shows only valid policies', () => {
    for (const block of yamlBlocks(README)) {
      expect(() => parsePolicy(parseYaml(block.text), 'README.md')).not.toThrow();
    }
  });
});

describe('examples/', () => {
  const files = readdirSync(join(ROOT, 'examples')).filter((name) => /^policy\..*\.ya?ml$/.test(name));

  it.each(files)('%s is a valid policy', (name) => {
    expect(() => loadPolicyFile(join(ROOT, 'examples', name))).not.toThrow();
  });
});
