// src/core/custom/context.ts
// What a custom rule reads: the declared fields of `order`, `line` and their vouchers, and the values built for one order.

import { type Facts, historyKey } from '../facts';
import { ratioBp } from '../money';
import type { Order } from '../order';

/** How a field's value is shown in a message: money in the order's currency, a percentage, or as it is. */
export type FieldUnit = 'money' | 'bp' | 'count' | 'text' | 'flag' | 'list';

/** One field of the context: its CEL type, how it is shown, whether it may be absent, and what it means. */
export interface FieldSpec {
  /** The CEL type: `int` (an exact integer), `string`, `bool`, or a list. */
  type: 'int' | 'string' | 'bool' | 'list<string>' | 'list<Line>' | 'list<Voucher>';
  unit: FieldUnit;
  /** Absent where the guard does not know it (no declared price, no history): test with `has(...)`. */
  optional?: true;
  /** One line for the reference (docs/policy.md lists every field; a test holds the two together). */
  doc: string;
}

/** The fields of `order`. */
export const ORDER_FIELDS = {
  orderId: { type: 'string', unit: 'text', doc: 'The order id, as sent (trimmed).' },
  currency: { type: 'string', unit: 'text', doc: 'ISO 4217 code, e.g. `"IDR"`.' },
  customerId: { type: 'string', unit: 'text', doc: 'The customer id; `""` for a guest.' },
  segments: {
    type: 'list<string>',
    unit: 'list',
    doc: 'The customer segments, upper case (`"NEW"`, `"VIP"`).',
  },
  paymentMethod: {
    type: 'string',
    unit: 'text',
    doc: 'The payment method, upper case (`"COD"`, `"CARD:BCA-DEBIT"`); `""` when none was sent.',
  },
  vouchers: { type: 'list<Voucher>', unit: 'list', doc: 'The vouchers applied, in order (fields below).' },
  codes: {
    type: 'list<string>',
    unit: 'list',
    doc: 'The voucher codes applied, canonical (upper case, no spaces).',
  },
  lines: { type: 'list<Line>', unit: 'list', doc: 'The order lines (fields below).' },
  lineCount: { type: 'int', unit: 'count', doc: 'How many lines the order has.' },
  units: { type: 'int', unit: 'count', doc: 'Units in all: the sum of the lines’ quantities.' },
  listValue: { type: 'int', unit: 'money', doc: 'The sum of unit price × quantity over the lines.' },
  lineDiscounts: { type: 'int', unit: 'money', doc: 'The sum of the lines’ own discounts.' },
  subtotal: { type: 'int', unit: 'money', doc: '`listValue - lineDiscounts`: what vouchers apply to.' },
  voucherDiscounts: { type: 'int', unit: 'money', doc: 'The sum of the vouchers’ discounts.' },
  discounts: { type: 'int', unit: 'money', doc: '`lineDiscounts + voucherDiscounts`.' },
  discountBp: {
    type: 'int',
    unit: 'bp',
    doc: '`discounts` as a share of `listValue`, rounded down (0 when `listValue` is 0).',
  },
  shipping: { type: 'int', unit: 'money', doc: 'The shipping fee.' },
  shippingDiscount: { type: 'int', unit: 'money', doc: 'What is taken off the shipping fee.' },
  tax: { type: 'int', unit: 'money', doc: 'The tax.' },
  total: { type: 'int', unit: 'money', doc: 'The total the shopper is charged, as sent.' },
  expectedTotal: {
    type: 'int',
    unit: 'money',
    doc: '`subtotal - voucherDiscounts + shipping - shippingDiscount + tax`: what `total` should be.',
  },
} as const satisfies Record<string, FieldSpec>;

/** The fields of `line` (line scope) and of each element of `order.lines`. */
export const LINE_FIELDS = {
  index: { type: 'int', unit: 'count', doc: 'The line’s position in `order.lines`, from 0.' },
  number: { type: 'int', unit: 'count', doc: '`index + 1`: the line’s number as reasons and people say it.' },
  sku: { type: 'string', unit: 'text', doc: 'The SKU, upper case.' },
  category: { type: 'string', unit: 'text', doc: 'The category, upper case; `""` when none was sent.' },
  quantity: { type: 'int', unit: 'count', doc: 'Units on the line.' },
  unitPrice: { type: 'int', unit: 'money', doc: 'The unit (list) price sent with the order.' },
  listValue: { type: 'int', unit: 'money', doc: '`unitPrice × quantity`.' },
  discount: { type: 'int', unit: 'money', doc: 'The line’s own discount.' },
  voucherShare: {
    type: 'int',
    unit: 'money',
    doc: 'The line’s share of the order’s voucher discounts, spread over the lines in proportion to what they pay.',
  },
  paid: {
    type: 'int',
    unit: 'money',
    doc: '`listValue - discount - voucherShare`: what the line really pays.',
  },
  paidUnitPrice: {
    type: 'int',
    unit: 'money',
    doc: '`paid / quantity`, rounded down: the unit price paid after the line’s share of the vouchers.',
  },
  discountBp: {
    type: 'int',
    unit: 'bp',
    doc: '`listValue - paid` as a share of `listValue`, rounded down (0 when `listValue` is 0).',
  },
  declaredPrice: {
    type: 'int',
    unit: 'money',
    optional: true,
    doc: 'The declared list price of the SKU at the order’s time (`catalog` or a price change in force).',
  },
  recentMedian: {
    type: 'int',
    unit: 'money',
    optional: true,
    doc: 'The median unit price paid for the SKU in recent orders in this currency; absent without samples.',
  },
  recentSamples: {
    type: 'int',
    unit: 'count',
    optional: true,
    doc: 'How many recent orders `recentMedian` is over (0 for a new SKU); absent while the store is unavailable.',
  },
  floor: {
    type: 'int',
    unit: 'money',
    optional: true,
    doc: 'The unit price `below_floor` holds under (the stricter of the absolute and relative floors that apply).',
  },
  campaign: {
    type: 'string',
    unit: 'text',
    optional: true,
    doc: 'The id of the active campaign covering the line.',
  },
} as const satisfies Record<string, FieldSpec>;

/** The fields of each element of `order.vouchers`. */
export const VOUCHER_FIELDS = {
  code: { type: 'string', unit: 'text', doc: 'The code, canonical (upper case, no spaces).' },
  discount: { type: 'int', unit: 'money', doc: 'The discount the order claims for it.' },
  declared: { type: 'bool', unit: 'flag', doc: 'Whether the policy has terms for the code (`vouchers`).' },
  tripped: {
    type: 'bool',
    unit: 'flag',
    optional: true,
    doc: 'Whether the code is suspended after a redemption surge; absent while the store is unavailable.',
  },
  recentUses: {
    type: 'int',
    unit: 'count',
    optional: true,
    doc: 'Redemption attempts in the shortest velocity window, this order’s included; absent for an untracked code.',
  },
  uses: {
    type: 'int',
    unit: 'count',
    optional: true,
    doc: 'Uses reserved so far, this order’s included; only for a code with `maxUses`.',
  },
  budgetUsed: {
    type: 'int',
    unit: 'money',
    optional: true,
    doc: 'Discount the code granted in its budget window before this order; only for a code with a `budget`.',
  },
} as const satisfies Record<string, FieldSpec>;

/** The variables an expression may name, by scope. `now` is the time of the check. */
export const VARIABLES = {
  order: 'Order',
  line: 'Line',
  now: 'google.protobuf.Timestamp',
} as const;

const big = (value: number) => BigInt(value);

/** A line's derived amounts, as the totals give them (the fields of `LineView` a rule reads). */
export interface LineFigures {
  index: number;
  sku: string;
  category: string | undefined;
  quantity: number;
  unitPrice: number;
  listValue: number;
  discount: number;
  voucherShare: number;
  netPaid: number;
  reference: number | undefined;
  campaign: { id: string } | undefined;
}

/** What the policy says about a line or a code, for the facts that depend on it. */
export interface PolicyFacts {
  /** The unit price `below_floor` holds under, or undefined when no floor applies. */
  floor(line: LineFigures): number | undefined;
  /** Whether the policy has terms for the code. */
  declared(code: string): boolean;
}

/** Everything a context value is built from: one evaluation's order, totals and facts, and the policy's answers. */
export interface ContextSource {
  order: Order;
  totals: {
    lines: readonly LineFigures[];
    listValue: number;
    lineDiscounts: number;
    voucherDiscounts: number;
    subtotal: number;
    expectedTotal: number;
  };
  facts: Facts;
  policy: PolicyFacts;
}

/**
 * A line as a rule sees it. The plain amounts are converted to CEL integers when read; the facts are looked up
 * when read (a rule that never names `line.floor` never computes it), and are `undefined` where unknown, which
 * CEL's `has(line.floor)` tests.
 */
export class CelLine {
  constructor(
    private readonly view: LineFigures,
    private readonly source: ContextSource,
  ) {}
  get index() {
    return big(this.view.index);
  }
  get number() {
    return big(this.view.index + 1);
  }
  get sku() {
    return this.view.sku;
  }
  get category() {
    return this.view.category ?? '';
  }
  get quantity() {
    return big(this.view.quantity);
  }
  get unitPrice() {
    return big(this.view.unitPrice);
  }
  get listValue() {
    return big(this.view.listValue);
  }
  get discount() {
    return big(this.view.discount);
  }
  get voucherShare() {
    return big(this.view.voucherShare);
  }
  get paid() {
    return big(this.view.netPaid);
  }
  get paidUnitPrice() {
    return big(Math.floor(this.view.netPaid / this.view.quantity));
  }
  get discountBp() {
    return big(ratioBp(this.view.listValue - this.view.netPaid, this.view.listValue));
  }
  get declaredPrice() {
    return this.view.reference === undefined ? undefined : big(this.view.reference);
  }
  get recentMedian() {
    const history = this.history();
    return history === undefined || history.samples === 0 ? undefined : big(history.median);
  }
  get recentSamples() {
    if (this.source.facts.unavailable.has('history')) return undefined;
    return big(this.history()?.samples ?? 0);
  }
  get floor() {
    const floor = this.source.policy.floor(this.view);
    return floor === undefined ? undefined : big(floor);
  }
  get campaign() {
    return this.view.campaign?.id;
  }
  private history() {
    const { facts, order } = this.source;
    if (facts.unavailable.has('history')) return undefined;
    return facts.history.get(historyKey(this.view.sku, order.currency));
  }
}

/** A voucher of the order as a rule sees it, with what the store knows of the code. */
export class CelVoucher {
  constructor(
    private readonly voucher: Order['vouchers'][number],
    private readonly source: ContextSource,
  ) {}
  get code() {
    return this.voucher.code;
  }
  get discount() {
    return big(this.voucher.discount);
  }
  get declared() {
    return this.source.policy.declared(this.voucher.code);
  }
  get tripped() {
    if (this.source.facts.unavailable.has('vouchers')) return undefined;
    return this.state()?.trippedAt !== undefined;
  }
  get recentUses() {
    const count = this.state()?.windows[0]?.count;
    return count === undefined ? undefined : big(count);
  }
  get uses() {
    const uses = this.state()?.uses;
    return uses === undefined ? undefined : big(uses);
  }
  get budgetUsed() {
    const used = this.state()?.budgetUsed;
    return used === undefined ? undefined : big(used);
  }
  private state() {
    const { facts } = this.source;
    return facts.unavailable.has('vouchers') ? undefined : facts.vouchers.get(this.voucher.code);
  }
}

/** The order as a rule sees it; its lines and vouchers are built once, when first read. */
export class CelOrder {
  private builtLines: CelLine[] | undefined;
  private builtVouchers: CelVoucher[] | undefined;
  constructor(private readonly source: ContextSource) {}
  get orderId() {
    return this.source.order.orderId;
  }
  get currency() {
    return this.source.order.currency;
  }
  get customerId() {
    return this.source.order.customerId;
  }
  get segments() {
    return this.source.order.customerSegments;
  }
  get paymentMethod() {
    return this.source.order.paymentMethod;
  }
  get vouchers() {
    this.builtVouchers ??= this.source.order.vouchers.map((voucher) => new CelVoucher(voucher, this.source));
    return this.builtVouchers;
  }
  get codes() {
    return this.source.order.vouchers.map((voucher) => voucher.code);
  }
  get lines() {
    return this.lineList();
  }
  get lineCount() {
    return big(this.source.order.lines.length);
  }
  get units() {
    let units = 0;
    for (const line of this.source.order.lines) units += line.quantity;
    return big(units);
  }
  get listValue() {
    return big(this.source.totals.listValue);
  }
  get lineDiscounts() {
    return big(this.source.totals.lineDiscounts);
  }
  get subtotal() {
    return big(this.source.totals.subtotal);
  }
  get voucherDiscounts() {
    return big(this.source.totals.voucherDiscounts);
  }
  get discounts() {
    const { totals } = this.source;
    return big(totals.lineDiscounts) + big(totals.voucherDiscounts);
  }
  get discountBp() {
    const { totals } = this.source;
    return big(ratioBp(totals.lineDiscounts + totals.voucherDiscounts, totals.listValue));
  }
  get shipping() {
    return big(this.source.order.shipping);
  }
  get shippingDiscount() {
    return big(this.source.order.shippingDiscount);
  }
  get tax() {
    return big(this.source.order.tax);
  }
  get total() {
    return big(this.source.order.total);
  }
  get expectedTotal() {
    return big(this.source.totals.expectedTotal);
  }
  /** The lines as rules see them (built once per evaluation, shared by `order.lines` and line scope). */
  lineList(): CelLine[] {
    this.builtLines ??= this.source.totals.lines.map((view) => new CelLine(view, this.source));
    return this.builtLines;
  }
}
