// src/review/assets/js/lists.js
// The audit list, the incident groups table and the held orders table; moving the selection in them.

function renderAudit(list, entries) {
  clear(list);
  for (const entry of entries) {
    const item = el('li');
    item.appendChild(timeEl(entry.at));
    item.appendChild(el('strong', null, ` ${entry.actor} `));
    item.appendChild(el('span', 'action', entry.action));
    const subject = entry.orderId || entry.voucher || entry.sku || entry.rule;
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
          `admin-only clear-voucher${clearing ? ' reject' : ''}`,
          () => clearVoucher(group.key),
        ),
      );
      const extending = state.extending === group.key;
      actions.appendChild(
        button(
          extending ? `Confirm: keep ${group.key} held 24 h` : 'Keep held 24 h',
          `admin-only keep-held${extending ? ' reject' : ''}`,
          () => keepHeld(group.key),
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
