// tools/scenarios/constants.ts
// The fixed facts of the synthetic shop: its days, payment methods, vouchers, traffic curves and incident SKUs.

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;

/** Local midnight (Asia/Jakarta, +07:00) of each simulated day. */
export const DAYS = {
  /** A normal Monday: warm-up history for every scenario. */
  warmup: Date.parse('2026-11-09T00:00:00+07:00'),
  /** A normal Tuesday on which the incidents happen. */
  incident: Date.parse('2026-11-10T00:00:00+07:00'),
  /** 11.11, the national online shopping day. */
  harbolnas: Date.parse('2026-11-11T00:00:00+07:00'),
} as const;

/** The SKU whose catalog price is entered 1000x too low in the `price-1000x` scenario. */
export const MISPRICED_SKU = 'BAG-TOTE-4700';
/** Its true price, IDR. */
export const MISPRICED_PRICE = 4_700_000;
/** The bank-only voucher that leaks. */
export const LEAKED_VOUCHER = 'BANKX100K';

/** The Harbolnas campaign window and the SKUs it lists (the first 40 of the catalog). */
export const HARBOLNAS = {
  id: 'harbolnas-1111',
  startsAt: '2026-11-11T00:00:00+07:00',
  endsAt: '2026-11-12T00:00:00+07:00',
  voucher: 'HARBOLNAS20',
  listedSkus: 40,
  lineDiscountCapBp: 8000,
} as const;

export const PAYMENT_METHODS = [
  'card:bank-x-visa',
  'card:bank-y-mastercard',
  'card:bank-z-visa',
  'ewallet:gopay',
  'ewallet:ovo',
  'ewallet:dana',
  'va:bca',
  'va:mandiri',
  'qris',
  'cod',
];
export const BANK_X_METHODS = ['card:bank-x-visa', 'card:bank-x-mastercard'];

/** Voucher terms the shop runs every day; `examples/policy.default.yaml` declares the same terms. */
export const REGULAR_VOUCHERS = {
  HEMAT10: { percent: 10, max: 50_000, minSubtotal: 100_000 },
  NEWUSER25: { amount: 25_000, minSubtotal: 75_000, segment: 'new' },
  [LEAKED_VOUCHER]: { amount: 100_000, minSubtotal: 150_000 },
} as const;

/** Relative order rate per local hour on a normal day: quiet nights, lunch and evening peaks. */
export const NORMAL_CURVE = [
  0.25, 0.15, 0.1, 0.08, 0.08, 0.15, 0.4, 0.7, 0.9, 1.0, 1.1, 1.2, 1.4, 1.3, 1.1, 1.0, 1.0, 1.1, 1.3, 1.6,
  1.9, 2.0, 1.6, 0.8,
];
/** Harbolnas: the midnight launch of the flash sale, then the evening peak. */
export const HARBOLNAS_CURVE = [
  3.0, 2.2, 1.2, 0.5, 0.3, 0.3, 0.5, 0.7, 0.9, 1.0, 1.0, 1.1, 1.3, 1.2, 1.0, 0.9, 0.9, 1.0, 1.1, 1.3, 1.6,
  1.8, 1.6, 1.2,
];

/**
 * What the shop of the `general` stream decided and announced (examples/policy.general.yaml declares the same): the
 * incident day's flash sale, its public launch code, its everyday codes, two price increases and two launches.
 * Everything the shop did not announce (an overcharge, a markdown, a leak, a stacking bug) is drawn from the seed.
 */
export const GENERAL = {
  /** A category flash sale on the incident day, with a relative campaign floor. */
  flashSale: {
    id: 'electronics-flash-1010',
    category: 'electronics',
    startsAt: '2026-11-10T13:00:00+07:00',
    endsAt: '2026-11-10T15:00:00+07:00',
    lineDiscountCapBp: 8500,
    floorBp: 1000,
  },
  /** A public code launched at noon, announced at up to 1,200 uses an hour. */
  publicCode: {
    code: 'LAUNCH25',
    percent: 25,
    max: 50_000,
    minSubtotal: 50_000,
    startsAt: '2026-11-10T12:00:00+07:00',
    expectedPerHour: 1200,
  },
  /** An everyday code with a deep percentage and a cap, used a few times an hour. */
  paydayCode: { code: 'PAYDAY50', percent: 50, max: 100_000, minSubtotal: 50_000 },
  /** An open welcome code: no payment or segment terms, only a minimum purchase. */
  openCode: { code: 'WELCOME50K', amount: 50_000, minSubtotal: 200_000 },
  /** Declared list price increases (priceChanges): a usual one and a correction to four times the old price. */
  priceIncreases: [
    {
      sku: 'SHOE-RUN-02',
      category: 'sports',
      before: 899_000,
      after: 1_199_000,
      at: '2026-11-10T08:00:00+07:00',
    },
    {
      sku: 'AUDIO-EARBUD-X',
      category: 'audio',
      before: 249_000,
      after: 999_000,
      at: '2026-11-10T08:00:00+07:00',
    },
  ],
  /** New SKUs launched on the incident day, one with its price declared in the catalog, one without. */
  launches: [
    {
      sku: 'CAM-ACTION-NEO',
      category: 'cameras',
      price: 1_299_000,
      declared: true,
      at: '2026-11-10T10:00:00+07:00',
    },
    {
      sku: 'LAMP-DESK-NEO',
      category: 'home',
      price: 459_000,
      declared: false,
      at: '2026-11-10T17:00:00+07:00',
    },
  ],
} as const;

/**
 * The codes of the `code-combination` stream (issue 23): a popular everyday code and an everyday free-shipping
 * code, each normally used alone, that a checkout bug lets stack for forty minutes. Neither's terms forbid stacking
 * (the shop never thought of it), so only their velocity can tell.
 */
export const COMBINATION = {
  popular: { code: 'DAILY10', percent: 10, max: 30_000, minSubtotal: 50_000 },
  other: { code: 'ONGKIR20', amount: 20_000, minSubtotal: 100_000 },
} as const;
