// src/review/assets/js/bulk.js
// Deciding an incident in bulk: the form opened for one incident, narrowed by rule and payment method, a preview
// stating the count, the money, the breakdown and sample orders, then the confirm; after it the form is reset and
// the keys stay in the incidents.

function option(select, value, text) {
  const node = el('option', null, text);
  node.value = value;
  select.appendChild(node);
}

/** Fills a narrowing select with "any" and the incident's names, largest count first. */
function fillChoices(select, anyText, counts, show) {
  const keep = select.value;
  clear(select);
  option(select, '', anyText);
  const entries = Object.entries(counts || {}).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  for (const [name, count] of entries) option(select, name, `${show ? show(name) : name} (${count})`);
  select.value = entries.some(([name]) => name === keep) ? keep : '';
}

function bulkIncident() {
  return state.incidents.find((incident) => incident.id === state.bulkIncident);
}

/** Opens the form for an incident with an action, and previews it at once. */
function openBulk(incident, action) {
  if (state.me?.role === 'viewer') {
    say('Deciding orders needs the reviewer role.', true, 'incidents');
    return;
  }
  const index = state.incidents.indexOf(incident);
  if (index >= 0) state.incidentSelected = index;
  if (state.bulkIncident !== incident.id) resetBulk();
  state.bulkIncident = incident.id;
  $('b-action').value = action;
  fillChoices($('b-rule'), 'any rule', incident.breakdown.rules);
  fillChoices($('b-method'), 'any payment method', incident.breakdown.paymentMethods, methodText);
  $('bulk').hidden = false;
  state.pane = 'incidents';
  renderPane();
  renderIncidents();
  labelBulk();
  return previewBulk();
}

function labelBulk() {
  const incident = bulkIncident();
  if (!incident) return;
  $('bulk-title').textContent = `Decide ${describe(incident)}: ${plural(incident.count, 'pending order')}`;
}

/** Keeps the open form in step with a live update: its counts, or closed once its incident is gone. */
function refreshBulkIncident() {
  if (state.bulkIncident === null) return;
  const incident = bulkIncident();
  if (!incident) {
    const id = state.bulkIncident;
    resetBulk();
    say(`Incident ${id} has no pending orders left; nothing to decide.`, false, 'incidents');
    return;
  }
  fillChoices($('b-rule'), 'any rule', incident.breakdown.rules);
  fillChoices($('b-method'), 'any payment method', incident.breakdown.paymentMethods, methodText);
  labelBulk();
}

function bulkFilter() {
  const filter = { incident: state.bulkIncident };
  if ($('b-rule').value) filter.rule = $('b-rule').value;
  if ($('b-method').value) filter.paymentMethod = $('b-method').value;
  return filter;
}

/** Forgets a preview: its confirm button goes, so a changed form needs a new preview. */
function cancelPreview() {
  state.bulk = null;
  $('b-confirm').hidden = true;
}

/** Empties and hides the form: no filter, note or preview is left for the next incident. */
function resetBulk() {
  cancelPreview();
  state.bulkIncident = null;
  $('b-action').value = 'reject';
  clear($('b-rule'));
  clear($('b-method'));
  $('b-note').value = '';
  clear($('b-result'));
  $('bulk').hidden = true;
}

/** Closes the form and puts the keys back on the incidents. */
function closeBulk(message) {
  resetBulk();
  setPane('incidents');
  if (message) say(message, false, 'incidents');
}

/** The preview: how many orders, their money, how they split by rule and payment method, and a few of them. */
function renderPreview(result) {
  const box = $('b-result');
  clear(box);
  const money = stakeText(result.display.money, result.money);
  box.appendChild(
    el(
      'p',
      'preview-count',
      `${plural(result.matched, 'pending order')} match${result.matched === 1 ? 'es' : ''}${money ? `: ${money}` : ''}.`,
    ),
  );
  if (result.matched === 0) return;
  const split = el('dl', 'split');
  split.appendChild(el('dt', null, 'By rule'));
  split.appendChild(el('dd', null, countsText(result.breakdown.rules, 8)));
  split.appendChild(el('dt', null, 'By payment method'));
  split.appendChild(el('dd', 'mono', countsText(result.breakdown.paymentMethods, 8, methodText)));
  box.appendChild(split);
  const table = el('table', 'samples');
  table.appendChild(
    el('caption', null, `${plural(result.samples.length, 'sample order')} (one per payment method first)`),
  );
  const head = el('tr');
  for (const name of ['Order · customer', 'Payment method', 'Rules', 'Pays', 'Unpaid']) {
    const cell = el('th', name === 'Pays' || name === 'Unpaid' ? 'num' : null, name);
    cell.scope = 'col';
    head.appendChild(cell);
  }
  table.appendChild(head);
  for (const sample of result.samples) {
    const row = el('tr');
    const who = el('td', 'mono');
    who.appendChild(el('div', null, sample.orderId));
    who.appendChild(el('div', 'hint', sample.customerId));
    row.appendChild(who);
    row.appendChild(el('td', 'mono', methodText(sample.paymentMethod)));
    row.appendChild(el('td', null, sample.rules.join(', ')));
    row.appendChild(el('td', 'num', sample.display.total));
    row.appendChild(el('td', 'num', sample.display.exposure));
    table.appendChild(row);
  }
  box.appendChild(table);
}

async function previewBulk(event) {
  if (event) event.preventDefault();
  cancelPreview();
  if (state.bulkIncident === null) return;
  const filter = bulkFilter();
  const action = $('b-action').value;
  try {
    const result = await api('POST', 'bulk', { action, filter, dryRun: true });
    renderPreview(result);
    if (result.matched === 0) {
      say('No pending order matches: nothing to decide.', false, 'incidents');
      return;
    }
    state.bulk = { action, filter, matched: result.matched };
    const money = stakeText(result.display.money, result.money);
    const confirm = $('b-confirm');
    confirm.textContent = `Confirm: ${action} ${plural(result.matched, 'order')}${money ? ` (${money})` : ''}`;
    confirm.hidden = false;
    if (action === 'reject' && !$('b-note').value.trim()) {
      $('b-note').focus();
      say(
        `${plural(result.matched, 'order')} to reject. Write a note, then press Enter to confirm.`,
        false,
        'incidents',
      );
    } else {
      confirm.focus();
      say(
        `${plural(result.matched, 'order')} to ${action}. Press Enter on the confirm button, or Esc.`,
        false,
        'incidents',
      );
    }
  } catch (error) {
    say(`Bulk preview failed: ${error.message}`, true, 'incidents');
  }
}

/** Enter in the form: previews, or, once previewed with a note where one is needed, moves to the confirm. */
function submitBulk(event) {
  event.preventDefault();
  if (state.bulk && (state.bulk.action === 'approve' || $('b-note').value.trim())) {
    $('b-confirm').focus();
    return;
  }
  previewBulk();
}

async function runBulk() {
  if (!state.bulk) return;
  const note = $('b-note').value.trim();
  if (state.bulk.action === 'reject' && !note) {
    say('A note is required to reject: write it in the form’s note field.', true, 'incidents');
    $('b-note').focus();
    return;
  }
  const { action, filter } = state.bulk;
  const incident = bulkIncident();
  const what = incident ? describe(incident) : filter.incident;
  const narrowed = [
    filter.rule && `rule ${filter.rule}`,
    filter.paymentMethod && `paid by ${methodText(filter.paymentMethod)}`,
  ]
    .filter(Boolean)
    .join(', ');
  cancelPreview();
  let message;
  let failed = false;
  try {
    const result = await api('POST', 'bulk', { action, filter, note });
    message =
      `${action === 'reject' ? 'Rejected' : 'Approved'} ${plural(result.changed, 'order')} of ${what}` +
      (narrowed ? ` (${narrowed})` : '') +
      (result.skipped > 0 ? `; ${result.skipped} skipped (decided by someone else)` : '') +
      (result.truncated ? '; more remain, run it again' : '') +
      '.';
  } catch (error) {
    message = `Bulk ${action} failed: ${error.message}`;
    failed = true;
  }
  // The form is reset and the keys stay on the incidents, with the result written there.
  closeBulk();
  say(message, failed, 'incidents');
  await refresh();
}
