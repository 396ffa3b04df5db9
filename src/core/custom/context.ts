// src/core/custom/context.ts
// What a custom rule reads: the declared fields of `order`, `line` and their vouchers, and the values built for one order.

import { type Facts, historyKey, type SkuHistory, type VoucherState } from '../facts';
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
 * A value of the context as JavaScript holds it, before CEL sees it: an int as a number (money and counts are safe
 * integers; a sum beyond 2^53 is a BigInt), a string, a bool, a list, or undefined where the guard does not know it.
 */
export type RawValue =
  | number
  | bigint
  | string
  | boolean
  | readonly string[]
  | readonly CelLine[]
  | readonly CelVoucher[]
  | undefined;

/** How each field of a type is read: its raw value, computed when the field is read. */
type Readers<T, Fields> = { readonly [Field in keyof Fields]: (target: T) => RawValue };

/** `a + b` exactly: a number while the sum is a safe integer, a BigInt beyond. */
function exactSum(a: number, b: number): number | bigint {
  const sum = a + b;
  return Number.isSafeInteger(sum) ? sum : BigInt(a) + BigInt(b);
}

/** A raw value as CEL sees it: an int as an exact BigInt, anything else as it is. */
export const celValue = (value: RawValue) => (typeof value === 'number' ? BigInt(value) : value);

/**
 * Gives a class a getter per field, each returning the field's value as CEL sees it. The CEL library reads these
 * getters; the short cut (guards.ts) reads the raw values through the same readers, so the two never disagree.
 */
function defineFields<T>(type: { prototype: T }, readers: Readers<T, object>): void {
  for (const [field, read] of Object.entries(readers) as Array<[string, (target: T) => RawValue]>) {
    // A method of the same name would be lost (and a getter reading it would call itself).
    if (Object.hasOwn(type.prototype as object, field)) throw new Error(`${field} is already defined`);
    Object.defineProperty(type.prototype, field, {
      get(this: T) {
        return celValue(read(this));
      },
      enumerable: false,
      configurable: false,
    });
  }
}

/**
 * A line as a rule sees it: each field is computed when read (a rule that never names `line.floor` never computes
 * it) and is `undefined` where unknown, which CEL's `has(line.floor)` tests. The facts are looked up once.
 */
export class CelLine {
  private historyLooked = false;
  private historyFound: SkuHistory | undefined;
  private floorFound: number | undefined | null = null;
  constructor(
    /** The line's amounts, as the totals give them. */
    readonly view: LineFigures,
    readonly source: ContextSource,
  ) {}
  /** The price history of the line's SKU in the order's currency; undefined without it or while unavailable. */
  history(): SkuHistory | undefined {
    if (!this.historyLooked) {
      const { facts, order } = this.source;
      this.historyFound = facts.unavailable.has('history')
        ? undefined
        : facts.history.get(historyKey(this.view.sku, order.currency));
      this.historyLooked = true;
    }
    return this.historyFound;
  }
  /** The unit price `below_floor` holds under, or undefined when no floor applies. */
  floorPrice(): number | undefined {
    if (this.floorFound === null) this.floorFound = this.source.policy.floor(this.view);
    return this.floorFound;
  }
}

/** How each field of `line` is read. */
export const LINE_VALUES: Readers<CelLine, typeof LINE_FIELDS> = {
  index: (line) => line.view.index,
  number: (line) => line.view.index + 1,
  sku: (line) => line.view.sku,
  category: (line) => line.view.category ?? '',
  quantity: (line) => line.view.quantity,
  unitPrice: (line) => line.view.unitPrice,
  listValue: (line) => line.view.listValue,
  discount: (line) => line.view.discount,
  voucherShare: (line) => line.view.voucherShare,
  paid: (line) => line.view.netPaid,
  paidUnitPrice: (line) => Math.floor(line.view.netPaid / line.view.quantity),
  discountBp: (line) => ratioBp(line.view.listValue - line.view.netPaid, line.view.listValue),
  declaredPrice: (line) => line.view.reference,
  recentMedian: (line) => {
    const history = line.history();
    return history === undefined || history.samples === 0 ? undefined : history.median;
  },
  recentSamples: (line) =>
    line.source.facts.unavailable.has('history') ? undefined : (line.history()?.samples ?? 0),
  floor: (line) => line.floorPrice(),
  campaign: (line) => line.view.campaign?.id,
};
defineFields(CelLine, LINE_VALUES);

/** A voucher of the order as a rule sees it, with what the store knows of the code. */
export class CelVoucher {
  constructor(
    readonly voucher: Order['vouchers'][number],
    readonly source: ContextSource,
  ) {}
  /** What the store knows of the code; undefined while the store is unavailable or for an untracked code. */
  state(): VoucherState | undefined {
    const { facts } = this.source;
    return facts.unavailable.has('vouchers') ? undefined : facts.vouchers.get(this.voucher.code);
  }
}

/** How each field of a voucher is read. */
export const VOUCHER_VALUES: Readers<CelVoucher, typeof VOUCHER_FIELDS> = {
  code: (voucher) => voucher.voucher.code,
  discount: (voucher) => voucher.voucher.discount,
  declared: (voucher) => voucher.source.policy.declared(voucher.voucher.code),
  tripped: (voucher) =>
    voucher.source.facts.unavailable.has('vouchers') ? undefined : voucher.state()?.trippedAt !== undefined,
  recentUses: (voucher) => voucher.state()?.windows[0]?.count,
  uses: (voucher) => voucher.state()?.uses,
  budgetUsed: (voucher) => voucher.state()?.budgetUsed,
};
defineFields(CelVoucher, VOUCHER_VALUES);

/** The order as a rule sees it; its lists (lines, vouchers, codes) are built once, when first read. */
export class CelOrder {
  private builtLines: CelLine[] | undefined;
  private builtVouchers: CelVoucher[] | undefined;
  private builtCodes: string[] | undefined;
  constructor(readonly source: ContextSource) {}
  /** The lines as rules see them (built once per evaluation, shared by `order.lines` and line scope). */
  lineList(): CelLine[] {
    this.builtLines ??= this.source.totals.lines.map((view) => new CelLine(view, this.source));
    return this.builtLines;
  }
  /** The vouchers as rules see them, built once. */
  voucherList(): CelVoucher[] {
    this.builtVouchers ??= this.source.order.vouchers.map((voucher) => new CelVoucher(voucher, this.source));
    return this.builtVouchers;
  }
  /** The codes of the vouchers, built once. */
  codeList(): string[] {
    this.builtCodes ??= this.source.order.vouchers.map((voucher) => voucher.code);
    return this.builtCodes;
  }
}

/** How each field of `order` is read. */
export const ORDER_VALUES: Readers<CelOrder, typeof ORDER_FIELDS> = {
  orderId: (order) => order.source.order.orderId,
  currency: (order) => order.source.order.currency,
  customerId: (order) => order.source.order.customerId,
  segments: (order) => order.source.order.customerSegments,
  paymentMethod: (order) => order.source.order.paymentMethod,
  vouchers: (order) => order.voucherList(),
  codes: (order) => order.codeList(),
  lines: (order) => order.lineList(),
  lineCount: (order) => order.source.order.lines.length,
  units: (order) => {
    const { lines } = order.source.order;
    let units = 0;
    for (const line of lines) units += line.quantity;
    // Quantities are not negative: a safe sum had only safe partial sums, so it is exact.
    return Number.isSafeInteger(units) ? units : lines.reduce((sum, line) => sum + BigInt(line.quantity), 0n);
  },
  listValue: (order) => order.source.totals.listValue,
  lineDiscounts: (order) => order.source.totals.lineDiscounts,
  subtotal: (order) => order.source.totals.subtotal,
  voucherDiscounts: (order) => order.source.totals.voucherDiscounts,
  discounts: (order) => exactSum(order.source.totals.lineDiscounts, order.source.totals.voucherDiscounts),
  discountBp: (order) => {
    const { totals } = order.source;
    return ratioBp(totals.lineDiscounts + totals.voucherDiscounts, totals.listValue);
  },
  shipping: (order) => order.source.order.shipping,
  shippingDiscount: (order) => order.source.order.shippingDiscount,
  tax: (order) => order.source.order.tax,
  total: (order) => order.source.order.total,
  expectedTotal: (order) => order.source.totals.expectedTotal,
};
defineFields(CelOrder, ORDER_VALUES);

/** The context's types by their CEL name, with their fields. */
export const FIELDS_BY_TYPE: Readonly<Record<string, Readonly<Record<string, FieldSpec>>>> = {
  Order: ORDER_FIELDS,
  Line: LINE_FIELDS,
  Voucher: VOUCHER_FIELDS,
};

/** How each field of each type is read, by the type's CEL name. */
export const READERS_BY_TYPE: Readonly<
  Record<string, Readonly<Record<string, (target: never) => RawValue>>>
> = {
  Order: ORDER_VALUES,
  Line: LINE_VALUES,
  Voucher: VOUCHER_VALUES,
};
