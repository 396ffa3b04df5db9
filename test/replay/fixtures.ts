// test/replay/fixtures.ts
// Shared by the replay-*.test.ts suites: minute timestamps, NDJSON rows, the examples folder and the default policy.

import { join } from 'node:path';
import { parsePolicy } from '../../src/core/policy';

export const at = (minute: number) => new Date(Date.UTC(2026, 10, 10, 3, minute)).toISOString();
export const ndjson = (rows: object[]) => rows.map((row) => JSON.stringify(row));
export const EXAMPLES = join(__dirname, '..', '..', 'examples');
export const defaults = parsePolicy({});
