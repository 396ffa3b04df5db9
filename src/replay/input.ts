// src/replay/input.ts
// Reading one line of a replay file: JSON, the replay fields (timestamp, label, incident), and the order.

import type { Problem } from '../core/problems';

/** The largest label or incident name the report keeps. */
const MAX_NAME = 128;

/** A line read: when the order came in, what it was, and the order itself (every other field of the line). */
export interface ReplayLine {
  at: number;
  /** `glitch`, `legit`, another class name, or undefined when the line has none. */
  label: string | undefined;
  incident: string | undefined;
  order: Record<string, unknown>;
}

/** A malformed line of the replay file: its number (from 1) and every problem with it. */
export class ReplayLineError extends Error {
  readonly code = 'ERR_REPLAY_LINE';
  constructor(
    readonly line: number,
    readonly problems: Problem[],
  ) {
    super(
      `line ${line} is not a valid order:\n${problems.map((problem) => `  - ${problem.path || '(root)'}: ${problem.message}`).join('\n')}`,
    );
    this.name = this.constructor.name;
  }
}

/** The time of a `timestamp` field: ISO 8601 or epoch milliseconds; NaN otherwise. */
function timeOf(timestamp: unknown): number {
  if (typeof timestamp === 'number' && Number.isSafeInteger(timestamp) && timestamp >= 0) return timestamp;
  if (typeof timestamp === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(timestamp)) return Date.parse(timestamp);
  return Number.NaN;
}

/** A label or incident name: a non-empty string of at most 128 characters; null and absent mean none. */
function nameProblem(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.trim() === '' || value.length > MAX_NAME) {
    return `must be a non-empty string of at most ${MAX_NAME} characters, or null; got ${JSON.stringify(value)}`;
  }
  return undefined;
}

/**
 * Reads the replay fields of a row (after any mapping) and returns the order without them, or the problems.
 * Every other field is left to the order parser, which ignores fields it does not know (unless `limits.strict`).
 */
export function splitLine(
  value: unknown,
): { ok: true; line: ReplayLine } | { ok: false; problems: Problem[] } {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return {
      ok: false,
      problems: [{ path: '', message: 'must be a JSON object (an order with a timestamp)' }],
    };
  }
  const { timestamp, label, incident, ...order } = value as Record<string, unknown>;
  const problems: Problem[] = [];
  const at = timeOf(timestamp);
  if (Number.isNaN(at)) {
    problems.push({
      path: 'timestamp',
      message:
        timestamp === undefined
          ? 'is required (ISO 8601 such as 2026-11-11T00:00:00+07:00, or epoch milliseconds)'
          : `must be an ISO 8601 time such as 2026-11-11T00:00:00+07:00 or epoch milliseconds, got ${JSON.stringify(timestamp)}`,
    });
  }
  for (const [path, field] of [
    ['label', label],
    ['incident', incident],
  ] as const) {
    const problem = nameProblem(field);
    if (problem !== undefined) problems.push({ path, message: problem });
  }
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    line: {
      at,
      label: typeof label === 'string' ? label.trim() : undefined,
      incident: typeof incident === 'string' ? incident.trim() : undefined,
      order,
    },
  };
}

/** Parses one line of text as JSON, or says why it is not. */
export function parseJsonLine(
  text: string,
): { ok: true; value: unknown } | { ok: false; problems: Problem[] } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, problems: [{ path: '', message: `is not JSON: ${(error as Error).message}` }] };
  }
}
