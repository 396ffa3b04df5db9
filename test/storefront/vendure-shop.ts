// test/storefront/vendure-shop.ts
// A real Vendure server from the registry packages on SQLite (sql.js), set up as an Indonesian shop through its own
// Admin API, and a shopper who checks out through its Shop API.

import { createServer } from 'node:net';
import { LanguageCode, mergeConfig, PaymentMethodHandler, type VendureConfig } from '@vendure/core';
import {
  createTestEnvironment,
  type SimpleGraphQLClient,
  type TestServer,
  testConfig,
} from '@vendure/testing';
import { parse } from 'graphql';

/** A GraphQL document from a template literal. */
export const gql = (text: TemplateStringsArray) => parse(text.join(''));

/** What the payment provider was asked to do, in order: the test's view of money moving. */
export interface LedgerEntry {
  action: 'authorise' | 'capture' | 'void' | 'refund';
  method: string;
  amount: number;
  orderCode: string;
}

/**
 * A payment provider: `bank-card` authorises at checkout and captures later; `ewallet` captures at once (as
 * e-wallets do). Every call is written to the ledger.
 */
function testPaymentHandler(ledger: LedgerEntry[]) {
  const text = (value: string) => [{ languageCode: LanguageCode.en, value }];
  return new PaymentMethodHandler({
    code: 'test-provider',
    description: text('A test payment provider that records what it is asked to do'),
    args: { captureAtOnce: { type: 'boolean', required: true, defaultValue: false } },
    createPayment: (_ctx, order, amount, args, _metadata, method) => {
      ledger.push({
        action: args.captureAtOnce ? 'capture' : 'authorise',
        method: method.code,
        amount,
        orderCode: order.code,
      });
      return {
        amount,
        state: args.captureAtOnce ? 'Settled' : 'Authorized',
        transactionId: `tx-${order.code}`,
      };
    },
    settlePayment: (_ctx, order, payment) => {
      ledger.push({
        action: 'capture',
        method: payment.method,
        amount: payment.amount,
        orderCode: order.code,
      });
      return { success: true };
    },
    cancelPayment: (_ctx, order, payment) => {
      ledger.push({ action: 'void', method: payment.method, amount: payment.amount, orderCode: order.code });
      return { success: true };
    },
    createRefund: (_ctx, _input, amount, order, payment) => {
      ledger.push({ action: 'refund', method: payment.method, amount, orderCode: order.code });
      return { state: 'Settled', transactionId: `refund-${order.code}` };
    },
  });
}

/** A free local port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A running shop: the server, an admin and a shopper, the ids the tests use and the provider's ledger. */
export interface Shop {
  server: TestServer;
  admin: SimpleGraphQLClient;
  shopper: SimpleGraphQLClient;
  port: number;
  ledger: LedgerEntry[];
  tote: string;
  cardCase: string;
  /** True when the price guard plugin is installed (the Order type then has `priceGuard`). */
  guarded: boolean;
  stop(): Promise<void>;
}

/** Vendure stores IDR like every currency, with 2 decimals: IDR 1 is 100. */
export const IDR = (rupiah: number) => rupiah * 100;

/** Starts Vendure with `plugins` and sets it up as an IDR shop (prices include PPN 11%) through the Admin API. */
export async function startShop(plugins: VendureConfig['plugins']): Promise<Shop> {
  const port = await freePort();
  const ledger: LedgerEntry[] = [];
  const config = mergeConfig(testConfig, {
    apiOptions: { port },
    // Both shops start from one populated database; the guarded one adds its custom fields' columns to it.
    dbConnectionOptions: { synchronize: true },
    paymentOptions: { paymentMethodHandlers: [testPaymentHandler(ledger)] },
    plugins,
  });
  const { server, adminClient: admin, shopClient: shopper } = createTestEnvironment(config);
  await server.init({
    customerCount: 0,
    initialData: {
      defaultLanguage: LanguageCode.en,
      defaultZone: 'Asia',
      countries: [{ name: 'Indonesia', code: 'ID', zone: 'Asia' }],
      taxRates: [{ name: 'PPN', percentage: 11 }],
      shippingMethods: [{ name: 'Reguler', price: IDR(15_000) }],
      paymentMethods: [
        {
          name: 'bank-card',
          handler: { code: 'test-provider', arguments: [{ name: 'captureAtOnce', value: 'false' }] },
        },
        {
          name: 'ewallet',
          handler: { code: 'test-provider', arguments: [{ name: 'captureAtOnce', value: 'true' }] },
        },
      ],
      collections: [],
    },
  });
  await admin.asSuperAdmin();
  await admin.query(
    gql`mutation { updateChannel(input: { id: "T_1", defaultCurrencyCode: IDR, availableCurrencyCodes: [IDR],
      pricesIncludeTax: true, availableLanguageCodes: [en, id] }) { ... on Channel { id } } }`,
  );
  const tote = await createVariant(admin, 'Tiger tote', 'MJ-TOTE-TIGER', IDR(4_700_000));
  const cardCase = await createVariant(admin, 'Card case', 'MJ-CARD-CASE', IDR(1_250_000));
  const guarded = (plugins ?? []).length > 0;
  return { server, admin, shopper, port, ledger, tote, cardCase, guarded, stop: () => server.destroy() };
}

/** Creates a product with one variant through the Admin API (an empty `sku` for a variant without one); returns its id. */
export async function createVariant(
  admin: SimpleGraphQLClient,
  name: string,
  sku: string,
  price: number,
): Promise<string> {
  const slug = (sku || name).toLowerCase().replace(/[^a-z0-9]+/g, '-');
  const product = await admin.query(
    gql`mutation ($input: CreateProductInput!) { createProduct(input: $input) { id } }`,
    { input: { translations: [{ languageCode: 'en', name, slug, description: name }] } },
  );
  const variants = await admin.query(
    gql`mutation ($input: [CreateProductVariantInput!]!) { createProductVariants(input: $input) { id } }`,
    {
      input: [
        {
          productId: product.createProduct.id,
          sku,
          price,
          stockOnHand: 1_000,
          translations: [{ languageCode: 'en', name }],
        },
      ],
    },
  );
  return variants.createProductVariants[0].id;
}

/** Creates a promotion through the Admin API; returns its id. */
export async function createPromotion(
  admin: SimpleGraphQLClient,
  input: {
    name: string;
    couponCode?: string;
    conditions?: Array<{ code: string; arguments: Array<{ name: string; value: string }> }>;
    actions: Array<{ code: string; arguments: Array<{ name: string; value: string }> }>;
    enabled?: boolean;
  },
): Promise<string> {
  const result = await admin.query(
    gql`mutation ($input: CreatePromotionInput!) { createPromotion(input: $input) {
      ... on Promotion { id } ... on ErrorResult { errorCode message } } }`,
    {
      input: {
        enabled: input.enabled ?? true,
        couponCode: input.couponCode,
        conditions: input.conditions ?? [],
        actions: input.actions,
        translations: [{ languageCode: 'en', name: input.name }],
      },
    },
  );
  if (!result.createPromotion.id)
    throw new Error(`createPromotion: ${JSON.stringify(result.createPromotion)}`);
  return result.createPromotion.id;
}

/** Turns a promotion on or off through the Admin API. */
export async function setPromotionEnabled(admin: SimpleGraphQLClient, id: string, enabled: boolean) {
  await admin.query(
    gql`mutation ($input: UpdatePromotionInput!) { updatePromotion(input: $input) { ... on Promotion { id } } }`,
    { input: { id, enabled } },
  );
}

/** What the shopper sees after paying. */
export interface PlacedOrder {
  id: string;
  code: string;
  state: string;
  totalWithTax: number;
  priceGuard: { status: string; message: string | null } | null;
  payments: Array<{ id: string; state: string; method: string; amount: number }>;
}

const BARE_FIELDS = 'id code state totalWithTax payments { id state method amount }';
const ORDER_FIELDS = `${BARE_FIELDS} priceGuard { status message }`;
const placedOrder = (fields: string) =>
  parse(`mutation ($input: PaymentInput!) { addPaymentToOrder(input: $input) {
    ... on Order { ${fields} } ... on ErrorResult { errorCode message } } }`);
const PLACED = placedOrder(ORDER_FIELDS);
const PLACED_BARE = placedOrder(BARE_FIELDS);

let shopperNumber = 0;

/**
 * One shopper's checkout through the Shop API: cart, coupon, customer, address, shipping, payment. Returns the
 * order as the shopper sees it and how long the last step (cart completion: `addPaymentToOrder`) took, in ms.
 */
export async function checkout(
  shop: Shop,
  cart: {
    lines: Array<[string, number]>;
    coupon?: string;
    method: 'bank-card' | 'ewallet';
    language?: 'en' | 'id';
  },
): Promise<{ order: PlacedOrder; ms: number }> {
  const { shopper } = shop;
  const params = { languageCode: cart.language ?? 'en' };
  await shopper.asAnonymousUser();
  for (const [variant, quantity] of cart.lines) {
    const added = await shopper.query(
      gql`mutation ($id: ID!, $q: Int!) { addItemToOrder(productVariantId: $id, quantity: $q) {
        ... on Order { id } ... on ErrorResult { errorCode message } } }`,
      { id: variant, q: quantity },
    );
    if (!added.addItemToOrder.id) throw new Error(`addItemToOrder: ${JSON.stringify(added.addItemToOrder)}`);
  }
  if (cart.coupon) {
    const applied = await shopper.query(
      gql`mutation ($code: String!) { applyCouponCode(couponCode: $code) {
        ... on Order { id } ... on ErrorResult { errorCode message } } }`,
      { code: cart.coupon },
    );
    if (!applied.applyCouponCode.id)
      throw new Error(`applyCouponCode: ${JSON.stringify(applied.applyCouponCode)}`);
  }
  shopperNumber += 1;
  await shopper.query(
    gql`mutation ($input: CreateCustomerInput!) { setCustomerForOrder(input: $input) { ... on Order { id } } }`,
    {
      input: {
        emailAddress: `shopper${shopperNumber}@example.com`,
        firstName: 'Ayu',
        lastName: `S${shopperNumber}`,
      },
    },
  );
  await shopper.query(
    gql`mutation ($input: CreateAddressInput!) { setOrderShippingAddress(input: $input) { ... on Order { id } } }`,
    { input: { streetLine1: 'Jl. Sudirman 1', city: 'Jakarta', countryCode: 'ID' } },
  );
  const methods = await shopper.query(gql`{ eligibleShippingMethods { id } }`);
  await shopper.query(
    gql`mutation ($id: [ID!]!) { setOrderShippingMethod(shippingMethodId: $id) { ... on Order { id } } }`,
    { id: [methods.eligibleShippingMethods[0].id] },
  );
  const arranging = await shopper.query(
    gql`mutation { transitionOrderToState(state: "ArrangingPayment") {
      ... on Order { id } ... on OrderStateTransitionError { transitionError } } }`,
  );
  if (!arranging.transitionOrderToState.id) {
    throw new Error(`ArrangingPayment: ${JSON.stringify(arranging.transitionOrderToState)}`);
  }
  const started = process.hrtime.bigint();
  const placed = await shopper.query(
    shop.guarded ? PLACED : PLACED_BARE,
    { input: { method: cart.method, metadata: {} } },
    params,
  );
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (!placed.addPaymentToOrder.code)
    throw new Error(`addPaymentToOrder: ${JSON.stringify(placed.addPaymentToOrder)}`);
  return { order: placed.addPaymentToOrder, ms };
}

/** An order as the admin sees it now. */
export async function adminOrder(shop: Shop, id: string): Promise<PlacedOrder> {
  const result = await shop.admin.query(parse(`query ($id: ID!) { order(id: $id) { ${ORDER_FIELDS} } }`), {
    id,
  });
  return result.order;
}

/** Polls `read` until `done` says yes, or fails after `timeoutMs` with the last value. */
export async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`still not there after ${timeoutMs} ms: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
