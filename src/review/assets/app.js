// src/review/assets/app.js
// The review page script: fetches the API with the bearer token, renders with DOM APIs only, keyboard shortcuts.
(() => {
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
      confirm.textContent =
        'Confirm: ' + action + ' ' + result.matched + ' pending order' + (result.matched === 1 ? '' : 's');
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
      const result = await api('POST', 'bulk', {
        action: state.bulk.action,
        filter: state.bulk.filter,
        note,
      });
      say(
        'Bulk ' +
          state.bulk.action +
          ': ' +
          result.changed +
          ' changed, ' +
          result.skipped +
          ' skipped (decided by someone else)' +
          (result.truncated ? '; more remain, run it again' : '') +
          '.',
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
      '?': () =>
        say('Keys: j/k move, c claim, a approve, r reject (needs a note), / filter, Esc leaves a field.'),
    };
    const handler = Object.hasOwn(keys, event.key) ? keys[event.key] : undefined;
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
