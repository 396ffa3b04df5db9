// src/review/assets/js/bulk.js
// An incident group's orders, bulk preview and confirm, and clearing or keeping held a tripped voucher (admin).

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
    state.extending = null;
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

/** Keeps a tripped voucher held for 24 hours more (admin): the first press asks, the second one extends. */
async function keepHeld(code) {
  if (state.me?.role !== 'admin') {
    say('Keeping a voucher held needs the admin role.', true);
    return;
  }
  if (state.extending !== code) {
    state.extending = code;
    state.clearing = null;
    renderGroups();
    say(`Press again to keep voucher ${code} held for 24 h, even if its rate goes back to normal.`);
    return;
  }
  state.extending = null;
  try {
    const result = await api('POST', `vouchers/${encodeURIComponent(code)}/extend`, { hours: 24 });
    say(`Voucher ${code} kept held until ${when(Date.parse(result.until))}.`);
  } catch (error) {
    say(`Voucher ${code}: ${error.message}`, error.status !== 404);
  }
  renderGroups();
  await refresh();
}
