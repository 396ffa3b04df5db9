// src/core/currencies.ts
// ISO 4217 currencies the order contract accepts, with the number of minor-unit digits of each.

/**
 * Minor-unit exponent per ISO 4217 code: amounts in orders are integers in 10^-exponent of the major unit.
 * IDR is listed with 2 digits by ISO but is priced in whole rupiah everywhere in practice; shops send
 * whole rupiah (IDR 4,700,000 is 4700000), so we treat its exponent as 0, as payment providers do.
 */
export const CURRENCY_EXPONENTS: Readonly<Record<string, number>> = Object.freeze({
  AED: 2,
  ARS: 2,
  AUD: 2,
  BDT: 2,
  BHD: 3,
  BRL: 2,
  CAD: 2,
  CHF: 2,
  CLP: 0,
  CNY: 2,
  COP: 2,
  CZK: 2,
  DKK: 2,
  EGP: 2,
  EUR: 2,
  GBP: 2,
  HKD: 2,
  HUF: 2,
  IDR: 0,
  ILS: 2,
  INR: 2,
  ISK: 0,
  JOD: 3,
  JPY: 0,
  KES: 2,
  KRW: 0,
  KWD: 3,
  LKR: 2,
  MAD: 2,
  MXN: 2,
  MYR: 2,
  NGN: 2,
  NOK: 2,
  NZD: 2,
  OMR: 3,
  PEN: 2,
  PHP: 2,
  PKR: 2,
  PLN: 2,
  QAR: 2,
  RON: 2,
  RUB: 2,
  SAR: 2,
  SEK: 2,
  SGD: 2,
  THB: 2,
  TND: 3,
  TRY: 2,
  TWD: 2,
  UAH: 2,
  UGX: 0,
  USD: 2,
  VND: 0,
  XAF: 0,
  XOF: 0,
  ZAR: 2,
});

/** Exponents a deployment states for itself (the service's `currencies` setting), over CURRENCY_EXPONENTS. */
let overrides: Readonly<Record<string, number>> = Object.freeze({});

/**
 * Says which exponent each listed currency's amounts use in this process, over CURRENCY_EXPONENTS: `{ IDR: 2 }`
 * for a shop that sends IDR in sen. Replaces any earlier call's table (`{}` goes
 * back to the defaults). Set once at start-up, before any order: it is the unit every amount is read in.
 * Throws a RangeError naming the bad entry.
 */
export function setCurrencyExponents(exponents: Readonly<Record<string, number>>): void {
  for (const [code, exponent] of Object.entries(exponents)) {
    if (!Object.hasOwn(CURRENCY_EXPONENTS, code)) {
      throw new RangeError(
        `currency ${JSON.stringify(code)} is not a currency the guard knows (ISO 4217 in capitals, such as "IDR")`,
      );
    }
    if (!Number.isInteger(exponent) || exponent < 0 || exponent > 4) {
      throw new RangeError(
        `currency ${code}: exponent must be a whole number from 0 to 4 (IDR whole rupiah is 0, sen 2), got ${JSON.stringify(exponent)}`,
      );
    }
  }
  overrides = Object.freeze({ ...exponents });
}

/** The exponent of a currency's amounts here: 10^-exponent of the major unit; undefined for an unknown code. */
export function currencyExponent(code: string): number | undefined {
  if (Object.hasOwn(overrides, code)) return overrides[code];
  return Object.hasOwn(CURRENCY_EXPONENTS, code) ? CURRENCY_EXPONENTS[code] : undefined;
}

/** True when `code` is a currency the guard knows. */
export function isKnownCurrency(code: string): boolean {
  return Object.hasOwn(CURRENCY_EXPONENTS, code);
}
