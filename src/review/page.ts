// src/review/page.ts
// The on-call page: static HTML, CSS and vanilla JS served by the router; data is rendered with textContent only.

import { RULE_IDS } from '../types';

/*
 * No framework and no build step. The script never assigns innerHTML: every shopper-controlled value (SKU,
 * voucher code, customer id, note) is written with textContent, and the Content-Security-Policy the router
 * sends forbids inline script, so even a markup injection could not run. The token is pasted once, kept in
 * sessionStorage and sent as an Authorization header (never a cookie), which structurally prevents CSRF.
 */

/** The page; it holds no data (the rule list is a server constant). Everything else comes from the API. */
export const PAGE_HTML =
  '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n<meta name="referrer" content="no-referrer">\n<title>Price guard · review queue</title>\n<link rel="stylesheet" href="app.css">\n<script src="app.js" defer></script>\n</head>\n<body>\n<header>\n<h1>Price guard review queue</h1>\n<span id="stats" class="stats"></span>\n<span id="me" class="me"></span>\n<form id="login" class="login">\n<label>Review token <input id="token" type="password" autocomplete="off" placeholder="paste your bearer token"></label>\n<button type="submit">Use token</button>\n</form>\n<button id="logout" type="button" hidden>Forget token</button>\n</header>\n<p id="status" class="status" role="status" aria-live="polite"></p>\n<main>\n<section class="queue" aria-label="Held orders">\n<form id="filters" class="filters">\n<label>Status <select id="f-status"><option value="pending">pending</option><option value="approved">approved</option><option value="rejected">rejected</option><option value="any">any</option></select></label>\n<label>Rule <select id="f-rule"><option value="">any rule</option>RULE_OPTIONS</select></label>\n<label>SKU <input id="f-sku" maxlength="128"></label>\n<label>Voucher <input id="f-voucher" maxlength="64"></label>\n<label>Held from <input id="f-from" type="datetime-local"></label>\n<label>Held before <input id="f-to" type="datetime-local"></label>\n<button type="submit">Filter</button>\n</form>\n<form id="bulk" class="bulk">\n<strong>Bulk</strong>\n<select id="b-action" aria-label="Bulk action"><option value="reject">reject</option><option value="approve">approve</option></select>\n<span>every pending order with</span>\n<label>voucher <input id="b-voucher" maxlength="64"></label>\n<label>or SKU <input id="b-sku" maxlength="128"></label>\n<label>note <input id="b-note" maxlength="2000"></label>\n<button type="submit" id="b-preview">Preview</button>\n<button type="button" id="b-confirm" hidden></button>\n</form>\n<table>\n<thead><tr><th>Order</th><th>Held at</th><th>Total</th><th>Rules</th><th>SKUs</th><th>Vouchers</th><th>Customer</th><th>Status</th><th>Claimed by</th></tr></thead>\n<tbody id="rows"></tbody>\n</table>\n<button id="more" type="button" hidden>Load more</button>\n</section>\n<section id="detail" class="detail" aria-label="Selected order"></section>\n</main>\n<section class="audit" aria-label="Audit trail">\n<h3>Audit trail</h3>\n<ol id="audit"></ol>\n</section>\n<footer>Keys: j / k move · c claim · a approve · r reject (needs a note) · / filter · Esc leaves a field · ? help</footer>\n</body>\n</html>\n'.replace(
    'RULE_OPTIONS',
    RULE_IDS.map((id) => `<option value="${id}">${id.replaceAll('_', ' ')}</option>`).join(''),
  );

/** The styles (no inline styles: the CSP allows only 'self'). */
export const PAGE_CSS = String.raw`:root { --fg: #1d2330; --muted: #5b6473; --line: #d9dee7; --bg: #f6f7f9; --accent: #1f5fbf; --ok: #1e7b43; --bad: #b3261e; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; flex-wrap: wrap; align-items: center; gap: 12px; padding: 10px 16px; background: #fff; border-bottom: 1px solid var(--line); }
h1 { font-size: 18px; margin: 0 12px 0 0; }
h2 { font-size: 16px; margin: 0 0 8px; display: flex; gap: 8px; align-items: center; word-break: break-all; }
h3 { font-size: 13px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); margin: 16px 0 6px; }
.stats, .me { color: var(--muted); }
.me { margin-left: auto; font-weight: 600; color: var(--fg); }
.status { margin: 0; padding: 6px 16px; min-height: 30px; background: #eef3fb; }
.status.error { background: #fbeeee; color: var(--bad); }
main { display: grid; grid-template-columns: minmax(0, 5fr) minmax(340px, 3fr); gap: 12px; padding: 12px 16px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 10px; min-width: 0; }
.queue { overflow-x: auto; }
form.filters, form.bulk { display: flex; flex-wrap: wrap; gap: 8px; align-items: end; margin-bottom: 8px; }
form.bulk { padding: 8px; background: #fff7e6; border-radius: 4px; align-items: center; }
label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); gap: 2px; }
form.bulk label { flex-direction: row; align-items: center; gap: 4px; }
input, select, textarea, button { font: inherit; }
input, select, textarea { border: 1px solid var(--line); border-radius: 4px; padding: 4px 6px; background: #fff; color: var(--fg); }
input:focus, select:focus, textarea:focus, button:focus { outline: 2px solid var(--accent); outline-offset: 1px; }
button { border: 1px solid var(--line); border-radius: 4px; padding: 5px 10px; background: #fff; cursor: pointer; }
button.approve { background: var(--ok); border-color: var(--ok); color: #fff; }
button.reject, #b-confirm { background: var(--bad); border-color: var(--bad); color: #fff; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: 5px 6px; border-bottom: 1px solid var(--line); vertical-align: top; overflow-wrap: break-word; }
th { font-size: 12px; color: var(--muted); font-weight: 600; }
#rows tr { cursor: pointer; }
#rows tr:hover { background: #f3f6fb; }
#rows tr.selected { background: #e3ecfa; box-shadow: inset 3px 0 0 var(--accent); }
.mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
.when { white-space: nowrap; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.badge { font-size: 12px; font-weight: 600; text-transform: uppercase; white-space: nowrap; }
.badge.pending { color: #9a6700; }
.badge.approved { color: var(--ok); }
.badge.rejected { color: var(--bad); }
h2 .badge { padding: 1px 6px; border: 1px solid currentColor; border-radius: 10px; }
.reasons { margin: 0; padding-left: 18px; }
.reasons li { margin-bottom: 8px; }
.reasons p { margin: 0; }
.numbers { display: flex; flex-wrap: wrap; gap: 10px; font-size: 12.5px; color: var(--muted); }
.numbers .rule { font-weight: 600; color: var(--fg); }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 12px 0; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; overflow-wrap: anywhere; }
.actions textarea { width: 100%; min-height: 56px; }
.buttons { display: flex; gap: 8px; margin-top: 6px; }
body:not(.can-act) .actions, body:not(.can-act) form.bulk { display: none; }
.audit { margin: 0 16px 16px; }
.audit ol, .trail { list-style: none; margin: 0; padding: 0; font-size: 12.5px; }
.audit li, .trail li { padding: 3px 0; border-bottom: 1px dashed var(--line); display: flex; flex-wrap: wrap; gap: 6px; }
.audit time, .trail time { color: var(--muted); }
.action { font-weight: 600; }
q { color: var(--muted); }
.empty, .hint { color: var(--muted); }
footer { padding: 0 16px 16px; color: var(--muted); font-size: 12px; }
[hidden] { display: none !important; }
`;

/** The script: fetch the API with the bearer token, render with DOM APIs, keyboard shortcuts. */
export const PAGE_JS = String.raw`(() => {
  'use strict';
  const TOKEN_KEY = 'checkout-price-guard.review-token';
  const state = {
    token: sessionStorage.getItem(TOKEN_KEY) || '',
    items: [],
    selected: 0,
    nextCursor: null,
    me: null,
    bulk: null,
  };
  const $ = (id) => document.getElementById(id);

  /** Creates an element whose text is set with textContent: data never becomes markup. */
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }
  function when(ms) {
    return ms === undefined || ms === null ? '' : new Date(ms).toLocaleString();
  }
  function shortWhen(ms) {
    const options = { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' };
    return new Date(ms).toLocaleString(undefined, options);
  }
  function age(ms) {
    const minutes = Math.max(0, Math.round((Date.now() - ms) / 60000));
    if (minutes < 120) return minutes + ' min';
    if (minutes < 2880) return Math.round(minutes / 60) + ' h';
    return Math.round(minutes / 1440) + ' days';
  }
  function say(message, isError) {
    const status = $('status');
    status.textContent = message;
    status.className = isError ? 'status error' : 'status';
  }

  async function api(method, path, body) {
    const headers = { Authorization: 'Bearer ' + state.token, Accept: 'application/json' };
    const init = { method, headers, credentials: 'omit', cache: 'no-store' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const response = await fetch('api/' + path, init);
    let data = {};
    try {
      data = await response.json();
    } catch (_) {
      data = {};
    }
    if (!response.ok) {
      const detail = data.problems
        ? data.problems.map((p) => (p.path ? p.path + ' ' : '') + p.message).join('; ')
        : data.message || 'HTTP ' + response.status;
      const error = new Error(detail);
      error.status = response.status;
      throw error;
    }
    return data;
  }

  function filterQuery() {
    const params = new URLSearchParams();
    const status = $('f-status').value;
    params.set('status', status);
    for (const name of ['rule', 'sku', 'voucher']) {
      const value = $('f-' + name).value.trim();
      if (value) params.set(name, value);
    }
    for (const name of ['from', 'to']) {
      const value = $('f-' + name).value;
      if (value) params.set(name, String(new Date(value).getTime()));
    }
    params.set('limit', '50');
    return params;
  }

  async function loadQueue(append) {
    if (!state.token) return;
    const params = filterQuery();
    if (append && state.nextCursor) params.set('cursor', state.nextCursor);
    const page = await api('GET', 'holds?' + params.toString());
    state.items = append ? state.items.concat(page.items) : page.items;
    state.nextCursor = page.nextCursor;
    if (state.selected >= state.items.length) state.selected = Math.max(0, state.items.length - 1);
    renderRows();
    renderDetail();
    $('more').hidden = !state.nextCursor;
  }

  async function loadStats() {
    const stats = await api('GET', 'stats');
    const parts = [
      stats.byStatus.pending + ' pending',
      stats.byStatus.approved + ' approved',
      stats.byStatus.rejected + ' rejected',
    ];
    if (stats.oldestPendingAt) {
      parts.push('oldest pending ' + age(stats.oldestPendingAt) + ' ago');
    }
    $('stats').textContent = parts.join(' · ');
  }

  async function loadAudit() {
    const { entries } = await api('GET', 'audit?limit=30');
    renderAudit($('audit'), entries);
  }

  function renderAudit(list, entries) {
    clear(list);
    for (const entry of entries) {
      const item = el('li');
      item.appendChild(el('time', null, when(entry.at)));
      item.appendChild(el('strong', null, ' ' + entry.actor + ' '));
      item.appendChild(el('span', 'action', entry.action));
      const subject = entry.orderId || entry.voucher || entry.sku;
      if (subject) item.appendChild(el('span', 'subject', ' ' + subject));
      if (entry.note) item.appendChild(el('q', null, entry.note));
      list.appendChild(item);
    }
    if (entries.length === 0) list.appendChild(el('li', 'empty', 'Nothing yet.'));
  }

  function renderRows() {
    const rows = $('rows');
    clear(rows);
    state.items.forEach((held, index) => {
      const row = el('tr', index === state.selected ? 'selected' : '');
      row.dataset.orderId = held.orderId;
      row.appendChild(el('td', 'mono', held.orderId));
      row.appendChild(el('td', 'when', shortWhen(held.heldAt)));
      row.appendChild(el('td', 'num', held.display.total));
      row.appendChild(el('td', null, held.rules.join(', ')));
      row.appendChild(el('td', 'mono', held.skus.join(', ')));
      row.appendChild(el('td', 'mono', held.vouchers.join(', ')));
      row.appendChild(el('td', 'mono', held.order.customerId));
      row.appendChild(el('td', 'badge ' + held.status, held.status));
      row.appendChild(el('td', null, held.assignee || ''));
      row.addEventListener('click', () => select(index));
      rows.appendChild(row);
    });
    if (state.items.length === 0) {
      const row = el('tr');
      const cell = el('td', 'empty', 'No held orders match.');
      cell.colSpan = 9;
      row.appendChild(cell);
      rows.appendChild(row);
    }
  }

  function select(index) {
    if (state.items.length === 0) return;
    state.selected = Math.max(0, Math.min(state.items.length - 1, index));
    renderRows();
    renderDetail();
    const row = $('rows').children[state.selected];
    if (row && row.scrollIntoView) row.scrollIntoView({ block: 'nearest' });
  }

  function current() {
    return state.items[state.selected];
  }

  function fact(list, label, value) {
    list.appendChild(el('dt', null, label));
    list.appendChild(el('dd', null, value));
  }

  async function renderDetail() {
    const pane = $('detail');
    clear(pane);
    const held = current();
    if (!held) {
      pane.appendChild(el('p', 'hint', 'Select an order with j / k or a click.'));
      return;
    }
    const title = el('h2', 'mono', held.orderId);
    title.appendChild(el('span', 'badge ' + held.status, held.status));
    pane.appendChild(title);

    pane.appendChild(el('h3', null, 'Why it was held'));
    const reasons = el('ul', 'reasons');
    held.decision.reasons.forEach((reason, index) => {
      const item = el('li');
      item.appendChild(el('p', null, reason.message));
      const shown = held.display.reasons[index] || {};
      const numbers = el('p', 'numbers');
      numbers.appendChild(el('span', 'rule', reason.rule + (reason.mode === 'shadow' ? ' (shadow)' : '')));
      if (shown.observed !== undefined) numbers.appendChild(el('span', null, 'observed ' + shown.observed));
      if (shown.limit !== undefined) numbers.appendChild(el('span', null, 'limit ' + shown.limit));
      if (reason.sku) numbers.appendChild(el('span', 'mono', 'SKU ' + reason.sku));
      if (reason.voucher) numbers.appendChild(el('span', 'mono', 'voucher ' + reason.voucher));
      item.appendChild(numbers);
      reasons.appendChild(item);
    });
    pane.appendChild(reasons);

    const facts = el('dl', 'facts');
    fact(facts, 'Total', held.display.total);
    fact(facts, 'List value', held.display.listValue);
    fact(facts, 'Discounts', held.display.discount);
    fact(facts, 'Customer', held.order.customerId || '(none)');
    fact(facts, 'Payment', held.order.paymentMethod || '(none)');
    fact(facts, 'Held at', when(held.heldAt));
    fact(facts, 'Claimed by', held.assignee || 'nobody');
    if (held.resolution) {
      fact(facts, 'Decided', held.resolution.by + ', ' + when(held.resolution.at));
      fact(facts, 'Note', held.resolution.note || '');
    }
    pane.appendChild(facts);

    const lines = el('table', 'lines');
    const head = el('tr');
    for (const name of ['SKU', 'Qty', 'Unit price', 'Discount']) head.appendChild(el('th', null, name));
    lines.appendChild(head);
    held.order.lines.forEach((orderLine, index) => {
      const row = el('tr');
      const shown = held.display.lines[index] || {};
      row.appendChild(el('td', 'mono', orderLine.sku));
      row.appendChild(el('td', 'num', orderLine.quantity));
      row.appendChild(el('td', 'num', shown.unitPrice));
      row.appendChild(el('td', 'num', shown.discount));
      lines.appendChild(row);
    });
    held.order.vouchers.forEach((voucher, index) => {
      const row = el('tr', 'voucher');
      row.appendChild(el('td', 'mono', 'voucher ' + voucher.code));
      row.appendChild(el('td'));
      row.appendChild(el('td'));
      row.appendChild(el('td', 'num', (held.display.vouchers[index] || {}).discount));
      lines.appendChild(row);
    });
    pane.appendChild(lines);

    if (held.status === 'pending') {
      const actions = el('div', 'actions');
      const note = el('textarea');
      note.id = 'note';
      note.placeholder = 'Note (required to reject; shown in the audit trail)';
      note.maxLength = 2000;
      actions.appendChild(note);
      const buttons = el('div', 'buttons');
      const claim = el('button', null, 'Claim (c)');
      claim.type = 'button';
      claim.addEventListener('click', () => act('claim'));
      const approve = el('button', 'approve', 'Approve (a)');
      approve.type = 'button';
      approve.addEventListener('click', () => act('approve'));
      const reject = el('button', 'reject', 'Reject (r)');
      reject.type = 'button';
      reject.addEventListener('click', () => act('reject'));
      buttons.appendChild(claim);
      buttons.appendChild(approve);
      buttons.appendChild(reject);
      actions.appendChild(buttons);
      pane.appendChild(actions);
    }

    pane.appendChild(el('h3', null, 'History of this order'));
    const trail = el('ol', 'trail');
    pane.appendChild(trail);
    try {
      const detail = await api('GET', 'holds/' + encodeURIComponent(held.orderId));
      if (current() === held) renderAudit(trail, detail.audit);
    } catch (error) {
      trail.appendChild(el('li', 'error', error.message));
    }
  }

  async function act(action) {
    const held = current();
    if (!held || held.status !== 'pending') return;
    const noteField = $('note');
    const note = noteField ? noteField.value.trim() : '';
    if (action === 'reject' && !note) {
      say('A note is required to reject: write it, then press Reject.', true);
      if (noteField) noteField.focus();
      return;
    }
    try {
      const path = 'holds/' + encodeURIComponent(held.orderId) + '/' + action;
      const body = action === 'claim' ? {} : { note, expectedVersion: held.version };
      const result = await api('POST', path, body);
      say(held.orderId + ': ' + (action === 'claim' ? 'claimed' : result.held.status) + '.');
    } catch (error) {
      say(held.orderId + ': ' + error.message, true);
    }
    await refresh();
  }

  function bulkFilter() {
    const filter = {};
    const voucher = $('b-voucher').value.trim();
    const sku = $('b-sku').value.trim();
    if (voucher) filter.voucher = voucher;
    if (sku) filter.sku = sku;
    return filter;
  }

  async function previewBulk(event) {
    event.preventDefault();
    const filter = bulkFilter();
    const action = $('b-action').value;
    if (!filter.voucher && !filter.sku) {
      say('Name a voucher code or a SKU for a bulk action.', true);
      return;
    }
    try {
      const result = await api('POST', 'bulk', { action, filter, dryRun: true });
      state.bulk = { action, filter };
      const confirm = $('b-confirm');
      confirm.textContent = 'Confirm: ' + action + ' ' + result.matched + ' pending order' + (result.matched === 1 ? '' : 's');
      confirm.hidden = result.matched === 0;
      say(result.matched + ' pending order' + (result.matched === 1 ? '' : 's') + ' match.');
    } catch (error) {
      say('Bulk preview failed: ' + error.message, true);
    }
  }

  async function runBulk() {
    if (!state.bulk) return;
    const note = $('b-note').value.trim();
    if (state.bulk.action === 'reject' && !note) {
      say('A note is required to reject: write it in the bulk note field.', true);
      $('b-note').focus();
      return;
    }
    try {
      const result = await api('POST', 'bulk', { action: state.bulk.action, filter: state.bulk.filter, note });
      say(
        'Bulk ' + state.bulk.action + ': ' + result.changed + ' changed, ' + result.skipped +
          ' skipped (decided by someone else)' + (result.truncated ? '; more remain, run it again' : '') + '.',
      );
    } catch (error) {
      say('Bulk action failed: ' + error.message, true);
    }
    state.bulk = null;
    $('b-confirm').hidden = true;
    await refresh();
  }

  async function refresh() {
    try {
      await Promise.all([loadQueue(false), loadStats(), loadAudit()]);
    } catch (error) {
      say(error.status === 401 ? 'The token was refused; paste a valid one.' : error.message, true);
      if (error.status === 401) signOut();
    }
  }

  async function signIn(token) {
    state.token = token;
    try {
      state.me = await api('GET', 'me');
      sessionStorage.setItem(TOKEN_KEY, token);
      $('me').textContent = state.me.name + ' (' + state.me.role + ')';
      $('login').hidden = true;
      $('logout').hidden = false;
      say('Signed in as ' + state.me.name + '. Keys: j/k move, c claim, a approve, r reject, / filter.');
      document.body.classList.toggle('can-act', state.me.role !== 'viewer');
      await refresh();
    } catch (error) {
      say(error.status === 401 ? 'The token was refused.' : error.message, true);
      signOut();
    }
  }

  function signOut() {
    sessionStorage.removeItem(TOKEN_KEY);
    state.token = '';
    state.me = null;
    state.items = [];
    $('me').textContent = '';
    $('login').hidden = false;
    $('logout').hidden = true;
    renderRows();
    renderDetail();
  }

  function onKey(event) {
    const target = event.target;
    const typing = target && /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
    if (typing) {
      if (event.key === 'Escape') target.blur();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const keys = {
      j: () => select(state.selected + 1),
      k: () => select(state.selected - 1),
      a: () => act('approve'),
      r: () => act('reject'),
      c: () => act('claim'),
      '/': () => $('f-sku').focus(),
      '?': () => say('Keys: j/k move, c claim, a approve, r reject (needs a note), / filter, Esc leaves a field.'),
    };
    const handler = Object.prototype.hasOwnProperty.call(keys, event.key) ? keys[event.key] : undefined;
    if (handler) {
      event.preventDefault();
      handler();
    }
  }

  document.addEventListener('DOMContentLoaded', () => {
    $('login').addEventListener('submit', (event) => {
      event.preventDefault();
      const token = $('token').value.trim();
      $('token').value = '';
      if (token) signIn(token);
    });
    $('logout').addEventListener('click', signOut);
    $('filters').addEventListener('submit', (event) => {
      event.preventDefault();
      state.selected = 0;
      loadQueue(false).catch((error) => say(error.message, true));
    });
    $('bulk').addEventListener('submit', previewBulk);
    $('b-confirm').addEventListener('click', runBulk);
    $('more').addEventListener('click', () => loadQueue(true).catch((error) => say(error.message, true)));
    document.addEventListener('keydown', onKey);
    renderRows();
    if (state.token) signIn(state.token);
    else say('Paste your review token to start.');
  });
})();
`;
