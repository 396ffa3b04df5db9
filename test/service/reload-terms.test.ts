// test/service/reload-terms.test.ts
// A reload says what it adds, changes and removes (logged, counted), and one that removes most terms is refused:
// the real service process on real Redis, reloaded with SIGHUP; the bounds of the log line in process.

import pino from 'pino';
import { parseConfig } from '../../src/config/service';
import type { PolicyInput } from '../../src/core/policy';
import { createService } from '../../src/service/service';
import { MemoryStore } from '../../src/state/memory/store';
import { Harness, idrOrder } from '../adversarial/harness';

const harness = new Harness();

/** The running policy: a floor, a SKU cap, a campaign, a bank voucher limited to one use per customer, a price. */
const POLICY: PolicyInput = {
  floors: { 'MJ-TOTE-TIGER': { IDR: 3_000_000 }, SCARF: { IDR: 100_000 } },
  discountCaps: { skus: { SHOE: 5000 } },
  campaigns: [
    {
      id: 'payday',
      startsAt: '2026-01-25T00:00:00+07:00',
      endsAt: '2026-01-28T00:00:00+07:00',
      skus: ['SHOE'],
      lineDiscountCapBp: 7000,
    },
  ],
  vouchers: {
    BANKX100K: { maxUsesPerCustomer: 1, paymentMethods: ['card:bank-x*'], customerSegments: ['bank-x'] },
  },
  catalog: { 'MJ-TOTE-TIGER': { IDR: 4_700_000 } },
};

/** The same policy with `edit` applied to a copy. */
const edited = (edit: (policy: PolicyInput) => void): PolicyInput => {
  const copy = structuredClone(POLICY);
  edit(copy);
  return copy;
};

/** Writes `config`, sends SIGHUP, and resolves with the first log line after it that `match` accepts. */
async function reload(config: object, match: RegExp) {
  harness.writeConfig({ service: { storeTimeoutMs: 10_000 }, ...config });
  const seen = harness.service.logs.length;
  harness.service.child.kill('SIGHUP');
  return harness.service.waitForLog(
    (line) => harness.service.logs.indexOf(line) >= seen && match.test(line.msg),
    20_000,
  );
}

/** An order under the tote's floor (and above half its list price): held while the floor is in force. */
const underFloor = () =>
  idrOrder({ lines: [{ sku: 'MJ-TOTE-TIGER', quantity: 1, unitPrice: 4_700_000, discount: 2_000_000 }] });

const terms = (name: string, labels: Record<string, string>) => harness.metric(name, labels);

beforeAll(() => harness.start(POLICY), 60_000);
afterAll(() => harness.close());

test('every term series starts at 0', async () => {
  expect(await terms('policy_reloads_total', { result: 'refused' })).toBe(0);
  const { text } = await harness.raw('GET', '/metrics');
  expect(text).toContain(
    'checkout_price_guard_policy_terms_changed_total{change="removed",kind="voucher_terms"} 0',
  );
});

test('a half-written file that lost a per-customer voucher limit is applied with the term named at warn, and counted', async () => {
  // The field case: one customer's orders with the bank voucher. Under the limit, the second one is held.
  const bankOrder = () =>
    idrOrder({
      customerId: 'cus-bankx-1',
      customerSegments: ['bank-x'],
      paymentMethod: 'card:bank-x-visa',
      lines: [{ sku: 'SCARF', quantity: 1, unitPrice: 300_000, discount: 0 }],
      vouchers: [{ code: 'BANKX100K', discount: 100_000 }],
    });
  expect((await harness.evaluate(bankOrder())).body.decision).toBe('allow');
  expect((await harness.evaluate(bankOrder())).body).toMatchObject({
    decision: 'hold',
    reasons: [expect.objectContaining({ rule: 'voucher_budget' })],
  });
  const half = edited((policy) => {
    delete policy.vouchers!.BANKX100K!.maxUsesPerCustomer;
  });
  const line = await reload({ policy: half }, /^config reload (removed|changed)/);
  expect(line.level).toBe(40);
  expect(line.msg).toBe('config reload removed policy terms');
  expect(line).toMatchObject({
    removed: 1,
    changed: 0,
    added: 0,
    counts: { voucher_terms: { removed: 1 } },
    terms: [
      {
        term: 'vouchers.BANKX100K.maxUsesPerCustomer',
        kind: 'voucher_terms',
        change: 'removed',
        before: 1,
      },
    ],
  });
  expect(await terms('policy_terms_changed_total', { change: 'removed', kind: 'voucher_terms' })).toBe(1);
  expect(await terms('policy_reloads_total', { result: 'applied' })).toBe(1);
  // What the warning is about: the same customer's next orders go through.
  expect((await harness.evaluate(bankOrder())).body.decision).toBe('allow');
  // Put back: an addition, logged at info.
  const back = await reload({ policy: POLICY }, /^config reload (removed|changed)/);
  expect(back).toMatchObject({
    level: 30,
    msg: 'config reload changed policy terms',
    added: 1,
    removed: 0,
    terms: [{ term: 'vouchers.BANKX100K.maxUsesPerCustomer', change: 'added', after: 1 }],
  });
  expect(await terms('policy_terms_changed_total', { change: 'added', kind: 'voucher_terms' })).toBe(1);
}, 60_000);

test('a file that removes most terms is refused at error with what it would remove; confirmRemovals applies it', async () => {
  expect((await harness.evaluate(underFloor())).body.decision).toBe('hold');
  // Only the scarf's floor and the catalog survive the copy: 2 of the running policy's 14 listed terms.
  const truncated = { floors: { SCARF: { IDR: 100_000 } }, catalog: POLICY.catalog };
  const refused = await reload({ policy: truncated }, /^config reload (refused|removed|changed)/);
  expect(refused).toMatchObject({ level: 50, refused: 'most_terms_removed', removed: 12 });
  expect(refused.msg).toMatch(
    /^config reload refused: the file removes 12 of the running policy's 14 floors, caps, campaigns, voucher terms, exceptions, custom rules and catalog entries \(more than half.*"confirmRemovals: true"/,
  );
  expect((refused.terms as Array<{ term: string }>).map((term) => term.term)).toEqual(
    expect.arrayContaining([
      'floors.MJ-TOTE-TIGER.IDR',
      'discountCaps.skus.SHOE',
      'campaigns.payday.lineDiscountCapBp',
      'vouchers.BANKX100K.maxUsesPerCustomer',
    ]),
  );
  expect(await terms('policy_reloads_total', { result: 'refused' })).toBe(1);
  // The running policy stays in force: the tote's floor still holds.
  expect((await harness.evaluate(underFloor())).body.decision).toBe('hold');

  const applied = await reload(
    { policy: truncated, confirmRemovals: true },
    /^config reload (refused|removed)/,
  );
  expect(applied).toMatchObject({ level: 40, msg: 'config reload removed policy terms', removed: 12 });
  const after = (await harness.evaluate(underFloor())).body;
  expect(after.reasons).toEqual([]);
  expect(after.decision).toBe('allow');
  expect(await terms('policy_terms_changed_total', { change: 'removed', kind: 'floors' })).toBe(1);
  expect(await terms('policy_reloads_total', { result: 'applied' })).toBe(3);
}, 60_000);

test('a reload that only adds is logged at info with its terms; an invalid file is counted', async () => {
  const line = await reload({ policy: POLICY }, /^config reload (refused|removed|changed)/);
  expect(line).toMatchObject({
    level: 30,
    msg: 'config reload changed policy terms',
    removed: 0,
    changed: 0,
  });
  expect(line.added).toBe(12);
  expect(line.counts).toEqual({
    floors: { added: 1 },
    caps: { added: 1 },
    campaigns: { added: 6 },
    voucher_terms: { added: 4 },
  });
  expect((await harness.evaluate(underFloor())).body.decision).toBe('hold');

  await reload({ policy: { floors: { BAG: { IDR: -1 } } } }, /^config reload rejected/);
  expect(await terms('policy_reloads_total', { result: 'invalid' })).toBe(1);
}, 60_000);

test('a file that changes the unit of amounts is refused: only a restart changes it', async () => {
  const before = await terms('policy_reloads_total', { result: 'refused' });
  // The same policy, rewritten by someone who now counts IDR in sen (ISO 4217's two digits).
  const line = await reload(
    { policy: POLICY, currencies: { IDR: { exponent: 2 } } },
    /^config reload (refused|removed|changed)/,
  );
  expect(line).toMatchObject({ level: 50, refused: 'currencies_changed' });
  expect(line.msg).toBe(
    'config reload refused: the file changes the unit of amounts (currencies: IDR exponent default -> 2), which ' +
      'only a restart changes: the running policy, its history and its holds are in the running unit; the ' +
      'previous policy stays in force. To change the unit, restart the service with the file.',
  );
  expect(await terms('policy_reloads_total', { result: 'refused' })).toBe(before + 1);
  // Amounts are still read in whole rupiah, and the running floor still holds.
  const decision = (await harness.evaluate(underFloor())).body;
  expect(decision.amounts).toEqual({ currency: 'IDR', exponent: 0 });
  expect(decision.decision).toBe('hold');
}, 60_000);

describe('the reload log line in process', () => {
  /** A service whose JSON log lines are kept, on a MemoryStore. */
  function logged(policy: PolicyInput) {
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino(
      { level: 'info' },
      { write: (text: string) => lines.push(JSON.parse(text) as Record<string, unknown>) },
    );
    const config = (data: PolicyInput, extra: object = {}) =>
      parseConfig({ policy: data, ...extra, service: { logLevel: 'silent' } }, 'terms.yaml', {});
    const service = createService(config(policy), { logger, store: new MemoryStore() });
    return { lines, service, config };
  }

  test('names the first 50 terms, removals first, says how many are not shown, and cuts a long value', async () => {
    const floors = Object.fromEntries(Array.from({ length: 60 }, (_, n) => [`SKU-${n}`, { IDR: 1000 + n }]));
    const customerIds = Array.from({ length: 100 }, (_, n) => `customer-${n}`);
    // Running: the staff code and three of the floors; the new file drops the code and adds 57 floors.
    const three = Object.fromEntries(Object.entries(floors).slice(0, 3));
    const { lines, service, config } = logged({ vouchers: { STAFF: { customerIds } }, floors: three });
    try {
      await service.whenReady();
      expect(service.reload(config({ floors }))).toBe(true);
      const line = lines.find((entry) => entry.msg === 'config reload removed policy terms')!;
      expect(line).toMatchObject({ level: 40, removed: 2, added: 57, changed: 0, termsNotShown: 9 });
      const terms = line.terms as Array<{ term: string; change: string; before?: unknown }>;
      expect(terms).toHaveLength(50);
      expect(terms.slice(0, 2).map((term) => [term.term, term.change])).toEqual([
        ['vouchers.STAFF', 'removed'],
        ['vouchers.STAFF.customerIds', 'removed'],
      ]);
      expect(terms[1]!.before).toMatch(/^\["customer-0","customer-1",.*\.\.\. \(cut\)$/);
      expect(String(terms[1]!.before).length).toBeLessThan(220);
      expect(line.counts).toEqual({ floors: { added: 57 }, voucher_terms: { removed: 2 } });
      // The same file again changes nothing, and says so.
      expect(service.reload(config({ floors }))).toBe(true);
      expect(lines.at(-1)).toMatchObject({ level: 30, msg: 'config reloaded' });
      expect(lines.filter((entry) => entry.msg === 'config reload changed no policy term')).toHaveLength(1);
    } finally {
      await service.close();
    }
  });

  test('an empty policy confirmed with confirmEmpty needs no confirmRemovals', async () => {
    const { lines, service, config } = logged({ floors: { TOTE: { IDR: 1 } } });
    try {
      await service.whenReady();
      expect(service.reload(config({}))).toBe(false);
      expect(lines.at(-1)).toMatchObject({ level: 50, refused: 'empty_policy', removed: 1 });
      expect(service.reload(config({}, { confirmEmpty: true }))).toBe(true);
      expect(lines.find((entry) => entry.msg === 'config reload removed policy terms')).toMatchObject({
        terms: [{ term: 'floors.TOTE.IDR', before: 1 }],
      });
    } finally {
      await service.close();
    }
  });
});
