// src/core/preflight/within.ts
// How far preflight looks ahead, as people write it: "7d", "36h", "90m", or "0" for the instant alone.

/** What a bad look-ahead is told. */
export const WITHIN_MESSAGE =
  'must be a duration in days, hours or minutes, such as "7d", "36h" or "90m", or "0" to judge the instant alone';

const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000 } as const;

/** Milliseconds of a look-ahead written as "7d", "36h", "90m" or "0"; undefined when it is not one. */
export function parseWithin(text: string): number | undefined {
  const match = /^(\d{1,6})([dhm])?$/.exec(text.trim());
  if (match === null) return undefined;
  const count = Number(match[1]);
  const unit = match[2] as keyof typeof UNIT_MS | undefined;
  if (unit === undefined) return count === 0 ? 0 : undefined;
  return count * UNIT_MS[unit];
}
