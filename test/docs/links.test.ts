// test/docs/links.test.ts
// Every link between the README, CONTRIBUTING, CHANGELOG and docs/ reaches a file that exists and a heading in it.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const PAGES = [
  'README.md',
  'CONTRIBUTING.md',
  'CHANGELOG.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

/** The anchors GitHub gives a page's headings: lower case, punctuation dropped, spaces as `-`, repeats numbered. */
function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  const body = text.replace(/```[\s\S]*?```/g, '');
  for (const [, heading] of body.matchAll(/^#{1,6} (.+)$/gm)) {
    const slug = heading!
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    result.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return result;
}

/** The relative links of a page (outside code blocks): [text](target). */
function links(text: string): string[] {
  const body = text.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...body.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((match) => match[1]!)
    .filter((target) => !/^[a-z]+:/.test(target));
}

test.each(PAGES)('%s links only to files and headings that exist', (page) => {
  const text = readFileSync(join(ROOT, page), 'utf8');
  const broken: string[] = [];
  for (const target of links(text)) {
    const [path, anchor] = target.split('#') as [string, string | undefined];
    const file = path === '' ? join(ROOT, page) : join(ROOT, dirname(page), path);
    if (!existsSync(file)) {
      broken.push(`${target}: no file ${relative(ROOT, file)}`);
      continue;
    }
    if (anchor !== undefined && file.endsWith('.md') && !anchors(readFileSync(file, 'utf8')).has(anchor)) {
      broken.push(`${target}: no heading #${anchor} in ${relative(ROOT, file)}`);
    }
  }
  expect(broken).toEqual([]);
});
