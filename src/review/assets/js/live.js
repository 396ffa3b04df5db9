// src/review/assets/js/live.js
// Refresh and the live update every few seconds, the "updated" line, signing in and out.

async function refresh() {
  try {
    const [stats] = await Promise.all([loadStats(), loadIncidents(), loadQueue(false, true), loadAudit()]);
    await loadTrips(); // after the incidents: the panel shows each code's pending holds from them
    state.signature = JSON.stringify([stats.byStatus, stats.pendingValue]);
    state.updatedAt = Date.now();
    state.updateFailed = false;
    renderUpdated();
  } catch (error) {
    sayGlobal(error.status === 401 ? 'The token was refused; paste a valid one.' : error.message, true);
    if (error.status === 401) signOut();
  }
}

/** Live update: counts, incidents and trips every few seconds; the list too unless more pages were loaded. */
async function poll() {
  if (!state.token || !state.me || state.polling) return;
  state.polling = true;
  try {
    const [stats] = await Promise.all([loadStats(), loadIncidents()]);
    await loadTrips();
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

/**
 * Adds the custom rules in force to the rule filter's suggestions (the built-in ones come with the page); the form
 * deciding an incident offers the rules of its breakdown, custom ones included.
 */
function fillRuleMenus(rules) {
  const list = $('rule-ids');
  for (const old of list.querySelectorAll('option.custom')) old.remove();
  for (const rule of rules.custom) {
    const option = el('option', 'custom');
    option.value = rule;
    option.label = `${rule} (custom)`;
    list.appendChild(option);
  }
}

/** The dashboard's link names a voucher (`?voucher=CODE`): its incident is selected, its orders listed. */
function openAskedVoucher() {
  const asked = state.askedVoucher.replace(/\s+/g, '').toUpperCase();
  state.askedVoucher = '';
  if (!asked) return;
  const index = state.incidents.findIndex((incident) => incident.id === `voucher:${asked}`);
  if (index >= 0) {
    state.incidentSelected = index;
    setPane('incidents');
    say(
      `Voucher ${asked} from the link: its incident is selected (Enter lists its orders).`,
      false,
      'incidents',
    );
    return;
  }
  $('f-voucher').value = asked;
  setPane('list');
  loadQueue(false).catch((error) => say(error.message, true, 'list'));
  say(`Voucher ${asked} from the link has no pending incident: its orders are listed.`, false, 'list');
}

async function signIn(token) {
  state.token = token;
  try {
    state.me = await api('GET', 'me');
    fillRuleMenus(await api('GET', 'rules'));
    sessionStorage.setItem(TOKEN_KEY, token);
    $('me').textContent = `${state.me.name} (${state.me.role})`;
    $('login').hidden = true;
    $('logout').hidden = false;
    sayGlobal(`Signed in as ${state.me.name}.`);
    document.body.classList.toggle('can-act', state.me.role !== 'viewer');
    document.body.classList.toggle('is-admin', state.me.role === 'admin');
    document.body.classList.add('signed-in');
    renderPane();
    await refresh();
    openAskedVoucher();
  } catch (error) {
    sayGlobal(error.status === 401 ? 'The token was refused.' : error.message, true);
    signOut();
  }
}

function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
  state.token = '';
  state.me = null;
  state.items = [];
  state.incidents = [];
  state.incidentsKey = '';
  state.trips = [];
  state.tripsKey = '';
  state.updatedAt = 0;
  resetBulk();
  closeDetail();
  $('me').textContent = '';
  $('stats').textContent = '';
  $('at-stake').textContent = '';
  $('login').hidden = false;
  $('logout').hidden = true;
  document.body.classList.remove('can-act', 'is-admin', 'signed-in');
  renderPane();
  renderRows();
  renderIncidents();
  renderTrips();
  renderDetail();
  renderUpdated();
}
