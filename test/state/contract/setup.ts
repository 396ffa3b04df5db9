// test/state/contract/setup.ts
// Shared pieces of the GuardStore contract: the store factory types, order and policy builders, and the per-suite store.

import { evaluate } from '../../../src/core/evaluate';
import type { Order } from '../../../src/core/order';
import { OrderParser } from '../../../src/core/order-parser';
import { type Policy, type PolicyInput, parsePolicy } from '../../../src/core/policy';
import { ReviewWorkflow } from '../../../src/engine/review';
import type { GuardStore } from '../../../src/ports/store';
import { order } from '../../helpers/orders';

/** A store under test, and how to make its write-behind visible. */
export interface StoreUnderTest {
  store: GuardStore;
  /** Writes anything buffered (a no-op for stores without write-behind). */
  flush(): Promise<void>;
}

/** Makes a fresh, empty store; `close` releases it. */
export interface StoreFactory {
  make(): Promise<StoreUnderTest>;
  /** A second view of the same shared state (another instance), when the store is shared; else undefined. */
  twin?(of: StoreUnderTest): Promise<StoreUnderTest>;
  close(): Promise<void>;
}

const parser = new OrderParser();
export const T0 = Date.UTC(2026, 10, 11, 1, 0, 0);

export function parsed(input: Parameters<typeof order>[0]): Order {
  const result = parser.parse(order(input));
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.order;
}

export function policyOf(input: PolicyInput = {}): Policy {
  return parsePolicy(input);
}

/** Runs prepare, evaluate, then hold or commit, as the Guard does. */
export async function submit(store: GuardStore, policy: Policy, input: Order, now: number) {
  const facts = await store.prepare(input, policy, now);
  const evaluation = evaluate(input, policy, facts, now);
  if (evaluation.decision.decision === 'hold') {
    const { held, created } = await store.hold(input, evaluation, policy, now);
    return { facts, evaluation, held, created };
  }
  await store.commit(input, evaluation, policy, now);
  return { facts, evaluation, held: undefined, created: false };
}

/** What each contract module reads: the factory, and the store made fresh for each test (valid inside tests and hooks). */
export interface ContractSuite {
  readonly context: StoreFactory;
  readonly subject: StoreUnderTest;
  readonly store: GuardStore;
  /** The review workflow over that store: decisions with their consequences, audited controls. */
  readonly review: ReviewWorkflow;
}

/** Registers the hooks that make a fresh store for each test; call it once inside the describe block per store. */
export function storeSuite(factory: () => StoreFactory): ContractSuite {
  let context: StoreFactory;
  let subject: StoreUnderTest;
  let store: GuardStore;

  beforeAll(() => {
    context = factory();
  });
  beforeEach(async () => {
    subject = await context.make();
    store = subject.store;
  });
  afterEach(async () => {
    await store.shutdown?.();
  });
  afterAll(async () => {
    await context.close();
  });

  return {
    get context() {
      return context;
    },
    get subject() {
      return subject;
    },
    get store() {
      return store;
    },
    get review() {
      return new ReviewWorkflow(store);
    },
  };
}
