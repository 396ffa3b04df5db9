// src/review/assets/js/api.js
// The JSON API with the bearer token, the filter query, and loading the queue, stats, groups and audit.

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
  if (state.groupSelected >= state.groups.length) state.groupSelected = Math.max(0, state.groups.length - 1);
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
