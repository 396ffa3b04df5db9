// src/review/assets/js/api.js
// The JSON API with the bearer token, the filter query, and loading the stats, incidents, trips, queue and audit.

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

function filterQuery() {
  const params = new URLSearchParams();
  params.set('status', $('f-status').value);
  const fields = {
    incident: 'f-incident',
    rule: 'f-rule',
    sku: 'f-sku',
    voucher: 'f-voucher',
    paymentMethod: 'f-method',
  };
  for (const [name, id] of Object.entries(fields)) {
    const value = $(id).value.trim();
    if (value) params.set(name, value);
  }
  for (const [name, label] of [
    ['from', 'Held from'],
    ['to', 'Held before'],
  ]) {
    const value = $(`f-${name}`).value.trim();
    if (!value) continue;
    const ms = zonedToEpoch(value);
    if (ms === undefined) throw new Error(`${label}: write a time as 2026-12-07 08:00 (in ${ZONE})`);
    params.set(name, String(ms));
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
  const atStake = stakeText(stats.display?.pendingValue, stats.pendingValue);
  $('at-stake').textContent = atStake ? `At stake: ${atStake}` : 'Nothing at stake';
  return stats;
}

async function loadIncidents() {
  const result = await api('GET', 'incidents?limit=500');
  // Unchanged since the last update: leave the rows alone (a button about to be pressed stays where it is).
  const key = JSON.stringify(result);
  if (key === state.incidentsKey) return result;
  state.incidentsKey = key;
  const selected = state.incidents[state.incidentSelected];
  state.incidents = result.incidents;
  if (selected) {
    const index = state.incidents.findIndex((incident) => incident.id === selected.id);
    if (index >= 0) state.incidentSelected = index;
  }
  if (state.incidentSelected >= state.incidents.length) {
    state.incidentSelected = Math.max(0, state.incidents.length - 1);
  }
  const ranked = result.currency ? `ranked by money unpaid in ${result.currency}` : 'ranked by pending holds';
  $('i-summary').textContent =
    `${plural(result.total, 'incident')}, ${plural(result.pending, 'pending hold')}; ${ranked}` +
    (result.others.incidents > 0
      ? `; ${result.others.incidents} more with ${result.others.count} holds not shown`
      : '');
  renderIncidents();
  renderTrips(); // each code's pending holds come from the incidents
  refreshBulkIncident();
  return result;
}

async function loadTrips() {
  const result = await api('GET', 'vouchers?state=tripped');
  const key = JSON.stringify(result);
  if (key === state.tripsKey) return;
  state.tripsKey = key;
  const selected = state.trips[state.tripSelected];
  state.trips = result.vouchers;
  if (selected) {
    const index = state.trips.findIndex((trip) => trip.code === selected.code);
    if (index >= 0) state.tripSelected = index;
  }
  if (state.tripSelected >= state.trips.length) state.tripSelected = Math.max(0, state.trips.length - 1);
  $('t-summary').textContent = state.trips.length === 0 ? 'none' : plural(state.trips.length, 'code');
  renderTrips();
}

async function loadAudit() {
  const { entries } = await api('GET', 'audit?limit=30');
  renderAudit($('audit'), entries);
}
