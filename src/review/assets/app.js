// src/review/assets/app.js
// The review page script: incidents by cause, the queue, live updates; text via DOM APIs only, keyboard-first.
(() => {
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
    signature: '',
    updatedAt: 0,
    updateFailed: false,
    polling: false,
  };
  const $ = (id) => document.getElementById(id);

  /** Creates an element whose text is set with textContent: data never becomes markup. */
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function button(text, className, onClick) {
    const node = el('button', className, text);
    node.type = 'button';
    node.addEventListener('click', onClick);
    return node;
  }
  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }
  /** The instant in UTC, for the title of every time shown in local time. */
  function utc(ms) {
    return new Date(ms)
      .toISOString()
      .replace('T', ' ')
      .replace(/\.\d+Z$/, ' UTC');
  }
  function when(ms) {
    return new Date(ms).toLocaleString();
  }
  function shortWhen(ms) {
    const options = { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' };
    return new Date(ms).toLocaleString(undefined, options);
  }
  /** A <time> in the reviewer's time zone, with the UTC instant on hover. */
  function timeEl(ms, short) {
    const node = el('time', null, short ? shortWhen(ms) : when(ms));
    node.dateTime = new Date(ms).toISOString();
    node.title = utc(ms);
    return node;
  }
  function age(ms) {
    const minutes = Math.max(0, Math.round((Date.now() - ms) / 60000));
    if (minutes < 120) return `${minutes} min`;
    if (minutes < 2880) return `${Math.round(minutes / 60)} h`;
    return `${Math.round(minutes / 1440)} days`;
  }
  function plural(count, word) {
    return `${count} ${word}${count === 1 ? '' : 's'}`;
  }
  /** "IDR 30,000,000 given away, IDR 59,850,000 to collect", per currency. */
  function moneyText(display) {
    return Object.keys(display || {})
      .sort()
      .map((currency) => `${display[currency].discount} given away, ${display[currency].total} to collect`)
      .join('; ');
  }
  function say(message, isError) {
    const status = $('status');
    status.textContent = message;
    status.className = isError ? 'status error' : 'status';
  }

  async function api(method, path, body) {
    const headers = { Authorization: `Bearer ${state.token}`, Accept: 'application/json' };
    const init = { method, headers, credentials: 'omit', cache: 'no-store' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const response = await fetch(`api/${path}`, init);
    let data = {};
    try {
      data = await response.json();
    } catch (_) {
      data = {};
    }
    if (!response.ok) {
      const detail = data.problems
        ? data.problems.map((p) => (p.path ? `${p.path} ` : '') + p.message).join('; ')
        : data.message || `HTTP ${response.status}`;
      const error = new Error(detail);
      error.status = response.status;
      throw error;
    }
    return data;
  }

  /** A datetime-local field as epoch ms, in the reviewer's time zone. */
  function instantOf(id) {
    const value = $(id).value;
    return value ? new Date(value).getTime() : undefined;
  }

  function filterQuery() {
    const params = new URLSearchParams();
    params.set('status', $('f-status').value);
    for (const name of ['rule', 'sku', 'voucher']) {
      const value = $(`f-${name}`).value.trim();
      if (value) params.set(name, value);
    }
    for (const name of ['from', 'to']) {
      const ms = instantOf(`f-${name}`);
      if (ms !== undefined) params.set(name, String(ms));
    }
    params.set('order', $('f-order').value);
    params.set('limit', String(PAGE_SIZE));
    return params;
  }

  /**
   * Loads the first page (or the next one with `append`). With `keep`, the selected order stays selected and its
   * detail is not rebuilt when it did not change, so a note being written survives a live update.
   */
  async function loadQueue(append, keep) {
    if (!state.token) return;
    const params = filterQuery();
    if (append && state.nextCursor) params.set('cursor', state.nextCursor);
    const page = await api('GET', `holds?${params.toString()}`);
    const before = current();
    state.items = append ? state.items.concat(page.items) : page.items;
    state.nextCursor = page.nextCursor;
    state.extended = append;
    if (!append) $('changed').hidden = true;
    if (keep && before) {
      const index = state.items.findIndex((held) => held.orderId === before.orderId);
      if (index >= 0) state.selected = index;
    }
    if (state.selected >= state.items.length) state.selected = Math.max(0, state.items.length - 1);
    renderRows();
    const now = current();
    if (
      !(keep || append) ||
      !before ||
      !now ||
      now.orderId !== before.orderId ||
      now.version !== before.version
    ) {
      renderDetail();
    }
    $('more').hidden = !state.nextCursor;
  }

  async function loadStats() {
    const stats = await api('GET', 'stats');
    const parts = [
      `${stats.byStatus.pending} pending`,
      `${stats.byStatus.approved} approved`,
      `${stats.byStatus.rejected} rejected`,
    ];
    if (stats.oldestPendingAt) parts.push(`oldest pending ${age(stats.oldestPendingAt)} ago`);
    $('stats').textContent = parts.join(' · ');
    const atStake = moneyText(stats.display?.pendingValue);
    $('at-stake').textContent = atStake ? `At stake: ${atStake}` : '';
    return stats;
  }

  async function loadGroups() {
    const params = new URLSearchParams({ limit: '20', by: $('g-by').value });
    if ($('g-kind').value) params.set('kind', $('g-kind').value);
    const result = await api('GET', `groups?${params.toString()}`);
    // Unchanged since the last update: leave the rows alone (a button about to be clicked stays where it is).
    const key = JSON.stringify(result);
    if (key === state.groupsKey) return;
    state.groupsKey = key;
    const selected = state.groups[state.groupSelected];
    state.groups = result.groups;
    if (selected) {
      const index = state.groups.findIndex((g) => g.kind === selected.kind && g.key === selected.key);
      if (index >= 0) state.groupSelected = index;
    }
    if (state.groupSelected >= state.groups.length)
      state.groupSelected = Math.max(0, state.groups.length - 1);
    $('g-total').textContent =
      result.total > result.groups.length
        ? `top ${result.groups.length} of ${result.total}`
        : plural(result.total, 'cause');
    renderGroups();
  }

  async function loadAudit() {
    const { entries } = await api('GET', 'audit?limit=30');
    renderAudit($('audit'), entries);
  }

  function renderAudit(list, entries) {
    clear(list);
    for (const entry of entries) {
      const item = el('li');
      item.appendChild(timeEl(entry.at));
      item.appendChild(el('strong', null, ` ${entry.actor} `));
      item.appendChild(el('span', 'action', entry.action));
      const subject = entry.orderId || entry.voucher || entry.sku;
      if (subject) item.appendChild(el('span', 'subject', ` ${subject}`));
      if (entry.note) item.appendChild(el('q', null, entry.note));
      list.appendChild(item);
    }
    if (entries.length === 0) list.appendChild(el('li', 'empty', 'Nothing yet.'));
  }

  function renderGroups() {
    const body = $('groups');
    clear(body);
    $('incidents').classList.toggle('active', state.pane === 'incidents');
    state.groups.forEach((group, index) => {
      const row = el('tr', state.pane === 'incidents' && index === state.groupSelected ? 'selected' : '');
      row.dataset.kind = group.kind;
      row.dataset.key = group.key;
      const cause = el('td', 'cause');
      cause.appendChild(el('span', `kind ${group.kind}`, KIND_LABEL[group.kind]));
      cause.appendChild(el('span', 'mono key', group.key));
      row.appendChild(cause);
      row.appendChild(el('td', 'num count', group.count));
      const span = el('td', 'when span');
      const first = el('div');
      first.appendChild(timeEl(group.firstHeldAt, true));
      first.appendChild(el('span', 'hint', ` (${age(group.firstHeldAt)} ago)`));
      span.appendChild(first);
      const last = el('div', null, '– ');
      last.appendChild(timeEl(group.lastHeldAt, true));
      span.appendChild(last);
      row.appendChild(span);
      const money = el('td', 'money');
      for (const currency of Object.keys(group.display.money).sort()) {
        const shown = group.display.money[currency];
        const line = el('div');
        line.appendChild(el('strong', null, shown.discount));
        line.appendChild(el('span', null, ' given away'));
        line.appendChild(el('div', 'hint', `listed ${shown.listValue} · to collect ${shown.total}`));
        money.appendChild(line);
      }
      row.appendChild(money);
      const actions = el('td', 'group-actions');
      actions.appendChild(button('Orders', null, () => showGroupOrders(group)));
      actions.appendChild(button('Reject all…', 'reject acts', () => previewGroup(group, 'reject')));
      actions.appendChild(button('Approve all…', 'acts', () => previewGroup(group, 'approve')));
      if (group.kind === 'voucher') {
        const clearing = state.clearing === group.key;
        actions.appendChild(
          button(
            clearing ? `Confirm: clear ${group.key}` : 'Clear voucher',
            `admin-only${clearing ? ' reject' : ''}`,
            () => clearVoucher(group.key),
          ),
        );
      }
      row.appendChild(actions);
      row.addEventListener('click', (event) => {
        if (event.target && event.target.tagName === 'BUTTON') return;
        state.groupSelected = index;
        setPane('incidents');
      });
      body.appendChild(row);
    });
    if (state.groups.length === 0) {
      const row = el('tr');
      const cell = el('td', 'empty', 'No pending holds: nothing to group.');
      cell.colSpan = 5;
      row.appendChild(cell);
      body.appendChild(row);
    }
  }

  function renderRows() {
    const rows = $('rows');
    clear(rows);
    state.items.forEach((held, index) => {
      const row = el('tr', state.pane === 'list' && index === state.selected ? 'selected' : '');
      row.dataset.orderId = held.orderId;
      const id = el('td', 'order');
      id.appendChild(el('div', 'mono', held.orderId));
      id.appendChild(el('div', 'mono hint customer', held.order.customerId));
      row.appendChild(id);
      const heldAt = el('td', 'when');
      heldAt.appendChild(timeEl(held.heldAt, true));
      row.appendChild(heldAt);
      row.appendChild(el('td', 'num', held.display.total));
      const given = el('td', 'num given', held.display.discount);
      given.title = `listed ${held.display.listValue}`;
      if (held.discount > 0 && held.discount >= held.order.total) given.classList.add('big');
      row.appendChild(given);
      row.appendChild(el('td', 'rules', held.rules.join(', ')));
      row.appendChild(el('td', 'mono skus', held.skus.join(', ')));
      row.appendChild(el('td', 'mono vouchers', held.vouchers.join(', ')));
      const status = el('td', 'status-cell');
      status.appendChild(el('span', `badge ${held.status}`, held.status));
      if (held.assignee) status.appendChild(el('div', 'hint', `claimed by ${held.assignee}`));
      row.appendChild(status);
      row.addEventListener('click', () => {
        setPane('list');
        select(index);
      });
      rows.appendChild(row);
    });
    if (state.items.length === 0) {
      const row = el('tr');
      const cell = el('td', 'empty', 'No held orders match.');
      cell.colSpan = 8;
      row.appendChild(cell);
      rows.appendChild(row);
    }
  }

  function setPane(pane) {
    state.pane = pane;
    renderGroups();
    renderRows();
    const target = pane === 'incidents' ? $('groups').children[state.groupSelected] : null;
    if (target?.scrollIntoView) target.scrollIntoView({ block: 'nearest' });
  }

  function select(index) {
    if (state.items.length === 0) return;
    state.selected = Math.max(0, Math.min(state.items.length - 1, index));
    renderRows();
    renderDetail();
    const row = $('rows').children[state.selected];
    if (row?.scrollIntoView) row.scrollIntoView({ block: 'nearest' });
  }

  function selectGroup(index) {
    if (state.groups.length === 0) return;
    state.groupSelected = Math.max(0, Math.min(state.groups.length - 1, index));
    setPane('incidents');
  }

  function current() {
    return state.items[state.selected];
  }

  function fact(list, label, value) {
    list.appendChild(el('dt', null, label));
    const cell = el('dd');
    if (typeof value === 'object' && value !== null) cell.appendChild(value);
    else cell.textContent = value;
    list.appendChild(cell);
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
    title.appendChild(el('span', `badge ${held.status}`, held.status));
    pane.appendChild(title);

    const stake = el('p', 'stake');
    stake.appendChild(el('strong', null, held.display.discount));
    stake.appendChild(el('span', null, ` given away on ${held.display.listValue} listed; collects `));
    stake.appendChild(el('strong', null, held.display.total));
    pane.appendChild(stake);

    pane.appendChild(el('h3', null, 'Why it was held'));
    const reasons = el('ul', 'reasons');
    held.decision.reasons.forEach((reason, index) => {
      const item = el('li');
      item.appendChild(el('p', null, reason.message));
      const shown = held.display.reasons[index] || {};
      const numbers = el('p', 'numbers');
      numbers.appendChild(el('span', 'rule', reason.rule + (reason.mode === 'shadow' ? ' (shadow)' : '')));
      if (shown.observed !== undefined) numbers.appendChild(el('span', null, `observed ${shown.observed}`));
      if (shown.limit !== undefined) numbers.appendChild(el('span', null, `limit ${shown.limit}`));
      if (reason.sku) numbers.appendChild(el('span', 'mono', `SKU ${reason.sku}`));
      if (reason.voucher) numbers.appendChild(el('span', 'mono', `voucher ${reason.voucher}`));
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
    fact(facts, 'Held at', timeEl(held.heldAt));
    fact(facts, 'Claimed by', held.assignee || 'nobody');
    if (held.resolution) {
      const decided = el('span', null, `${held.resolution.by}, `);
      decided.appendChild(timeEl(held.resolution.at));
      fact(facts, 'Decided', decided);
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
      row.appendChild(el('td', 'mono', `voucher ${voucher.code}`));
      row.appendChild(el('td'));
      row.appendChild(el('td'));
      row.appendChild(el('td', 'num', held.display.vouchers[index]?.discount));
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
      buttons.appendChild(button('Claim (c)', null, () => act('claim')));
      buttons.appendChild(button('Approve (a)', 'approve', () => act('approve')));
      buttons.appendChild(button('Reject (r)', 'reject', () => act('reject')));
      actions.appendChild(buttons);
      pane.appendChild(actions);
    }

    pane.appendChild(el('h3', null, 'History of this order'));
    const trail = el('ol', 'trail');
    pane.appendChild(trail);
    try {
      const detail = await api('GET', `holds/${encodeURIComponent(held.orderId)}`);
      if (current() === held) renderAudit(trail, detail.audit);
    } catch (error) {
      trail.appendChild(el('li', 'error', error.message));
    }
  }

  async function act(action) {
    const held = current();
    if (held?.status !== 'pending') return;
    const noteField = $('note');
    const note = noteField ? noteField.value.trim() : '';
    if (action === 'reject' && !note) {
      say('A note is required to reject: write it, then press Reject.', true);
      if (noteField) noteField.focus();
      return;
    }
    try {
      const path = `holds/${encodeURIComponent(held.orderId)}/${action}`;
      const body = action === 'claim' ? {} : { note, expectedVersion: held.version };
      const result = await api('POST', path, body);
      say(`${held.orderId}: ${action === 'claim' ? 'claimed' : result.held.status}.`);
    } catch (error) {
      say(`${held.orderId}: ${error.message}`, true);
    }
    await refresh();
  }

  /** Shows the pending orders of a group in the list. */
  function showGroupOrders(group) {
    $('f-status').value = 'pending';
    $('f-rule').value = group.kind === 'rule' ? group.key : '';
    $('f-sku').value = group.kind === 'sku' ? group.key : '';
    $('f-voucher').value = group.kind === 'voucher' ? group.key : '';
    $('f-from').value = '';
    $('f-to').value = '';
    state.selected = 0;
    state.pane = 'list';
    renderGroups();
    loadQueue(false)
      .then(() => say(`Showing the ${plural(group.count, 'pending order')} of ${describe(group)}.`))
      .catch((error) => say(error.message, true));
  }

  function describe(group) {
    return `${KIND_LABEL[group.kind]} ${group.key}`;
  }

  /** Fills the bulk form with a group's cause and previews the action: count and money before anything changes. */
  function previewGroup(group, action) {
    $('b-action').value = action;
    $('b-voucher').value = group.kind === 'voucher' ? group.key : '';
    $('b-sku').value = group.kind === 'sku' ? group.key : '';
    $('b-rule').value = group.kind === 'rule' ? group.key : '';
    $('b-from').value = '';
    $('b-to').value = '';
    return previewBulk();
  }

  function bulkFilter() {
    const filter = {};
    const voucher = $('b-voucher').value.trim();
    const sku = $('b-sku').value.trim();
    const rule = $('b-rule').value;
    if (voucher) filter.voucher = voucher;
    if (sku) filter.sku = sku;
    if (rule) filter.rule = rule;
    const from = instantOf('b-from');
    const to = instantOf('b-to');
    if (from !== undefined) filter.from = from;
    if (to !== undefined) filter.to = to;
    return filter;
  }

  function cancelBulk() {
    state.bulk = null;
    $('b-confirm').hidden = true;
    $('b-cancel').hidden = true;
  }

  async function previewBulk(event) {
    if (event) event.preventDefault();
    cancelBulk();
    const filter = bulkFilter();
    const action = $('b-action').value;
    if (!filter.voucher && !filter.sku && !filter.rule) {
      say('Name a voucher code, a SKU or a rule for a bulk action (a time range alone is not enough).', true);
      return;
    }
    try {
      const result = await api('POST', 'bulk', { action, filter, dryRun: true });
      const money = moneyText(result.display.money);
      const orders = plural(result.matched, 'pending order');
      say(`${orders} match${result.matched === 1 ? 'es' : ''}${money ? `: ${money}` : ''}.`);
      if (result.matched === 0) return;
      state.bulk = { action, filter };
      const confirm = $('b-confirm');
      confirm.textContent = `Confirm: ${action} ${orders}${money ? ` (${money})` : ''}`;
      confirm.hidden = false;
      $('b-cancel').hidden = false;
      if (action === 'reject' && !$('b-note').value.trim()) {
        $('b-note').focus();
        say(`${orders + (money ? ` (${money})` : '')} match. Write a note, then confirm.`);
      } else {
        confirm.focus();
      }
    } catch (error) {
      say(`Bulk preview failed: ${error.message}`, true);
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
    const { action, filter } = state.bulk;
    cancelBulk();
    try {
      const result = await api('POST', 'bulk', { action, filter, note });
      say(
        'Bulk ' +
          action +
          ': ' +
          result.changed +
          ' changed, ' +
          result.skipped +
          ' skipped (decided by someone else)' +
          (result.truncated ? '; more remain, run it again' : '') +
          '.',
      );
    } catch (error) {
      say(`Bulk action failed: ${error.message}`, true);
    }
    await refresh();
  }

  /** Clears a tripped voucher (admin): the first press asks, the second one clears. */
  async function clearVoucher(code) {
    if (state.me?.role !== 'admin') {
      say('Clearing a voucher needs the admin role.', true);
      return;
    }
    if (state.clearing !== code) {
      state.clearing = code;
      renderGroups();
      say(`Press again to clear the velocity trip of voucher ${code} (its orders flow again).`);
      return;
    }
    state.clearing = null;
    try {
      await api('POST', `vouchers/${encodeURIComponent(code)}/clear`);
      say(`Voucher ${code} cleared: its velocity counters restart.`);
    } catch (error) {
      say(`Voucher ${code}: ${error.message}`, error.status !== 404);
    }
    renderGroups();
    await refresh();
  }

  async function refresh() {
    try {
      const [stats] = await Promise.all([loadStats(), loadGroups(), loadQueue(false, true), loadAudit()]);
      state.signature = JSON.stringify([stats.byStatus, stats.pendingValue]);
      state.updatedAt = Date.now();
      state.updateFailed = false;
      renderUpdated();
    } catch (error) {
      say(error.status === 401 ? 'The token was refused; paste a valid one.' : error.message, true);
      if (error.status === 401) signOut();
    }
  }

  /** Live update: the counts and incidents every few seconds; the list too unless more pages were loaded. */
  async function poll() {
    if (!state.token || !state.me || state.polling) return;
    state.polling = true;
    try {
      const [stats] = await Promise.all([loadStats(), loadGroups()]);
      const signature = JSON.stringify([stats.byStatus, stats.pendingValue]);
      if (signature !== state.signature) {
        if (state.extended) $('changed').hidden = false;
        else await loadQueue(false, true);
        await loadAudit();
      }
      state.signature = signature;
      state.updatedAt = Date.now();
      state.updateFailed = false;
    } catch (error) {
      state.updateFailed = true;
      if (error.status === 401) signOut();
    } finally {
      state.polling = false;
      renderUpdated();
    }
  }

  function renderUpdated() {
    const node = $('updated');
    if (!state.me || !state.updatedAt) {
      node.textContent = '';
      return;
    }
    const seconds = Math.max(0, Math.round((Date.now() - state.updatedAt) / 1000));
    const ago = seconds < 120 ? `${seconds} s ago` : `${Math.round(seconds / 60)} min ago`;
    node.textContent = (state.updateFailed ? 'update failed; last updated ' : 'updated ') + ago;
    node.title = `Live: refreshed every ${REFRESH_SECONDS} s. Last update ${utc(state.updatedAt)}`;
    node.className = state.updateFailed ? 'updated error' : 'updated';
  }

  async function signIn(token) {
    state.token = token;
    try {
      state.me = await api('GET', 'me');
      sessionStorage.setItem(TOKEN_KEY, token);
      $('me').textContent = `${state.me.name} (${state.me.role})`;
      $('login').hidden = true;
      $('logout').hidden = false;
      say(
        'Signed in as ' +
          state.me.name +
          '. Keys: j/k move, c claim, a approve, r reject, i incidents, ? help.',
      );
      document.body.classList.toggle('can-act', state.me.role !== 'viewer');
      document.body.classList.toggle('is-admin', state.me.role === 'admin');
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
    state.groups = [];
    state.groupsKey = '';
    state.updatedAt = 0;
    $('me').textContent = '';
    $('stats').textContent = '';
    $('at-stake').textContent = '';
    $('login').hidden = false;
    $('logout').hidden = true;
    document.body.classList.remove('can-act', 'is-admin');
    renderRows();
    renderGroups();
    renderDetail();
    renderUpdated();
  }

  function cycleOrder() {
    const field = $('f-order');
    field.value = ORDERS[(ORDERS.indexOf(field.value) + 1) % ORDERS.length];
    state.selected = 0;
    loadQueue(false)
      .then(() => say(`Order: ${field.options[field.selectedIndex].text}.`))
      .catch((error) => say(error.message, true));
  }

  const HELP =
    'Keys: j/k move, c claim, a approve, r reject (needs a note), o order (newest, oldest, most given away), ' +
    'u refresh, / filter, i incidents: there j/k move, Enter shows the orders, a/r preview the group, ' +
    'v clear the voucher (admin), Esc back to the list.';

  function onKey(event) {
    const target = event.target;
    const typing = target && /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
    if (typing) {
      if (event.key === 'Escape') target.blur();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    // Enter and Space keep activating a focused button (the bulk confirm, a group action).
    if (target && target.tagName === 'BUTTON' && (event.key === 'Enter' || event.key === ' ')) return;
    const group = () => state.groups[state.groupSelected];
    const common = {
      o: cycleOrder,
      u: () => refresh(),
      '/': () => $('f-sku').focus(),
      '?': () => say(HELP),
    };
    const keys =
      state.pane === 'incidents'
        ? {
            ...common,
            j: () => selectGroup(state.groupSelected + 1),
            k: () => selectGroup(state.groupSelected - 1),
            Enter: () => group() && showGroupOrders(group()),
            a: () => group() && previewGroup(group(), 'approve'),
            r: () => group() && previewGroup(group(), 'reject'),
            v: () => group() && group().kind === 'voucher' && clearVoucher(group().key),
            i: () => setPane('list'),
            Escape: () => setPane('list'),
          }
        : {
            ...common,
            j: () => select(state.selected + 1),
            k: () => select(state.selected - 1),
            a: () => act('approve'),
            r: () => act('reject'),
            c: () => act('claim'),
            i: () => setPane('incidents'),
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
    $('f-order').addEventListener('change', () => {
      state.selected = 0;
      loadQueue(false).catch((error) => say(error.message, true));
    });
    for (const id of ['g-kind', 'g-by']) {
      $(id).addEventListener('change', () => loadGroups().catch((error) => say(error.message, true)));
    }
    $('bulk').addEventListener('submit', previewBulk);
    // A preview is for the filter it showed: changing the form asks for a new preview.
    for (const id of ['b-action', 'b-voucher', 'b-sku', 'b-rule', 'b-from', 'b-to']) {
      $(id).addEventListener('input', cancelBulk);
    }
    $('b-confirm').addEventListener('click', runBulk);
    $('b-cancel').addEventListener('click', () => {
      cancelBulk();
      say('Bulk action cancelled; nothing changed.');
    });
    $('more').addEventListener('click', () => loadQueue(true).catch((error) => say(error.message, true)));
    $('reload').addEventListener('click', () => refresh());
    document.addEventListener('keydown', onKey);
    setInterval(poll, REFRESH_SECONDS * 1000);
    setInterval(renderUpdated, 1000);
    renderRows();
    renderGroups();
    if (state.token) signIn(state.token);
    else say('Paste your review token to start.');
  });
})();
