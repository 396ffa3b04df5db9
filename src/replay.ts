// src/replay.ts
// `checkout-price-guard/replay`: backtest a policy on past orders (NDJSON) on their own clock, before it holds any.

export type {
  ClassReport,
  DiffChange,
  DiffExample,
  HeldRef,
  IncidentReport,
  LabelStats,
  LineProblem,
  MoneyHeld,
  PolicyDiff,
  ReplayMapping,
  ReplayOptions,
  ReplayReport,
  ReplayResult,
  ReplayStore,
  ReusedId,
  ReviewSummary,
} from './replay/replay';
export {
  compileMapping,
  formatReport,
  loadMappingFile,
  MappingError,
  ReplayLineError,
  replay,
} from './replay/replay';
