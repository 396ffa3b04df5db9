// tools/scenarios/index.ts
// Seeded, deterministic synthetic order streams (the generator lives in ./scenarios/): what other modules import.

// The fixed facts tests and policies refer to.
export {
  DAYS,
  GENERAL,
  HARBOLNAS,
  LEAKED_VOUCHER,
  MISPRICED_PRICE,
  MISPRICED_SKU,
  REGULAR_VOUCHERS,
} from './constants';
// The generator, its options and the writer the `scenarios` command uses.
export {
  GENERAL_INCIDENTS,
  GENERAL_KINDS,
  SCENARIO_NAMES,
  ScenarioGenerator,
  type ScenarioName,
  toNdjson,
  writeScenarios,
} from './generator';
// Which SKU the unannounced markdown strikes, and when (tests check recovery against it).
export { markdownPlan } from './kinds/markdown';
export { leakPlan } from './kinds/open-code-leak';
// The line type of a replay file the generator writes.
export type { ScenarioOrder } from './orders';
// The seeded PRNG (property-tested to stay in [0, 1)).
export { prng } from './random';
// The synthetic shop the kinds draw from, and the generator's options.
export { type ScenarioOptions, World } from './world';
