// test/state/store-contract.ts
// The behaviour every GuardStore must have, as one suite run against each store (see store-contract.test.ts).

import { bindingsContract } from './contract/bindings';
import { historyContract } from './contract/history';
import { holdsContract } from './contract/holds';
import { incidentsContract } from './contract/incidents';
import { queueListsContract } from './contract/queue-lists';
import { reviewContract } from './contract/review';
import { type StoreFactory, storeSuite } from './contract/setup';
import { vouchersContract } from './contract/vouchers';

export type { StoreFactory, StoreUnderTest } from './contract/setup';

/** The shared behavioural suite; call it inside a describe block per store. */
export function storeContract(factory: () => StoreFactory): void {
  const suite = storeSuite(factory);
  historyContract(suite);
  vouchersContract(suite);
  holdsContract(suite);
  queueListsContract(suite);
  incidentsContract(suite);
  bindingsContract(suite);
  reviewContract(suite);
}
