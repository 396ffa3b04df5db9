// src/review/assets/js/keyboard.js
// The keyboard: j/k, c/a/r, p, o, u, /, i, v/e and Esc, per pane, and the help text.

function cycleOrder() {
  const field = $('f-order');
  field.value = ORDERS[(ORDERS.indexOf(field.value) + 1) % ORDERS.length];
  state.selected = 0;
  loadQueue(false)
    .then(() => say(`Order: ${field.options[field.selectedIndex].text}.`))
    .catch((error) => say(error.message, true));
}

const HELP =
  'Keys: j/k move, c claim, a approve, r reject (needs a note), p accept the new price of a line a price-history ' +
  'rule held (admin), o order (newest, oldest, most given away), u refresh, / filter, i incidents: there j/k ' +
  'move, Enter shows the orders, a/r preview the group, v clear the voucher, e keep it held 24 h (admin), ' +
  'Esc back to the list.';

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
          e: () => group() && group().kind === 'voucher' && keepHeld(group().key),
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
          p: acceptPriceKey,
          i: () => setPane('incidents'),
        };
  const handler = Object.hasOwn(keys, event.key) ? keys[event.key] : undefined;
  if (handler) {
    event.preventDefault();
    handler();
  }
}
