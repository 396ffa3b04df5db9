// src/vendure/mapping.ts
// Maps a Vendure order (the integer amounts Vendure computed) onto the order contract exactly, or names what it cannot map.

import { currencyExponent } from '../core/currencies';
import type { OrderInput } from '../core/order';
import type { Problem } from '../core/problems';

/** One discount on a Vendure order line or shipping line, as Vendure groups them (`OrderLine.discounts`). */
export interface VendureDiscount {
  /** `PROMOTION:<id>` for a promotion. */
  adjustmentSource: string;
  /** `PROMOTION` (on the line), `DISTRIBUTED_ORDER_PROMOTION` (an order-level promotion's share) or `OTHER`. */
  type: string;
  /** The amount without tax, negative for a discount, in Vendure's money unit. */
  amount: number;
  /** The amount with tax, negative for a discount, in Vendure's money unit. */
  amountWithTax: number;
}

/** The fields of a Vendure `OrderLine` the mapping reads (the entity and the GraphQL type both have them). */
export interface VendureLineSnapshot {
  /** The variant's SKU. */
  sku: string;
  quantity: number;
  /** The unit price the line was priced at, in the channel's listing basis (with tax when `listPriceIncludesTax`). */
  listPrice: number;
  listPriceIncludesTax: boolean;
  linePrice: number;
  linePriceWithTax: number;
  /** The line's price after its own promotions and its share of order-level promotions, without tax. */
  proratedLinePrice: number;
  proratedLinePriceWithTax: number;
  discounts: ReadonlyArray<VendureDiscount>;
  /** The category the guard's category caps and campaigns use, if the shop gives one. */
  category?: string | undefined;
}

/** The fields of a Vendure `ShippingLine` the mapping reads. */
export interface VendureShippingSnapshot {
  listPriceIncludesTax: boolean;
  price: number;
  priceWithTax: number;
  discountedPrice: number;
  discountedPriceWithTax: number;
}

/** The fields of a Vendure `Order` the mapping reads: what Vendure computed, never recomputed here. */
export interface VendureOrderSnapshot {
  /** The order code: the guard's order id. */
  code: string;
  currencyCode: string;
  customer?: { id: string | number; groups?: ReadonlyArray<{ name: string }> | undefined } | null | undefined;
  /** The coupon codes the shopper applied. */
  couponCodes: ReadonlyArray<string>;
  /** The promotions applied to the order (automatic and coupon). */
  promotions: ReadonlyArray<{ id: string | number; couponCode?: string | null | undefined }>;
  lines: ReadonlyArray<VendureLineSnapshot>;
  shippingLines: ReadonlyArray<VendureShippingSnapshot>;
  surcharges?: ReadonlyArray<{ description?: string; price: number; priceWithTax: number }> | undefined;
  subTotal: number;
  subTotalWithTax: number;
  shipping: number;
  shippingWithTax: number;
  totalWithTax: number;
  /** The order's payments; those `Authorized` or `Settled` give the payment method. */
  payments?: ReadonlyArray<{ method: string; state: string; amount: number }> | undefined;
}

/** How Vendure's amounts are converted into the contract's unit. */
export interface VendureMappingOptions {
  /**
   * Decimal places of Vendure's stored amounts (its MoneyStrategy's `precision`): USD 12.34 and IDR 12.34 are both
   * stored as 1234 with 2. Defaults to 2.
   */
  precision?: number;
  /**
   * Minor-unit exponent of each currency in the order contract: amounts are sent in 10^-exponent of the major unit.
   * Defaults to the guard's table (IDR 0, USD 2, BHD 3, ..., and what `setCurrencyExponents` stated).
   */
  exponents?: Readonly<Record<string, number>>;
}

/** Thrown for a Vendure order the contract cannot represent exactly; `problems` names each field. */
export class VendureMappingError extends Error {
  readonly code = 'ERR_PRICE_GUARD_VENDURE_MAPPING';
  constructor(
    readonly orderCode: string,
    readonly problems: Problem[],
  ) {
    super(
      `checkout-price-guard/vendure: order ${orderCode} cannot be mapped to the order contract exactly: ${problems
        .map((problem) => (problem.path === '' ? problem.message : `${problem.path}: ${problem.message}`))
        .join('; ')}`,
    );
    this.name = this.constructor.name;
  }
}

const PAID_STATES = new Set(['Authorized', 'Settled']);
const PROMOTION_TYPES = new Set(['PROMOTION', 'DISTRIBUTED_ORDER_PROMOTION']);

/** Converts Vendure amounts into contract amounts, exactly or with a problem. */
class Units {
  private readonly up: number;
  private readonly down: number;
  constructor(
    private readonly currency: string,
    private readonly precision: number,
    private readonly exponent: number,
    private readonly problems: Problem[],
  ) {
    this.up = exponent >= precision ? 10 ** (exponent - precision) : 1;
    this.down = exponent < precision ? 10 ** (precision - exponent) : 1;
  }

  /** A non-negative integer Vendure amount, or a problem (and 0) when it is not one. */
  read(path: string, value: unknown): number {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      this.problems.push({
        path,
        message: `must be a non-negative integer amount, got ${JSON.stringify(value)}`,
      });
      return 0;
    }
    return value;
  }

  /** A Vendure amount in the contract's unit, or a problem when it is not a whole number of that unit. */
  convert(path: string, value: number): number {
    if (value % this.down !== 0) {
      this.problems.push({
        path,
        message: `${value} (Vendure's amounts have ${this.precision} decimals) is not a whole number of ${this.currency}'s contract unit (${this.exponent} decimals); the guard does not round money`,
      });
      return 0;
    }
    const converted = (value / this.down) * this.up;
    if (!Number.isSafeInteger(converted)) {
      this.problems.push({ path, message: `${this.currency} ${value} is too large to convert exactly` });
      return 0;
    }
    return converted;
  }
}

function promotionId(source: string): string | undefined {
  const match = /^PROMOTION:(.+)$/.exec(source);
  return match?.[1];
}

/**
 * Maps a Vendure order to the order contract. Amounts are taken in the basis the channel lists prices in: with
 * prices including tax, unit prices include tax and `tax` is 0; without, `tax` is the tax Vendure added. Each
 * line's own promotions and its share of automatic order-level promotions are its `discount`; a coupon's
 * order-level discount is the voucher's `discount` (a coupon's line-level discount stays on its line); shipping
 * promotions are `shippingDiscount`. `total` is what the shopper pays (`totalWithTax`) and reconciles exactly.
 * Throws a VendureMappingError naming every field it cannot map, never a rounded guess.
 */
export function toGuardOrder(order: VendureOrderSnapshot, options: VendureMappingOptions = {}): OrderInput {
  const problems: Problem[] = [];
  const precision = options.precision ?? 2;
  if (!Number.isInteger(precision) || precision < 0 || precision > 6) {
    throw new TypeError(
      `checkout-price-guard/vendure: option "precision" must be a whole number from 0 to 6 (Vendure's MoneyStrategy precision), got ${JSON.stringify(precision)}`,
    );
  }
  const { exponents } = options;
  const exponent =
    exponents === undefined
      ? currencyExponent(order.currencyCode)
      : Object.hasOwn(exponents, order.currencyCode)
        ? exponents[order.currencyCode]
        : undefined;
  if (exponent === undefined) {
    throw new VendureMappingError(order.code, [
      {
        path: 'currencyCode',
        message: `${JSON.stringify(order.currencyCode)} has no minor-unit exponent in the guard's table; give it in the "exponents" option`,
      },
    ]);
  }
  const units = new Units(order.currencyCode, precision, exponent, problems);
  const lines = order.lines;
  const gross = lines[0]?.listPriceIncludesTax ?? order.shippingLines[0]?.listPriceIncludesTax ?? false;
  const basis = gross ? 'including tax' : 'excluding tax';

  const couponOf = new Map<string, string>();
  for (const promotion of order.promotions) {
    const code = promotion.couponCode;
    if (code && order.couponCodes.includes(code)) couponOf.set(String(promotion.id), code);
  }
  const voucherShares = new Map<string, number>();

  const mappedLines: Array<{
    sku: string;
    quantity: number;
    unitPrice: number;
    discount: number;
    category?: string;
  }> = [];
  let paidSum = 0;
  lines.forEach((line, index) => {
    const at = `lines[${index}]`;
    if (line.listPriceIncludesTax !== gross) {
      problems.push({
        path: `${at}.listPriceIncludesTax`,
        message: `is priced ${line.listPriceIncludesTax ? 'including' : 'excluding'} tax while the order is priced ${basis}`,
      });
      return;
    }
    if (!Number.isSafeInteger(line.quantity) || line.quantity < 0) {
      problems.push({ path: `${at}.quantity`, message: `must be a whole number, got ${line.quantity}` });
      return;
    }
    if (line.quantity === 0) return; // a removed line: no value, no discount
    if (typeof line.sku !== 'string' || line.sku.trim() === '') {
      problems.push({
        path: `${at}.sku`,
        message: 'the variant has no SKU; the guard keys prices, floors and history by SKU',
      });
      return;
    }
    const listPrice = units.read(`${at}.listPrice`, line.listPrice);
    const linePrice = units.read(
      `${at}.${gross ? 'linePriceWithTax' : 'linePrice'}`,
      gross ? line.linePriceWithTax : line.linePrice,
    );
    const paid = units.read(
      `${at}.${gross ? 'proratedLinePriceWithTax' : 'proratedLinePrice'}`,
      gross ? line.proratedLinePriceWithTax : line.proratedLinePrice,
    );
    if (listPrice * line.quantity !== linePrice) {
      problems.push({
        path: at,
        message: `its line price ${linePrice} is not its unit price ${listPrice} × ${line.quantity}`,
      });
    }
    let couponShare = 0;
    line.discounts.forEach((discount, which) => {
      const path = `${at}.discounts[${which}]`;
      if (!PROMOTION_TYPES.has(discount.type)) {
        problems.push({
          path,
          message: `an adjustment of type ${discount.type} (${discount.adjustmentSource}) is not a promotion; the contract has no field for it`,
        });
        return;
      }
      const amount = gross ? discount.amountWithTax : discount.amount;
      if (!Number.isSafeInteger(amount) || amount > 0) {
        problems.push({
          path,
          message: `${discount.adjustmentSource} must take an integer amount off, got ${amount}${amount > 0 ? ' (a price increase)' : ''}`,
        });
        return;
      }
      if (discount.type !== 'DISTRIBUTED_ORDER_PROMOTION') return;
      const id = promotionId(discount.adjustmentSource);
      const code = id === undefined ? undefined : couponOf.get(id);
      if (code === undefined) return; // an automatic order-level promotion: part of the line's discount
      couponShare -= amount;
      voucherShares.set(code, (voucherShares.get(code) ?? 0) - amount);
    });
    const discount = linePrice - paid - couponShare;
    if (discount < 0) {
      problems.push({
        path: at,
        message: `its coupon shares (${couponShare}) are more than it is discounted in all (${linePrice - paid})`,
      });
      return;
    }
    paidSum += paid;
    mappedLines.push({
      sku: line.sku,
      quantity: line.quantity,
      unitPrice: units.convert(`${at}.listPrice`, listPrice),
      discount: units.convert(at, discount),
      ...(line.category === undefined ? {} : { category: line.category }),
    });
  });
  if (lines.length > 0 && mappedLines.length === 0 && problems.length === 0) {
    problems.push({ path: 'lines', message: 'every line has quantity 0' });
  }

  let shipping = 0;
  let shippingPaid = 0;
  order.shippingLines.forEach((line, index) => {
    const at = `shippingLines[${index}]`;
    if (line.listPriceIncludesTax !== gross) {
      problems.push({
        path: `${at}.listPriceIncludesTax`,
        message: `is priced ${line.listPriceIncludesTax ? 'including' : 'excluding'} tax while the order is priced ${basis}`,
      });
      return;
    }
    const price = units.read(
      `${at}.${gross ? 'priceWithTax' : 'price'}`,
      gross ? line.priceWithTax : line.price,
    );
    const paid = units.read(
      `${at}.${gross ? 'discountedPriceWithTax' : 'discountedPrice'}`,
      gross ? line.discountedPriceWithTax : line.discountedPrice,
    );
    if (paid > price) {
      problems.push({ path: at, message: `its discounted price ${paid} is more than its price ${price}` });
    }
    shipping += price;
    shippingPaid += paid;
  });

  (order.surcharges ?? []).forEach((surcharge, index) => {
    problems.push({
      path: `surcharges[${index}]`,
      message: `a surcharge (${JSON.stringify(surcharge.description ?? '')}, ${gross ? surcharge.priceWithTax : surcharge.price}) has no field in the order contract`,
    });
  });

  const subTotal = units.read(
    gross ? 'subTotalWithTax' : 'subTotal',
    gross ? order.subTotalWithTax : order.subTotal,
  );
  const orderShipping = units.read(
    gross ? 'shippingWithTax' : 'shipping',
    gross ? order.shippingWithTax : order.shipping,
  );
  const totalWithTax = units.read('totalWithTax', order.totalWithTax);
  // Without tax in the prices, the tax is what Vendure added to the lines and to shipping.
  const lineTax = gross ? 0 : units.read('subTotalWithTax', order.subTotalWithTax) - subTotal;
  const shippingTax = gross ? 0 : units.read('shippingWithTax', order.shippingWithTax) - orderShipping;
  const tax = lineTax + shippingTax;
  if (problems.length === 0) {
    if (paidSum !== subTotal) {
      problems.push({
        path: gross ? 'subTotalWithTax' : 'subTotal',
        message: `is ${subTotal} but the lines' prorated prices add up to ${paidSum}`,
      });
    }
    if (shippingPaid !== orderShipping) {
      problems.push({
        path: gross ? 'shippingWithTax' : 'shipping',
        message: `is ${orderShipping} but the shipping lines' discounted prices add up to ${shippingPaid}`,
      });
    }
    if (lineTax < 0 || shippingTax < 0) {
      problems.push({
        path: lineTax < 0 ? 'subTotalWithTax' : 'shippingWithTax',
        message: `is less than the amount without tax (${lineTax < 0 ? order.subTotal : order.shipping}): a negative tax`,
      });
    }
    if (order.subTotalWithTax + order.shippingWithTax !== order.totalWithTax) {
      problems.push({
        path: 'totalWithTax',
        message: `is ${order.totalWithTax}, not subTotalWithTax + shippingWithTax (${order.subTotalWithTax + order.shippingWithTax})`,
      });
    }
  }

  const methods = [
    ...new Set((order.payments ?? []).filter((p) => PAID_STATES.has(p.state)).map((p) => p.method)),
  ];
  if (methods.length > 1) {
    problems.push({
      path: 'payments',
      message: `the order is paid with ${methods.length} methods (${methods.join(', ')}); the contract has one paymentMethod`,
    });
  }
  const customer = order.customer ?? undefined;
  const segments = [...new Set((customer?.groups ?? []).map((group) => group.name))];

  const vouchers = [...new Set(order.couponCodes)].map((code) => ({
    code,
    discount: units.convert(`couponCodes[${order.couponCodes.indexOf(code)}]`, voucherShares.get(code) ?? 0),
  }));
  const mapped: OrderInput = {
    orderId: order.code,
    currency: order.currencyCode,
    customerId: customer === undefined ? '' : String(customer.id),
    customerSegments: segments,
    paymentMethod: methods[0] ?? '',
    lines: mappedLines,
    vouchers,
    shipping: units.convert('shippingLines', shipping),
    shippingDiscount: units.convert('shippingLines', shipping - shippingPaid),
    tax: units.convert('tax', tax),
    total: units.convert('totalWithTax', totalWithTax),
  };
  if (problems.length > 0) throw new VendureMappingError(order.code, problems);

  // By construction the contract's arithmetic gives the total; checked all the same, never assumed.
  let expected = 0;
  for (const line of mappedLines) expected += line.unitPrice * line.quantity - line.discount;
  for (const voucher of vouchers) expected -= voucher.discount;
  expected += (mapped.shipping ?? 0) - (mapped.shippingDiscount ?? 0) + (mapped.tax ?? 0);
  if (expected !== mapped.total) {
    throw new VendureMappingError(order.code, [
      { path: '', message: `the mapped amounts add up to ${expected}, not the total ${mapped.total}` },
    ]);
  }
  return mapped;
}
