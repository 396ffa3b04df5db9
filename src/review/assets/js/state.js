// src/review/assets/js/state.js
// Constants and the one state object every part of the script shares; `$` finds an element by id.
const TOKEN_KEY = 'checkout-price-guard.review-token';
const PAGE_SIZE = 50;
const ORDERS = ['newest', 'oldest', 'money'];
const KIND_LABEL = { voucher: 'voucher', sku: 'SKU', rule: 'rule' };
/** Seconds between live updates: `?refresh=N` on the page URL (1 to 300), else 5. */
const REFRESH_SECONDS = (() => {
  const asked = Number(new URLSearchParams(location.search).get('refresh'));
  return Number.isInteger(asked) && asked >= 1 && asked <= 300 ? asked : 5;
})();
const state = {
  token: sessionStorage.getItem(TOKEN_KEY) || '',
  items: [],
  selected: 0,
  nextCursor: null,
  extended: false,
  me: null,
  bulk: null,
  pane: 'list',
  groups: [],
  groupSelected: 0,
  groupsKey: '',
  clearing: null,
  extending: null,
  accepting: null,
  signature: '',
  updatedAt: 0,
  updateFailed: false,
  polling: false,
};
const $ = (id) => document.getElementById(id);
