// src/config/document.ts
// Reads a JSON or YAML document from a file (YAML by extension), turning every failure into one precise problem.

import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { Problem } from '../core/problems';

/** The document in a file, or the one problem that stopped it being read. */
export type DocumentResult = { ok: true; data: unknown; text: string } | { ok: false; problem: Problem };

/** True when the path names a YAML file (`.yaml` or `.yml`); anything else is read as JSON. */
export function isYamlPath(path: string): boolean {
  return /\.ya?ml$/i.test(path);
}

/** Reads and parses `path`; never throws. */
export function readDocument(path: string): DocumentResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return { ok: false, problem: { path: '', message: `cannot read the file: ${(error as Error).message}` } };
  }
  if (text.trim() === '') {
    // An empty file is a mistake (a truncated write, a bad mount), not a request for the defaults.
    return { ok: false, problem: { path: '', message: 'the file is empty' } };
  }
  const yaml = isYamlPath(path);
  try {
    return { ok: true, data: yaml ? parseYaml(text) : JSON.parse(text), text };
  } catch (error) {
    return {
      ok: false,
      problem: { path: '', message: `is not valid ${yaml ? 'YAML' : 'JSON'}: ${(error as Error).message}` },
    };
  }
}
