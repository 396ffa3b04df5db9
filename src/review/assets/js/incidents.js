// src/review/assets/js/incidents.js
// The incidents table (one row per primary cause, from /api/incidents), its selection and opening its orders.

/** "voucher TMRW100", "SKU MJ-TOTE", "rule total_mismatch". */
function describe(incident) {
  return `${KIND_LABEL[incident.cause.kind]} ${incident.cause.key}`;
}

/** "name 28 · other 5", the largest counts first, at most `limit` of them. */
function countsText(counts, limit, show) {
  const entries = Object.entries(counts || {}).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const shown = entries.slice(0, limit).map(([name, count]) => `${show ? show(name) : name} ${count}`);
  if (entries.length > limit) shown.push(`+${entries.length - limit} more`);
  return shown.join(' · ');
}

function renderIncidents() {
  const body = $('incident-rows');
  clear(body);
  state.incidents.forEach((incident, index) => {
    const row = el('tr', index === state.incidentSelected ? 'selected' : '');
    row.dataset.id = incident.id;
    const cause = el('td', 'cause');
    cause.appendChild(el('span', `kind ${incident.cause.kind}`, KIND_LABEL[incident.cause.kind]));
    cause.appendChild(el('span', 'mono key', incident.cause.key));
    if (incident.trip) {
      const tripped = el('span', 'tripped', incident.trip.sticky ? 'tripped, sticky' : 'tripped');
      tripped.title = `Velocity trip since ${when(incident.trip.trippedAt)} (${ZONE}); see Tripped vouchers`;
      cause.appendChild(tripped);
      if (incident.trip.segment)
        cause.appendChild(el('div', 'segment', `holds only: ${incident.trip.segment}`));
    }
    row.appendChild(cause);
    row.appendChild(labelledCell('num count', 'Pending', incident.count));
    const span = el('td', 'when span');
    span.appendChild(timeEl(incident.firstHeldAt));
    const last = el('div', null, '– ');
    last.appendChild(timeEl(incident.lastHeldAt));
    span.appendChild(last);
    span.appendChild(el('div', 'hint', `first ${age(incident.firstHeldAt)} ago`));
    row.appendChild(span);
    const money = el('td', 'num money');
    for (const currency of Object.keys(incident.display.exposure).sort()) {
      const shown = incident.display.exposure[currency];
      const line = el('div');
      line.appendChild(labelled('Unpaid', shown.exposure, 'stake'));
      if (incident.exposure[currency].overcharge > 0) {
        line.appendChild(el('div', 'overcharge', `overcharged ${shown.overcharge}`));
      }
      money.appendChild(line);
    }
    row.appendChild(money);
    const why = el('td', 'why');
    why.appendChild(el('div', 'rules', countsText(incident.breakdown.rules, 3)));
    why.appendChild(el('div', 'mono methods', countsText(incident.breakdown.paymentMethods, 3, methodText)));
    row.appendChild(why);
    const actions = el('td', 'incident-actions');
    actions.appendChild(button('Orders', 'desk-only', () => showIncidentOrders(incident)));
    actions.appendChild(button('Reject…', 'reject acts desk-only', () => openBulk(incident, 'reject')));
    actions.appendChild(button('Approve…', 'acts desk-only', () => openBulk(incident, 'approve')));
    actions.appendChild(button('Decide…', 'acts phone-only', () => openBulk(incident, 'reject')));
    actions.appendChild(button('Orders', 'viewer-only phone-only', () => showIncidentOrders(incident)));
    row.appendChild(actions);
    row.addEventListener('click', (event) => {
      if (event.target && event.target.tagName === 'BUTTON') return;
      state.incidentSelected = index;
      setPane('incidents');
    });
    body.appendChild(row);
  });
  if (state.incidents.length === 0)
    emptyRow(body, 6, state.me ? 'No pending holds: no incident.' : 'Sign in to see the incidents.');
}

/** A table cell with a label shown where no column heading names it (phones). */
function labelledCell(className, label, value) {
  const cell = el('td', className);
  cell.appendChild(labelled(label, value));
  return cell;
}

function selectIncident(index) {
  if (state.incidents.length === 0) return;
  state.incidentSelected = Math.max(0, Math.min(state.incidents.length - 1, index));
  setPane('incidents');
}

function currentIncident() {
  return state.incidents[state.incidentSelected];
}

/** Shows an incident's pending orders in the list (narrowed as given), and moves the keys there. */
function showIncidentOrders(incident, narrow = {}) {
  $('f-status').value = 'pending';
  $('f-incident').value = incident.id;
  $('f-rule').value = narrow.rule || '';
  $('f-method').value = narrow.paymentMethod || '';
  for (const id of ['f-sku', 'f-voucher', 'f-from', 'f-to']) $(id).value = '';
  state.selected = 0;
  setPane('list');
  const narrowed = Boolean(narrow.rule || narrow.paymentMethod);
  loadQueue(false)
    .then(() => {
      const count = narrowed
        ? plural(state.items.length, 'pending order')
        : plural(incident.count, 'pending order');
      say(`Showing the ${count} of ${describe(incident)}${narrowed ? ' (narrowed)' : ''}.`, false, 'list');
    })
    .catch((error) => say(error.message, true, 'list'));
}
