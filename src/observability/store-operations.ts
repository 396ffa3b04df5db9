// src/observability/store-operations.ts
// The store operations metrics may name (the bounded `operation` label), and the mark of an instrumented store.

import type { GuardStore } from '../ports/store';

/** Every GuardStore method, as a mapped record so a new method fails the build until it is listed. */
export const STORE_OPERATION_SET: { [K in keyof GuardStore]-?: true } = {
  init: true,
  bind: true,
  prepare: true,
  hold: true,
  commit: true,
  probe: true,
  getHold: true,
  listHolds: true,
  listGroups: true,
  listIncidents: true,
  claim: true,
  transition: true,
  audit: true,
  auditTrail: true,
  voucherTrip: true,
  listTrips: true,
  queueStats: true,
  releaseUses: true,
  confirmPrices: true,
  clearTrip: true,
  extendTrip: true,
  forgetHistory: true,
  rebaseHistory: true,
  shutdown: true,
};

/** Values of the `operation` label (GuardStore method names), besides `other`. */
export const STORE_OPERATIONS = Object.freeze(Object.keys(STORE_OPERATION_SET) as Array<keyof GuardStore>);

/** Marks a store wrapped by instrumentStore, whose calls are already timed. */
export const INSTRUMENTED = Symbol('checkout-price-guard.instrumented');
