// src/review/assets/js/lists.js
// The audit list and the held orders table; moving the selection in it, and opening the selected order.

function renderAudit(list, entries) {
  clear(list);
  for (const entry of entries) {
    const item = el('li');
    item.appendChild(timeEl(entry.at));
    item.appendChild(el('strong', null, ` ${entry.actor} `));
    item.appendChild(el('span', 'action', entry.action.replaceAll('_', ' ')));
    const subject = entry.orderId || entry.voucher || entry.sku || entry.rule;
    if (subject) item.appendChild(el('span', 'subject mono', ` ${subject}`));
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
    const id = el('td', 'order');
    id.appendChild(el('div', 'mono', held.orderId));
    id.appendChild(el('div', 'mono hint customer', held.order.customerId));
    row.appendChild(id);
    const heldAt = el('td', 'when');
    heldAt.appendChild(timeEl(held.heldAt));
    row.appendChild(heldAt);
    row.appendChild(labelledCell('num pays', 'Pays', held.display.total));
    const unpaid = labelledCell('num given', 'Unpaid', held.display.exposure);
    unpaid.title = `listed ${held.display.listValue}; discounts ${held.display.discount}`;
    if (held.exposure > 0 && held.exposure >= held.order.total) unpaid.classList.add('big');
    row.appendChild(unpaid);
    row.appendChild(el('td', 'rules', held.rules.join(', ')));
    row.appendChild(el('td', 'mono skus', held.skus.join(', ')));
    row.appendChild(el('td', 'mono vouchers', held.vouchers.join(', ')));
    const status = el('td', 'status-cell');
    status.appendChild(el('span', `badge ${held.status}`, held.status));
    if (held.assignee) status.appendChild(el('div', 'hint', `claimed by ${held.assignee}`));
    row.appendChild(status);
    row.addEventListener('click', () => {
      state.selected = index;
      setPane('list', { focus: false });
      renderDetail();
      openDetail();
    });
    rows.appendChild(row);
  });
  if (state.items.length === 0) emptyRow(rows, 8, 'No held orders match.');
}

function select(index) {
  if (state.items.length === 0) return;
  state.selected = Math.max(0, Math.min(state.items.length - 1, index));
  renderRows();
  renderDetail();
  const row = $('rows').children[state.selected];
  if (row?.scrollIntoView) row.scrollIntoView({ block: 'nearest' });
}

function current() {
  return state.items[state.selected];
}

/** On a phone, shows the selected order over the list (a no-op on wide screens, where it sits beside it). */
function openDetail() {
  if (!isPhone() || !current()) return;
  state.detailOpen = true;
  document.body.classList.add('detail-open');
  $('detail').scrollTop = 0;
  $('detail').focus({ preventScroll: true });
}

/** Closes the phone's order view and returns to the row it was opened from. */
function closeDetail() {
  if (!state.detailOpen) return;
  state.detailOpen = false;
  document.body.classList.remove('detail-open');
  const row = $('rows').children[state.selected];
  if (row?.scrollIntoView) row.scrollIntoView({ block: 'center' });
  $('l-table').focus({ preventScroll: true });
}
