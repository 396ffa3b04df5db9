// test/review/responses.test.ts
// Held orders as the review API presents them: identifiers in sentences as the order spells them.

import { parsePolicy } from '../../src/core/policy';
import type { HeldOrder } from '../../src/ports/store';
import { presentHold } from '../../src/review/responses';
import { MemoryStore } from '../../src/state/memory/store';
import { line } from '../helpers/orders';
import { parsed, submit, T0 } from '../state/contract/setup';

/** GAJIAN50 is for BNI cards only; this order pays by e-wallet, with a line listed at 0, spelled in lower case. */
async function heldOrder(spelling: { paymentMethod: string; sku: string; code: string }): Promise<HeldOrder> {
  const policy = parsePolicy({ vouchers: { GAJIAN50: { paymentMethods: ['card:bni*'] } } });
  const input = parsed({
    orderId: 'pay-01',
    paymentMethod: spelling.paymentMethod,
    lines: [line(spelling.sku, 0), line('SKU-MJ-TOTE', 100_000)],
    vouchers: [{ code: spelling.code, discount: 10_000 }],
  });
  const { held } = await submit(new MemoryStore(), policy, input, T0);
  if (held === undefined) throw new Error('the order was not held');
  return held;
}

/** The held order with one more reason whose message is `message` (for the cases no rule words). */
function withReason(held: HeldOrder, message: string): HeldOrder {
  const reason = { ...held.decision.reasons[0]!, message };
  return { ...held, decision: { ...held.decision, reasons: [reason] } };
}

describe('presentHold', () => {
  it('writes the payment method and a SKU in reasons as the order spells them, the pattern and the record canonical', async () => {
    const held = await heldOrder({ paymentMethod: 'ewallet:ovo', sku: 'mj-tote', code: 'gajian50' });
    const shown = presentHold(held);
    const messages = shown.display.reasons.map((reason) => reason.message);
    expect(messages).toContain(
      'Voucher gajian50 is only for payment by CARD:BNI*; this order pays by ewallet:ovo.',
    );
    expect(messages.find((message) => message.startsWith('Line 1 '))).toMatch(
      /^Line 1 \(mj-tote\) is listed at /,
    );
    // What judges, groups and filters stays canonical.
    expect(held.decision.reasons.map((reason) => reason.message)).toContain(
      'Voucher GAJIAN50 is only for payment by CARD:BNI*; this order pays by EWALLET:OVO.',
    );
    expect(held.order.paymentMethod).toBe('EWALLET:OVO');
    expect(held.skus).toEqual(expect.arrayContaining(['MJ-TOTE']));
    const free = shown.decision.reasons.findIndex((reason) => reason.sku === 'MJ-TOTE');
    expect(free).toBeGreaterThanOrEqual(0);
    expect(shown.display.reasons[free]!.sku).toBe('mj-tote');
    // The detail: the spelling beside the canonical form the order keeps.
    expect(shown.display.paymentMethod).toBe('ewallet:ovo');
    expect(shown.display.lines.map((orderLine) => orderLine.sku)).toEqual(['mj-tote', 'SKU-MJ-TOTE']);
    expect(shown.display.vouchers[0]!.code).toBe('gajian50');
  });

  it('leaves an order spelled canonically as the rules wrote it', async () => {
    const held = await heldOrder({ paymentMethod: 'EWALLET:OVO', sku: 'MJ-TOTE', code: 'GAJIAN50' });
    const shown = presentHold(held);
    expect(shown.display.reasons.map((reason) => reason.message)).toEqual(
      held.decision.reasons.map((reason) => reason.message),
    );
    expect(shown.display.paymentMethod).toBe('EWALLET:OVO');
    expect(shown.display.lines[0]!.sku).toBe('MJ-TOTE');
  });

  it('never rewrites a SKU or payment method inside a longer identifier or a policy pattern', async () => {
    const held = await heldOrder({ paymentMethod: 'card:bni', sku: 'mj-tote', code: 'GAJIAN50' });
    const message = (text: string) => presentHold(withReason(held, text)).display.reasons[0]!.message;
    // Whole identifiers, at the start, after a space or bracket, before punctuation or the end.
    expect(message('MJ-TOTE has no price; paid by CARD:BNI.')).toBe(
      'mj-tote has no price; paid by card:bni.',
    );
    expect(message('Line 1 (MJ-TOTE), "CARD:BNI"')).toBe('Line 1 (mj-tote), "card:bni"');
    // Longer identifiers and patterns that contain them stay as written.
    expect(message('SKU-MJ-TOTE and MJ-TOTE-2 and MJ-TOTE.V2 and XMJ-TOTE')).toBe(
      'SKU-MJ-TOTE and MJ-TOTE-2 and MJ-TOTE.V2 and XMJ-TOTE',
    );
    expect(message('only for CARD:BNI*, CARD:BNI-VISA or CARD:BNI:DEBIT')).toBe(
      'only for CARD:BNI*, CARD:BNI-VISA or CARD:BNI:DEBIT',
    );
    expect(message('by PAY:CARD:BNI')).toBe('by PAY:CARD:BNI');
  });

  it('shows a spelling that differs only in surrounding white space as the canonical form', async () => {
    const held = await heldOrder({ paymentMethod: ' EWALLET:OVO\t', sku: ' MJ-TOTE ', code: 'GAJIAN50' });
    expect(held.order.paymentMethodEntered).toBe(' EWALLET:OVO\t');
    const shown = presentHold(held);
    expect(shown.display.paymentMethod).toBe('EWALLET:OVO');
    expect(shown.display.lines[0]!.sku).toBe('MJ-TOTE');
    expect(shown.display.reasons.map((reason) => reason.message)).toEqual(
      held.decision.reasons.map((reason) => reason.message),
    );
  });
});
