// src/review/assets/js/state.js
// Constants and the one state object every part of the script shares; `$` finds an element by id.
const TOKEN_KEY = 'checkout-price-guard.review-token';
const PAGE_SIZE = 50;
const ORDERS = ['newest', 'oldest', 'money'];
const KIND_LABEL = { voucher: 'voucher', sku: 'SKU', rule: 'rule' };
/** The shop's time zone (the router's `timeZone` option): every time on the page is shown in it. */
const ZONE = document.querySelector('meta[name="shop-time-zone"]')?.content || 'UTC';
/** Seconds between live updates: `?refresh=N` on the page URL (1 to 300), else 5. */
const REFRESH_SECONDS = (() => {
  const asked = Number(new URLSearchParams(location.search).get('refresh'));
  return Number.isInteger(asked) && asked >= 1 && asked <= 300 ? asked : 5;
})();
/** A voucher code in the page URL (`?voucher=CODE`, the dashboard's link): its incident is opened on sign-in. */
const ASKED_VOUCHER = new URLSearchParams(location.search).get('voucher') || '';
const state = {
  token: sessionStorage.getItem(TOKEN_KEY) || '',
  me: null,
  /** Where the keys act: 'incidents', 'trips' or 'list'. Set by named keys, never toggled. */
  pane: 'incidents',
  incidents: [],
  incidentSelected: 0,
  incidentsKey: '',
  /** The incident the bulk form is open for, and the preview it showed ({ action, filter, matched }). */
  bulkIncident: null,
  bulk: null,
  trips: [],
  tripSelected: 0,
  tripsKey: '',
  clearing: null,
  extending: null,
  items: [],
  selected: 0,
  nextCursor: null,
  extended: false,
  /** The phone layout shows the selected order over the list while this is true. */
  detailOpen: false,
  accepting: null,
  signature: '',
  updatedAt: 0,
  updateFailed: false,
  polling: false,
  askedVoucher: ASKED_VOUCHER,
};
const $ = (id) => document.getElementById(id);
