// src/tools/scenarios.ts
// Seeded, deterministic synthetic order streams (the generator lives in ./scenarios/): what other modules import.

// The fixed facts tests and policies refer to.
export {
  DAYS,
  HARBOLNAS,
  LEAKED_VOUCHER,
  MISPRICED_PRICE,
  MISPRICED_SKU,
  REGULAR_VOUCHERS,
} from './scenarios/constants';
// The generator, its options and the writer the `scenarios` command uses.
export {
  SCENARIO_NAMES,
  ScenarioGenerator,
  type ScenarioName,
  toNdjson,
  writeScenarios,
} from './scenarios/generator';
// The line type of a replay file the generator writes.
export type { ScenarioOrder } from './scenarios/orders';
// The seeded PRNG (property-tested to stay in [0, 1)).
export { prng } from './scenarios/random';
export { type ScenarioOptions, World } from './scenarios/world';
